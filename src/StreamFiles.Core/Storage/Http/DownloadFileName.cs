using System;
using System.Linq;
using System.Text;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage.Http
{
    /// <summary>
    /// Turns a name a server or URL suggests into a file name that is safe in any directory on any system:
    /// only the last path component is kept (a server cannot steer the file elsewhere), and a name that is
    /// still unsafe — empty, "." or "..", control characters, characters Windows forbids, a reserved device
    /// name such as CON or COM1, trailing dots or spaces, over 255 bytes — is refused, never rewritten into a guess.
    /// </summary>
    public static class DownloadFileName
    {
        private static readonly string[] ReservedDevices =
        {
            "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
            "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM\u00B9", "COM\u00B2", "COM\u00B3",
            "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00B9", "LPT\u00B2", "LPT\u00B3",
        };

        /// <summary>
        /// The name to save a download under; LocationFormatException (UnsafeFileName) when there is no safe one. suggested is the Content-Disposition name (raw) or, without one,
        /// the last segment of the URL path (percent-decoded), with fromServer false. source names the URL (redacted) in errors.
        /// </summary>
        public static string Choose(string? suggested, string source, bool fromServer = true)
        {
            string? problem = TryMakeSafe(suggested, out string? safe);
            if (problem != null)
            {
                throw new LocationFormatException(new CommandError(
                    "UnsafeFileName",
                    FailureCategory.SecurityError,
                    source,
                    $"The {(fromServer ? "server's file name" : "file name the URL ends with")} for '{source}' cannot be used safely: {problem}. Give a file name as the destination instead of a directory."));
            }

            return safe!;
        }

        /// <summary>Null and the safe name, or the problem; never throws.</summary>
        public static string? TryMakeSafe(string? suggested, out string? safe)
        {
            safe = null;
            if (suggested is null)
            {
                return "there is none (the URL ends with '/' and the server sent no Content-Disposition file name)";
            }

            if (suggested.Any(IsControl))
            {
                return "it contains control characters";
            }

            // Directory parts are dropped whichever separator the server used.
            string name = suggested.Substring(suggested.LastIndexOfAny(new[] { '/', '\\' }) + 1);
            if (name.Trim().Length == 0)
            {
                return "it has no name after its directory parts";
            }

            if (name == "." || name == "..")
            {
                return $"'{name}' names a directory";
            }

            int bad = name.IndexOfAny(new[] { '<', '>', ':', '"', '|', '?', '*' });
            if (bad >= 0)
            {
                return $"it contains '{name[bad]}', which Windows does not allow in file names";
            }

            if (name.EndsWith(".", StringComparison.Ordinal) || name.EndsWith(" ", StringComparison.Ordinal) || name.StartsWith(" ", StringComparison.Ordinal))
            {
                return "it begins with a space or ends with a dot or space, which Windows strips or rejects";
            }

            string stem = name.Split('.')[0].TrimEnd(' ');
            if (ReservedDevices.Any(device => device.Equals(stem, StringComparison.OrdinalIgnoreCase)))
            {
                return $"'{name}' is a reserved device name on Windows";
            }

            if (Encoding.UTF8.GetByteCount(name) > 255)
            {
                return "it is longer than 255 bytes";
            }

            safe = name;
            return null;
        }

        /// <summary>The last segment of a URL's path, percent-decoded; null when the path ends with '/'.</summary>
        public static string? FromUrl(Uri uri)
        {
            if (uri is null)
            {
                throw new ArgumentNullException(nameof(uri));
            }

            string path = uri.AbsolutePath;
            string last = path.Substring(path.LastIndexOf('/') + 1);
            return last.Length == 0 ? null : Uri.UnescapeDataString(last);
        }

        private static bool IsControl(char c) => c < ' ' || c == '\u007F' || (c >= '\u0080' && c <= '\u009F') || c == '\u202E' || c == '\u202D';
    }
}
