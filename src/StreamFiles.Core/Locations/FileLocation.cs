using System;
using System.IO;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Locations
{
    /// <summary>A file or directory on a local disk or (on Windows) a share, held as a full, normalised path.</summary>
    public sealed class FileLocation : Location
    {
        private FileLocation(string fullPath, bool isContainer, bool isUnc)
        {
            Path = fullPath;
            IsContainer = isContainer;
            IsUnc = isUnc;
        }

        public override LocationKind Kind => LocationKind.FileSystem;

        /// <summary>The full path, without a trailing separator unless it is a root.</summary>
        public string Path { get; }

        public bool IsUnc { get; }

        public override bool IsContainer { get; }

        public override string Display => Path;

        public override string Name => System.IO.Path.GetFileName(Path);

        /// <summary>A location for a path the caller already resolved (a provider path, a listing entry).</summary>
        public static FileLocation FromPath(string path, bool isContainer = false)
        {
            var parsed = (FileLocation)ParsePath(path, null);
            return isContainer == parsed.IsContainer ? parsed : new FileLocation(parsed.Path, isContainer, parsed.IsUnc);
        }

        public override Location Child(string relativePath)
        {
            if (relativePath is null)
            {
                throw new ArgumentNullException(nameof(relativePath));
            }

            string path = Path;
            string[] names = relativePath.Split('/');
            for (int i = 0; i < names.Length; i++)
            {
                string name = names[i];
                string? problem = name.Length == 0 ? (i == names.Length - 1 && i > 0 ? null : "it has an empty name")
                    : name == "." || name == ".." ? "it climbs with '.' or '..'"
                    : IsWindows && name.IndexOf('\\') >= 0 ? "it contains a backslash"
                    : name.IndexOf('\0') >= 0 ? "it contains a NUL character"
                    : IsWindows && name.IndexOf(':') >= 0 ? "it names a drive or a stream with ':'"
                    : null;
                if (problem != null)
                {
                    throw Unsafe(this, relativePath, problem);
                }

                if (name.Length > 0)
                {
                    path = System.IO.Path.Combine(path, name);
                }
            }

            return new FileLocation(path, relativePath.EndsWith("/", StringComparison.Ordinal), IsUnc);
        }

        internal static Location ParseFileUri(string text)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || !uri.IsFile)
            {
                throw LocationFormatException.Invalid(text, "it is not a valid file: URI", "Write file:///full/path, or just the path.");
            }

            return ParsePath(uri.LocalPath + (text.EndsWith("/", StringComparison.Ordinal) ? "/" : string.Empty), null);
        }

        internal static Location ParsePath(string text, string? basePath)
        {
            if (UncPath.LooksLikeUnc(text, forwardSlashes: IsWindows))
            {
                if (!IsWindows)
                {
                    throw new LocationFormatException(new CommandError(
                        "UncPathNotSupported",
                        FailureCategory.NotImplemented,
                        text,
                        $"'{text}' is a Windows share (UNC) path, which can only be reached on Windows. Mount the share (for example with mount -t cifs) and give the path under the mount point."));
                }

                if (!UncPath.TryParse(text, out UncPath? unc, out string? problem))
                {
                    throw LocationFormatException.Invalid(text, problem!, @"Write \\server\share\folder\file.");
                }

                string uncText = unc!.ToString();
                bool container = unc.HasTrailingSeparator || unc.Segments.Count == 0;
                return new FileLocation(unc.Segments.Count == 0 ? uncText : uncText.TrimEnd('\\'), container, isUnc: true);
            }

            string expanded = ExpandHome(text);
            string full;
            try
            {
                full = basePath is null ? System.IO.Path.GetFullPath(expanded) : System.IO.Path.GetFullPath(System.IO.Path.Combine(basePath, expanded));
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException)
            {
                throw LocationFormatException.Invalid(text, e.Message.TrimEnd('.'), "Check the path for characters the file system does not allow.");
            }

            bool isContainer = EndsWithSeparator(text) || text == "~" || EndsWithDots(text);
            string trimmed = TrimTrailingSeparators(full);
            return new FileLocation(trimmed, isContainer, isUnc: trimmed.StartsWith(@"\\", StringComparison.Ordinal) && IsWindows);
        }

        private static string ExpandHome(string text)
        {
            if (text == "~" || text.StartsWith("~/", StringComparison.Ordinal) || (IsWindows && text.StartsWith(@"~\", StringComparison.Ordinal)))
            {
                string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                if (string.IsNullOrEmpty(home))
                {
                    home = Environment.GetEnvironmentVariable("HOME") ?? string.Empty;
                }

                if (string.IsNullOrEmpty(home))
                {
                    throw LocationFormatException.Invalid(text, "'~' means the home directory, and this account has none", "Write the full path.");
                }

                return text.Length <= 2 ? home + (text.Length == 2 ? System.IO.Path.DirectorySeparatorChar.ToString() : string.Empty) : System.IO.Path.Combine(home, text.Substring(2));
            }

            return text;
        }

        private static bool EndsWithSeparator(string text)
        {
            char last = text[text.Length - 1];
            return last == '/' || last == System.IO.Path.DirectorySeparatorChar || last == System.IO.Path.AltDirectorySeparatorChar;
        }

        private static bool EndsWithDots(string text)
        {
            string name = text.Substring(text.LastIndexOfAny(new[] { '/', System.IO.Path.DirectorySeparatorChar }) + 1);
            return name == "." || name == "..";
        }

        private static string TrimTrailingSeparators(string full)
        {
            string root = System.IO.Path.GetPathRoot(full) ?? string.Empty;
            string trimmed = full;
            while (trimmed.Length > root.Length && (trimmed.EndsWith("/", StringComparison.Ordinal) || trimmed.EndsWith(System.IO.Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal)))
            {
                trimmed = trimmed.Substring(0, trimmed.Length - 1);
            }

            return trimmed;
        }
    }
}
