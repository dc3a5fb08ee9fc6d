using System.IO;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// The name a copy is written under until it is complete, "&lt;destination&gt;.partial", holds a file no StreamFiles
    /// run left (see PartialMark): it is not replaced without -Force. So does "&lt;destination&gt;.partial.journal", where a
    /// resumable copy keeps its journal, when it holds a file that is not one.
    /// </summary>
    public sealed class PartialInTheWayException : IOException
    {
        /// <param name="directory">A directory is there, which -Force does not replace either.</param>
        public PartialInTheWayException(string partialPath, bool journal = false, bool directory = false)
            : base(journal
                ? $"'{partialPath}' is in the way: StreamFiles uses that name for the resume journal of the copy, and what is there is not one{(directory ? ": a directory, which is never replaced" : string.Empty)}."
                : directory
                    ? $"'{partialPath}' is in the way: the copy is written under that name until it is complete, and what is there is a directory, which is never replaced."
                    : $"'{partialPath}' is in the way: the copy is written under that name until it is complete, and that file was not left by StreamFiles.")
        {
            PartialPath = partialPath;
            Replaceable = !directory;
        }

        public string PartialPath { get; }

        /// <summary>Whether -Force replaces what is there (false for a directory).</summary>
        public bool Replaceable { get; }
    }
}
