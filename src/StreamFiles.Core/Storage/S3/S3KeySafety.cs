using System;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// Whether a key (below the listed prefix) can become a path under a destination directory on any OS. Keys are
    /// arbitrary strings; a hostile or careless one ("../../.bashrc", "/etc/passwd", "C:\x", "a\..\..\b") must not
    /// decide where a download is written.
    /// </summary>
    public static class S3KeySafety
    {
        /// <summary>Null when the key is safe, otherwise why not, in words that finish "its key … ".</summary>
        public static string? Problem(string relativeKey) => Problem(relativeKey, Locations.Location.IsWindows);

        /// <param name="windows">Whether paths are Windows paths: there a ':' in any segment names a drive or an NTFS alternate data stream.</param>
        internal static string? Problem(string relativeKey, bool windows)
        {
            if (relativeKey is null)
            {
                throw new ArgumentNullException(nameof(relativeKey));
            }

            if (relativeKey.Length == 0)
            {
                return "is empty";
            }

            if (relativeKey[0] == '/')
            {
                return "is an absolute path";
            }

            if (relativeKey.IndexOf('\\') >= 0)
            {
                return "contains a backslash, which Windows reads as a directory separator";
            }

            if (relativeKey.Length >= 2 && IsAsciiLetter(relativeKey[0]) && relativeKey[1] == ':')
            {
                return "starts with a drive letter";
            }

            foreach (char c in relativeKey)
            {
                if (c < 32 || c == 127)
                {
                    return "contains a control character";
                }
            }

            // "logs/c:x" is a drive-relative path in the middle of one, and "a:b" a stream of the file a: on Windows a
            // ':' anywhere would put the bytes somewhere other than the name says. Elsewhere it is an ordinary character.
            if (windows && relativeKey.IndexOf(':') >= 0)
            {
                return "contains ':', which Windows reads as a drive or an alternate data stream";
            }

            string[] names = relativeKey.Split('/');
            for (int i = 0; i < names.Length; i++)
            {
                string name = names[i];
                if (name == "..")
                {
                    return "climbs out of the directory with '..'";
                }

                if (name == ".")
                {
                    return "contains a '.' path segment";
                }

                if (name.Length == 0 && i < names.Length - 1)
                {
                    return "contains an empty path segment ('//')";
                }
            }

            return null;
        }

        /// <summary>
        /// The S3UnsafeKey error for an object whose key part (named by <paramref name="keyPartNamed"/>, such as "its key
        /// below the prefix") cannot become a path under the destination directory; null when it can.
        /// </summary>
        public static CommandError? Refusal(string display, string keyPart, string keyPartNamed)
        {
            string? problem = Problem(keyPart);
            return problem is null
                ? null
                : new CommandError(
                    "S3UnsafeKey",
                    FailureCategory.SecurityError,
                    display,
                    $"'{Printable(display)}' was not downloaded: {keyPartNamed}, '{Printable(keyPart)}', {problem}, so it would land outside the destination directory or under another name. Nothing was written for it.");
        }

        /// <summary>
        /// The S3FolderMarkerHasData error for an object listed under a prefix whose key ends in '/' and that holds bytes:
        /// such a key names a folder (consoles make empty ones), so there is no file name to save it under.
        /// </summary>
        public static CommandError FolderMarkerRefusal(string display, long length) =>
            new CommandError(
                "S3FolderMarkerHasData",
                FailureCategory.InvalidData,
                display,
                $"'{display}' was not downloaded: its key ends in '/', which names a folder, yet the object holds {length} bytes, so there is no file name to save them under. Nothing was written for it; to keep its data, copy the object to a key without the trailing '/' (aws s3 cp) and download that.");

        /// <summary>A key as a message shows it: control characters (a newline in a key) as \xNN, so one message stays one line.</summary>
        public static string Printable(string text)
        {
            if (text is null || !HasControl(text))
            {
                return text!;
            }

            var shown = new System.Text.StringBuilder(text.Length + 8);
            foreach (char c in text)
            {
                if (c < 32 || c == 127)
                {
                    shown.Append("\\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    shown.Append(c);
                }
            }

            return shown.ToString();
        }

        private static bool HasControl(string text)
        {
            foreach (char c in text)
            {
                if (c < 32 || c == 127)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
