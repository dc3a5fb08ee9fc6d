using System;
using System.IO;

namespace StreamFiles.Core.Storage
{
    /// <summary>The final name was taken when the writer committed and overwriting was not allowed.</summary>
    public sealed class DestinationExistsException : IOException
    {
        public DestinationExistsException(string destination, Exception? inner = null, string? why = null)
            : base($"'{destination}' already exists{why}.", inner)
        {
            Destination = destination;
            Why = why;
        }

        public string Destination { get; }

        /// <summary>How it differs from the source, when -SkipUnchanged compared them (" and differs in content"); null when it appeared during the copy.</summary>
        public string? Why { get; }
    }
}
