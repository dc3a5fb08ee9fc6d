using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Local;

namespace StreamFiles.Core.Resume
{
    /// <summary>
    /// The persisted state of an unfinished transfer: which source version, which part layout, which parts are
    /// done (with their CRCs, and the backend's tag such as an S3 part ETag) and the backend's resume token (an
    /// upload id). It lives next to the .partial file (&lt;destination&gt;.partial.journal) — for other
    /// destinations in the user's local application data — and is replaced atomically on every save
    /// (write a temporary file, then rename), so a kill at any moment leaves the old or the new journal.
    /// The format is a small line-based text file, readable by people and free of dependencies.
    /// </summary>
    public sealed class ResumeJournal
    {
        public const string Suffix = ".journal";

        /// <summary>What a journal is written under before it is renamed over the last one.</summary>
        public const string TemporarySuffix = ".tmp";

        /// <summary>Overrides where journals of non-file destinations live (default: local application data).</summary>
        public const string StateDirectoryVariable = "STREAMFILES_STATE_DIR";
        private const string Magic = "streamfiles-resume 1";

        private readonly object _gate = new object();
        private readonly SortedDictionary<int, PartReceipt> _parts = new SortedDictionary<int, PartReceipt>();

        public ResumeJournal(
            string source,
            SourceFingerprint fingerprint,
            long partSize,
            int partCount,
            ChecksumAlgorithm algorithm,
            string partAlgorithm,
            string? resumeToken,
            IEnumerable<PartReceipt>? parts = null)
        {
            Source = source;
            Fingerprint = fingerprint;
            PartSize = partSize;
            PartCount = partCount;
            Algorithm = algorithm;
            PartAlgorithm = partAlgorithm;
            ResumeToken = resumeToken;
            foreach (PartReceipt part in parts ?? Enumerable.Empty<PartReceipt>())
            {
                _parts[part.Number] = part;
            }
        }

        /// <summary>The source as displayed when the journal was made (informational).</summary>
        public string Source { get; }

        public SourceFingerprint Fingerprint { get; }

        public long PartSize { get; }

        public int PartCount { get; }

        public ChecksumAlgorithm Algorithm { get; }

        public string PartAlgorithm { get; }

        public string? ResumeToken { get; }

        public IReadOnlyList<PartReceipt> Parts
        {
            get
            {
                lock (_gate)
                {
                    return _parts.Values.ToList();
                }
            }
        }

        /// <summary>Where the journal of a destination lives.</summary>
        public static string PathFor(Location destination)
        {
            if (destination is FileLocation file)
            {
                return Files.PartialFile.PathFor(file.Path) + Suffix;
            }

            string? root = Environment.GetEnvironmentVariable(StateDirectoryVariable);
            if (string.IsNullOrEmpty(root))
            {
                root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            }

            if (string.IsNullOrEmpty(root))
            {
                // No home folder (HOME unset or missing, as for service accounts): a folder of this user's own under the
                // temporary directory, not one all users share (a probe: /tmp/StreamFiles/journals, named only by a hash
                // of the destination, for every user).
                root = TemporaryStateRoot();
            }

            using var sha = SHA256.Create();
            string name = Hex.Encode(sha.ComputeHash(Encoding.UTF8.GetBytes(destination.Display))).Substring(0, 32).ToLowerInvariant();
            return Path.Combine(root!, "StreamFiles", "journals", name + Suffix);
        }

