using System;
using System.IO;

namespace StreamFiles.Core.Storage
{
    /// <summary>The final name was taken when the writer committed and overwriting was not allowed.</summary>
    public sealed class DestinationExistsException : IOException
    {
        public DestinationExistsException(string destination, Exception? inner = null)
            : base($"'{destination}' already exists.", inner)
        {
            Destination = destination;
        }

        public string Destination { get; }
    }
}
