using System;
using System.IO;

namespace StreamFiles.Core.Storage
{
    /// <summary>The source is not the version the transfer started with (size, time or ETag differ, or it ended early).</summary>
    public sealed class SourceChangedException : IOException
    {
        public SourceChangedException(string source, string detail, Exception? inner = null, bool storedAsRead = false)
            : base($"'{source}' changed while it was being copied: {detail}.", inner)
        {
            Location = source;
            Detail = detail;
            StoredAsRead = storedAsRead;
        }

        /// <summary>
        /// The change was seen after a destination written in one request had stored the whole file, as it was read
        /// and checked: the copy is whole, but of the file before the change.
        /// </summary>
        public bool StoredAsRead { get; }

        /// <summary>The source as displayed (a path or redacted URI).</summary>
        public string Location { get; }

        public string Detail { get; }
    }
}