        internal static string TemporaryStateRoot()
        {
            string root = Path.Combine(Path.GetTempPath(), "streamfiles-" + Environment.UserName);
#if NET8_0_OR_GREATER
            if (!OperatingSystem.IsWindows() && !Directory.Exists(root))
            {
                try
                {
                    Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
                catch (IOException)
                {
                    // The journal's own save reports what stands in the way.
                }
            }
#endif
            return root;
        }

        public void Record(PartReceipt part)
        {
            lock (_gate)
            {
                _parts[part.Number] = part;
            }
        }

        /// <summary>Null when the journal describes this source version and part layout; otherwise why not.</summary>
        public string? Mismatch(SourceFingerprint source, long partSize, int partCount, ChecksumAlgorithm algorithm)
        {
            string? difference = Fingerprint.Difference(source);
            if (difference != null)
            {
                return "the source changed since the interrupted run: " + difference;
            }

            if (partSize != PartSize || partCount != PartCount)
            {
                return "the part size differs from the interrupted run's";
            }

            return algorithm != Algorithm ? "the checksum algorithm differs from the interrupted run's" : null;
        }

        /// <summary>
        /// Writes the journal atomically and durably: a temporary file, flushed to disk, renamed over the old journal.
        /// makeListedPartsDurable runs after the parts to list were taken and before anything is written, so that the
        /// journal never lists a part whose bytes are not yet on disk (the caller flushes the data file there).
        /// </summary>
        public void Save(string path, Action? makeListedPartsDurable = null)
        {
            string text;
            lock (_gate)
            {
                text = Format();
            }

            makeListedPartsDurable?.Invoke();

            string? directory = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            string temporary = path + TemporarySuffix;
            byte[] bytes = new UTF8Encoding(false).GetBytes(text);
            try
            {
                // A new file, never one opened through what is there: a symbolic link under the temporary name had the
                // journal written into the file it led to (a probe, with --force --resume). What was there was either
                // a leftover of a save or a file the caller was told to replace.
                File.Delete(temporary);
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
                {
                    stream.Write(bytes, 0, bytes.Length);

                    // Without this a crash soon after the rename can leave an empty journal (then the rerun starts over).
                    stream.Flush(flushToDisk: true);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // A disk that filled up left the temporary file empty beside the journal (a probe): it goes, the last
                // journal saved stays, and the failure is the caller's to report.
                try
                {
                    File.Delete(temporary);
                }
                catch (Exception cleanup) when (cleanup is IOException || cleanup is UnauthorizedAccessException)
                {
                    // Left; the next save replaces it.
                }

                throw;
            }

            FileReplace.Move(temporary, path, overwrite: true);
        }

        /// <summary>Reads a journal; null (with the reason) when it is missing or unreadable.</summary>
        public static ResumeJournal? TryLoad(string path, out string? problem)
        {
            problem = null;
            string[] lines;
            try
            {
                if (!File.Exists(path))
                {
                    problem = "there is no resume journal";
                    return null;
                }

                if (IsForeign(path))
                {
                    problem = "the file under the resume journal's name is not one";
                    return null;
                }

                lines = File.ReadAllLines(path, Encoding.UTF8);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                problem = "the resume journal cannot be read: " + e.Message;
                return null;
            }

            try
            {
                return Parse(lines);
            }
            catch (FormatException e)
            {
                problem = "the resume journal is damaged: " + e.Message;
                return null;
            }
        }

        /// <summary>
        /// Deletes a journal; a file of that name that is not one (a user's own "x.partial.journal" beside a local
        /// destination: a probe saw it deleted by every copy to x) is left as it is.
        /// </summary>
        public static void Delete(string path)
        {
            if (IsForeign(path))
            {
                return;
            }

            try
            {
                File.Delete(path);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }

        /// <summary>
        /// Whether a file is there under the journal's name that does not begin as every journal does (of any version): one StreamFiles
        /// did not write, which it neither reads whole, nor replaces, nor deletes; a directory too. False when nothing
        /// is there, for an empty file (what a crash in the middle of a save can leave, and holds nothing to lose), and
        /// when it cannot be read (the operation on it then says why).
        /// </summary>
        public static bool IsForeign(string path)
        {
            // One stat and no exception for the usual case, nothing there: every local file written asks it twice.
            FileAttributes attributes;
            try
            {
                attributes = new FileInfo(path).Attributes; // all bits set (-1) where nothing is there
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false; // .NET Framework throws for nothing there
            }

            if ((int)attributes == -1)
            {
                return false;
            }

            if ((attributes & FileAttributes.Directory) != 0)
            {
                return true;
            }

            // A symbolic link (dangling or not) is not one StreamFiles wrote either, and a FIFO or a device there would
            // hold the open below for ever (a probe: a FIFO under the journal's name hung every copy to that name).
            if ((attributes & FileAttributes.ReparsePoint) != 0 || Files.SpecialFile.KindOf(path) != null)
            {
                return true;
            }

            byte[] expected = Encoding.ASCII.GetBytes(Magic.Substring(0, Magic.IndexOf(' ') + 1)); // "streamfiles-resume ", of any version
            var start = new byte[expected.Length];
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
                int read = 0;
                while (read < start.Length)
                {
                    int n = file.Read(start, read, start.Length - read);
                    if (n == 0)
                    {
                        break;
                    }

                    read += n;
                }

                return read > 0 && (read < start.Length || !start.AsSpan().SequenceEqual(expected));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false; // missing (FileNotFound, DirectoryNotFound), or unreadable
            }
        }

        private string Format()
        {
            var text = new StringBuilder();
            text.Append(Magic).Append('\n');
            text.Append("# Resume state of an interrupted transfer. A rerun with -Resume (--resume) continues it; a rerun without starts over and clears it.\n");
            if (!string.IsNullOrEmpty(ResumeToken))
            {
                text.Append("# 'token' is the destination's multipart upload. Deleting this file by hand leaves that upload, and the parts it\n");
                text.Append("# holds, on the store: let a rerun clear it, or abort it (aws s3api abort-multipart-upload --upload-id <token>).\n");
            }

            Line(text, "source", Escape(Source));
            Line(text, "length", Fingerprint.Length.ToString(CultureInfo.InvariantCulture));
            Line(text, "modified", Fingerprint.LastModified.HasValue ? Fingerprint.LastModified.Value.UtcTicks.ToString(CultureInfo.InvariantCulture) : "-");
            Line(text, "etag", Escape(Fingerprint.ETag));
            Line(text, "head", Fingerprint.Head ?? "-");
            Line(text, "tail", Fingerprint.Tail ?? "-");
            Line(text, "partsize", PartSize.ToString(CultureInfo.InvariantCulture));
            Line(text, "parts", PartCount.ToString(CultureInfo.InvariantCulture));
            Line(text, "algorithm", Algorithm.ToString());
            Line(text, "partalgorithm", PartAlgorithm);
            Line(text, "token", Escape(ResumeToken));
            foreach (PartReceipt part in _parts.Values)
            {
                Line(text, "part", string.Join(" ", new[]
                {
                    part.Number.ToString(CultureInfo.InvariantCulture),
                    part.Offset.ToString(CultureInfo.InvariantCulture),
                    part.Length.ToString(CultureInfo.InvariantCulture),
                    part.Checksum ?? "-",
                    Escape(part.Tag),
                }));
            }

            text.Append("end\n");
            return text.ToString();
        }

        private static ResumeJournal Parse(string[] lines)
        {
            if (lines.Length == 0 || lines[0] != Magic)
            {
                throw new FormatException("it is not a StreamFiles resume journal of this version");
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var parts = new List<PartReceipt>();
            bool ended = false;
            foreach (string line in lines.Skip(1))
            {
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                if (line == "end")
                {
                    ended = true;
                    break;
                }

                int space = line.IndexOf(' ');
                if (space <= 0)
                {
                    throw new FormatException("a line has no value");
                }

                string key = line.Substring(0, space);
                string value = line.Substring(space + 1);
                if (key == "part")
                {
                    string[] fields = value.Split(' ');
                    if (fields.Length != 5)
                    {
                        throw new FormatException("a part line has " + fields.Length + " fields");
                    }

                    parts.Add(new PartReceipt(
                        ParseInt(fields[0]),
                        ParseLong(fields[1]),
                        ParseLong(fields[2]),
                        fields[3] == "-" ? null : fields[3],
                        Unescape(fields[4])));
                }
                else
                {
                    values[key] = value;
                }
            }

            if (!ended)
            {
                throw new FormatException("it is truncated");
            }

            string Get(string key) => values.TryGetValue(key, out string? v) ? v : throw new FormatException("'" + key + "' is missing");

            string modified = Get("modified");
            var fingerprint = new SourceFingerprint(
                ParseLong(Get("length")),
                modified == "-" ? (DateTimeOffset?)null : new DateTimeOffset(ParseLong(modified), TimeSpan.Zero),
                Unescape(Get("etag")),
                Get("head") == "-" ? null : Get("head"),
                Get("tail") == "-" ? null : Get("tail"));
            if (!ChecksumAlgorithms.TryParse(Get("algorithm"), out ChecksumAlgorithm algorithm))
            {
                throw new FormatException("unknown algorithm");
            }

            return new ResumeJournal(
                Unescape(Get("source")) ?? string.Empty,
                fingerprint,
                ParseLong(Get("partsize")),
                ParseInt(Get("parts")),
                algorithm,
                Get("partalgorithm"),
                Unescape(Get("token")),
                parts);
        }

        private static void Line(StringBuilder text, string key, string value) => text.Append(key).Append(' ').Append(value).Append('\n');

        private static long ParseLong(string text) =>
            long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value >= 0 ? value : throw new FormatException("'" + text + "' is not a number");

        private static int ParseInt(string text) =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= 0 ? value : throw new FormatException("'" + text + "' is not a number");

        /// <summary>Percent-encodes spaces, controls, '%' and non-ASCII (as UTF-8) so every value is one token.</summary>
        private static string Escape(string? value)
        {
            if (value is null)
            {
                return "-";
            }

            var text = new StringBuilder();
            foreach (byte b in Encoding.UTF8.GetBytes(value))
            {
                if (b <= 0x20 || b >= 0x7F || b == '%' || (b == '-' && value.Length == 1))
                {
                    text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
                else
                {
                    text.Append((char)b);
                }
            }

            return text.ToString();
        }

        private static string? Unescape(string text)
        {
            if (text == "-")
            {
                return null;
            }

            var bytes = new List<byte>(text.Length);
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] == '%' && i + 2 < text.Length && byte.TryParse(text.Substring(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b))
                {
                    bytes.Add(b);
                    i += 2;
                }
                else
                {
                    bytes.Add((byte)text[i]);
                }
            }

            return Encoding.UTF8.GetString(bytes.ToArray());
        }
    }
}
