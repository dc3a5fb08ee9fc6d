using System;
using System.IO;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>A destination path runs through an existing file ("a.bin/x" where a.bin is a file): no directory can be made there.</summary>
    public sealed class ParentIsFileException : IOException
    {
        public ParentIsFileException(string file, Exception? inner = null)
            : base($"'{file}' is a file, so nothing can be written below it.", inner)
        {
            File = file;
        }

        /// <summary>The existing file in the way.</summary>
        public string File { get; }

        /// <summary>The nearest existing ancestor of path when it is a file, else null.</summary>
        internal static string? FileAncestor(string path)
        {
            string? directory = Path.GetDirectoryName(path);
            while (!string.IsNullOrEmpty(directory))
            {
                if (System.IO.File.Exists(directory))
                {
                    return directory;
                }

                if (Directory.Exists(directory))
                {
                    return null;
                }

                directory = Path.GetDirectoryName(directory);
            }

            return null;
        }
    }
}
