using System;
using System.IO;

namespace StreamFiles.Core.Storage
{
    /// <summary>The final name was taken when the writer committed and overwriting was not allowed.</summary>
    public sealed class DestinationExistsException : IOException
    {
        /// <param name="skipUnchangedApplies">False for a destination -SkipUnchanged cannot look at (an HTTP PUT URL): its advice then names -Force only.</param>
        public DestinationExistsException(string destination, Exception? inner = null, string? why = null, bool skipUnchangedApplies = true)
            : base($"'{destination}' already exists{why}.", inner)
        {
            Destination = destination;
            Why = why;
            SkipUnchangedApplies = skipUnchangedApplies;
        }

        public bool SkipUnchangedApplies { get; }

        public string Destination { get; }

        /// <summary>How it differs from the source, when -SkipUnchanged compared them (" and differs in content"); null when it appeared during the copy.</summary>
        public string? Why { get; }
    }
}
