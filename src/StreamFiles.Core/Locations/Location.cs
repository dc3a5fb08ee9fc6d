using System;
using System.Runtime.InteropServices;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Locations
{
    /// <summary>
    /// Where bytes live: a file-system path (relative, absolute, UNC, ~), an S3 object or prefix
    /// (s3://bucket/key, s3://bucket/prefix/) or an HTTP(S) URL. Parse decides by the spelling alone and
    /// never touches the storage; a trailing separator marks a container (directory or prefix).
    /// </summary>
    public abstract class Location
    {
        internal static readonly bool IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        public abstract LocationKind Kind { get; }

        /// <summary>Safe to show anywhere: URIs lose query strings and user information.</summary>
        public abstract string Display { get; }

        /// <summary>Written as a container: a trailing separator, or a name that can only be a directory ("." or "~").</summary>
        public abstract bool IsContainer { get; }

        /// <summary>The last name in the location (a file name, the leaf of a key); empty for a root.</summary>
        public abstract string Name { get; }

        /// <summary>
        /// The location of an item below this one. relativePath uses '/' separators; a path that would leave
        /// this container ("..", rooted, a drive, a backslash, empty names) is refused with UnsafeRelativePath.
        /// </summary>
        public abstract Location Child(string relativePath);

        public override string ToString() => Display;

        /// <summary>Parses a location; relative paths are resolved against basePath (default: the current directory).</summary>
        /// <summary>
        /// Parse for a destination, which is also checked as one: an S3 key with a backslash ("s3://b/logs\", as a
        /// Windows path would end) would make keys with backslashes in them, which no download could write as paths.
        /// </summary>
        public static Location ParseDestination(string text, string? basePath = null)
        {
            Location location = Parse(text, basePath);
            if (location is S3Location s3 && s3.Key.IndexOf('\\') >= 0)
            {
                string fixedKey = s3.Key.Replace('\\', '/');
                throw LocationFormatException.Invalid(text, "its key contains '\\'", $"S3 keys use '/' between names: write 's3://{s3.Bucket}/{fixedKey}'.");
            }

            // S3 keys are not paths: "a/../b" and "a//b" are stored as written, and a download of their prefix then
            // refuses them (UnsafeKey), as it cannot place them under a directory.
            if (location is S3Location named && named.Key.Length > 0)
            {
                string[] segments = named.Key.Split('/');
                for (int i = 0; i < segments.Length; i++)
                {
                    string segment = segments[i];
                    if (segment == ".." || segment == "." || (segment.Length == 0 && i < segments.Length - 1))
                    {
                        var kept = new System.Collections.Generic.List<string>();
                        foreach (string name in segments)
                        {
                            if (name == "..")
                            {
                                if (kept.Count > 0)
                                {
                                    kept.RemoveAt(kept.Count - 1);
                                }
                            }
                            else if (name.Length > 0 && name != ".")
                            {
                                kept.Add(name);
                            }
                        }

                        string last = segments[segments.Length - 1];
                        bool prefix = last.Length == 0 || last == "." || last == "..";
                        string suggested = string.Join("/", kept) + (prefix && kept.Count > 0 ? "/" : string.Empty);
                        string what = segment.Length == 0 ? "an empty segment ('//')" : $"a '{segment}' segment";
                        throw LocationFormatException.Invalid(text, $"its key has {what}", $"S3 keys are stored as written, not resolved like paths, and downloads refuse such keys: write 's3://{named.Bucket}/{suggested}'.");
                    }
                }
            }

            return location;
        }

        public static Location Parse(string text, string? basePath = null)
        {
            if (text is null)
            {
                throw new ArgumentNullException(nameof(text));
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                throw LocationFormatException.Invalid(text, "it is empty", "Give a path, an s3://bucket/key or an http(s):// URL.");
            }

            if (text.IndexOf('\0') >= 0)
            {
                throw LocationFormatException.Invalid(text.Replace("\0", "\\0"), "it contains a NUL character", "Remove it.");
            }

            string? scheme = SchemeOf(text);
            if (scheme != null)
            {
                bool slashes = string.CompareOrdinal(text, scheme.Length, "://", 0, 3) == 0;
                switch (scheme.ToLowerInvariant())
                {
                    case "s3" when slashes:
                        return S3Location.ParseUri(text);
                    case "http" when slashes:
                    case "https" when slashes:
                        return HttpLocation.ParseUri(text);
                    case "file" when slashes:
                        return FileLocation.ParseFileUri(text);
                    case "s3":
                    case "http":
                    case "https":
                        throw LocationFormatException.Invalid(text, $"'{scheme}:' must be followed by '//'", $"Write {scheme.ToLowerInvariant()}://{(scheme.Equals("s3", StringComparison.OrdinalIgnoreCase) ? "bucket/key" : "host/path")}.");
                    default:
                        if (slashes)
                        {
                            throw new LocationFormatException(new CommandError(
                                "UnsupportedLocation",
                                FailureCategory.InvalidArgument,
                                UriRedaction.RedactText(text),
                                $"'{UriRedaction.RedactText(text)}' uses the scheme '{scheme}:', which StreamFiles does not support. Use a file-system path, s3://bucket/key or an http(s):// URL; for a local name that contains '://', write it as ./{UriRedaction.RedactText(text)}."));
                        }

                        break; // "name:stream" or a drive letter: a file-system path
                }
            }

            return FileLocation.ParsePath(text, basePath);
        }

        /// <summary>Parses without throwing; error describes the problem as a CommandError.</summary>
        public static bool TryParse(string text, out Location? location, out CommandError? error, string? basePath = null)
        {
            try
            {
                location = Parse(text, basePath);
                error = null;
                return true;
            }
            catch (LocationFormatException e)
            {
                location = null;
                error = e.Error;
                return false;
            }
        }

        /// <summary>The scheme of "scheme:rest" when it is at least two characters (one is a drive letter).</summary>
        private static string? SchemeOf(string text)
        {
            if (text.Length < 3 || !IsAsciiLetter(text[0]))
            {
                return null;
            }

            for (int i = 1; i < text.Length; i++)
            {
                char c = text[i];
                if (c == ':')
                {
                    return i >= 2 ? text.Substring(0, i) : null;
                }

                if (!(IsAsciiLetter(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
                {
                    return null;
                }
            }

            return null;
        }

        private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        internal static LocationFormatException Unsafe(Location parent, string relativePath, string problem) =>
            new LocationFormatException(new CommandError(
                "UnsafeRelativePath",
                FailureCategory.SecurityError,
                relativePath,
                $"'{relativePath}' cannot be placed under '{parent.Display}': {problem}. Nothing was written for it."));
    }
}
