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

        /// <summary>The longest file name the file systems StreamFiles writes to take: 255 bytes (Linux, macOS) or UTF-16 units (Windows).</summary>
        private const int MaxNameLength = 255;

        private PartialFile(string destination, FileStream stream)
        {
            Destination = destination;
            PartialPath = PathFor(destination);
            _stream = stream;
        }

        /// <summary>
        /// The temporary name of a final path: "&lt;name&gt;.partial". A name too long for that suffix and the resume
        /// journal's ".journal" (and ".tmp" while it is saved) after it (over 235 bytes) keeps its start and a hash of the whole name instead,
        /// "&lt;start&gt;~&lt;8 hex&gt;.partial", so a file whose name the file system takes can be written too.
        /// </summary>
        public static string PathFor(string finalPath)
        {
            if (finalPath is null)
            {
                throw new ArgumentNullException(nameof(finalPath));
            }

            string name = Path.GetFileName(finalPath);
            int room = MaxNameLength - Suffix.Length - Resume.ResumeJournal.Suffix.Length - Resume.ResumeJournal.TemporarySuffix.Length;
            if (NameLength(name) <= room)
            {
                return finalPath + Suffix;
            }

            string hash;
            using (var sha = System.Security.Cryptography.SHA256.Create())
            {
                hash = Hashing.Hex.Encode(sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(name))).Substring(0, 8).ToLowerInvariant();
            }

            int keep = room - 1 - hash.Length;
            var start = new System.Text.StringBuilder();
            for (int i = 0; i < name.Length; i++)
            {
                int width = char.IsHighSurrogate(name[i]) && i + 1 < name.Length ? 2 : 1;
                string next = name.Substring(i, width);
                if (NameLength(start.ToString() + next) > keep)
                {
                    break;
                }

                start.Append(next);
                i += width - 1;
            }

            return finalPath.Substring(0, finalPath.Length - name.Length) + start + "~" + hash + Suffix;
        }

        private static int NameLength(string name) =>
            Locations.Location.IsWindows ? name.Length : System.Text.Encoding.UTF8.GetByteCount(name);

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

            // A symbolic link under the temporary name goes, rather than being written through (a probe: the file it led
            // to was overwritten with the output).
            if (LinkedFile.IsLink(PathFor(destination)))
            {
                File.Delete(PathFor(destination));
            }

            // Unbuffered: callers write large pieces, and a FileStream buffer would only add a copy.
            var stream = new FileStream(PathFor(destination), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.SequentialScan);
            try
            {
                TakeOverFrom(destination, stream);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                stream.Dispose();
                try
                {
                    File.Delete(PathFor(destination));
                }
                catch (Exception cleanup) when (cleanup is IOException || cleanup is UnauthorizedAccessException)
                {
                    // Left; the failure being reported matters more.
                }

                throw;
            }

            return new PartialFile(destination, stream);
        }

        /// <summary>
        /// A file the output replaces keeps what the shell's `&gt;` keeps, since the new file takes its place: its mode
        /// (and, for root, its owner and group), set on the temporary file before a byte goes in; and one this user may
        /// not write is refused, as `&gt;` refuses it. A probe: `base64 -d - secret.key` made a 0600 file 0644, and a
        /// 0444 one was replaced without a word.
        /// </summary>
        private static void TakeOverFrom(string destination, FileStream partial)
        {
#if NET8_0_OR_GREATER
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            if (LinkedFile.IsLink(destination))
            {
                // The link itself is replaced, as for any destination that is one (documented): the mode of the file it
                // leads to, if it leads to one; a dangling link or a loop is simply replaced.
                if (LinkedFile.Target(new FileInfo(destination)) is FileInfo target)
                {
                    if (!SpecialFile.MayWrite(destination))
                    {
                        // As `>` through the link refuses it (a probe: build 14 replaced the link to a 0444 file).
                        throw new UnauthorizedAccessException($"'{destination}' leads to '{target.FullName}', which is write-protected: it is not replaced.");
                    }

                    File.SetUnixFileMode(partial.SafeFileHandle, target.UnixFileMode);
                }

                return;
            }

            if (!File.Exists(destination))
            {
                return;
            }

            if (!SpecialFile.MayWrite(destination))
            {
                throw new UnauthorizedAccessException($"'{destination}' is write-protected: it is not replaced. Make it writable (chmod u+w), or write another file.");
            }

            File.SetUnixFileMode(partial.SafeFileHandle, File.GetUnixFileMode(destination));
            SpecialFile.GiveOwnerOf(destination, partial.Name);
#endif
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
