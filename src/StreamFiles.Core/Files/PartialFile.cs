using System;
using System.IO;

namespace StreamFiles.Core.Files
{
    /// <summary>
    /// A file written under a temporary name, "&lt;destination&gt;.partial", and renamed to its final name only
    /// when Commit is called: a failed or cancelled write never leaves a half-written file under the final
    /// name, and an existing destination stays as it was until the new one is complete. Disposing without
    /// Commit deletes the partial file.
    /// </summary>
    public sealed class PartialFile : IDisposable
    {
        public const string Suffix = ".partial";

        private FileStream? _stream;
        private bool _committed;

        private PartialFile(string destination, FileStream stream)
        {
            Destination = destination;
            PartialPath = destination + Suffix;
            _stream = stream;
        }

        /// <summary>The final name.</summary>
        public string Destination { get; }

        /// <summary>The name the data is written under until Commit.</summary>
        public string PartialPath { get; }

        public Stream Stream => _stream ?? throw new ObjectDisposedException(nameof(PartialFile));

        /// <summary>Creates (or truncates a leftover) "&lt;destination&gt;.partial" for writing.</summary>
        public static PartialFile Create(string destination)
        {
            if (string.IsNullOrEmpty(destination))
            {
                throw new ArgumentException("A destination path is required.", nameof(destination));
            }

            SystemPath.ThrowIfSystemPath(destination);

            // Unbuffered: callers write large pieces, and a FileStream buffer would only add a copy.
            var stream = new FileStream(destination + Suffix, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.SequentialScan);
            return new PartialFile(destination, stream);
        }

        /// <summary>Closes the partial file and moves it over the destination (replacing a file there).</summary>
        public void Commit()
        {
            FileStream stream = _stream ?? throw new ObjectDisposedException(nameof(PartialFile));
            stream.Flush();
            stream.Dispose();
            _stream = null;
#if NET8_0_OR_GREATER
            File.Move(PartialPath, Destination, overwrite: true);
#else
            if (File.Exists(Destination))
            {
                File.Replace(PartialPath, Destination, destinationBackupFileName: null);
            }
            else
            {
                File.Move(PartialPath, Destination);
            }
#endif
            _committed = true;
        }

        /// <summary>Without a Commit, closes and deletes the partial file; the destination is untouched.</summary>
        public void Dispose()
        {
            _stream?.Dispose();
            _stream = null;
            if (!_committed)
            {
                try
                {
                    File.Delete(PartialPath);
                }
                catch (IOException)
                {
                    // Best effort: the failure being reported matters more than a leftover temporary file.
                }
                catch (UnauthorizedAccessException)
                {
                    // As above.
                }

                _committed = true;
            }
        }
    }
}
