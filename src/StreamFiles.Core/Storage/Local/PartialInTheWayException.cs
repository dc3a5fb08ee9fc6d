using System.IO;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// The name a copy is written under until it is complete, "&lt;destination&gt;.partial", holds a file no StreamFiles
    /// run left (see PartialMark): it is not replaced without -Force.
    /// </summary>
    public sealed class PartialInTheWayException : IOException
    {
        public PartialInTheWayException(string partialPath)
            : base($"'{partialPath}' is in the way: the copy is written under that name until it is complete, and that file was not left by StreamFiles.")
        {
            PartialPath = partialPath;
        }

        public string PartialPath { get; }
    }
}
