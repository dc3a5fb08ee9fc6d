using System;
using System.IO;

namespace StreamFiles.Core.Storage
{
    /// <summary>The source is not the version the transfer started with (size, time or ETag differ, or it ended early).</summary>
    public sealed class SourceChangedException : IOException
    {
        public SourceChangedException(string source, string detail, Exception? inner = null)
            : base($"'{source}' changed while it was being copied: {detail}.", inner)
        {
            Location = source;
            Detail = detail;
        }

        /// <summary>The source as displayed (a path or redacted URI).</summary>
        public string Location { get; }

        public string Detail { get; }
    }
}
