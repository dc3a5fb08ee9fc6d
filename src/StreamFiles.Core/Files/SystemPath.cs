using System;
using System.IO;

namespace StreamFiles.Core.Files
{
    /// <summary>
    /// Outputs that are not files to replace. StreamFiles writes "&lt;name&gt;.partial" and renames it over the name when
    /// complete; over /dev/null, /dev/stdout or a terminal that would replace the device node itself with a regular
    /// file (as root, for every program on the machine), so such outputs are refused with a message that says why.
    /// </summary>
    public static class SystemPath
    {
        /// <summary>Why a path cannot be an output written by rename; null for an ordinary path.</summary>
        public static string? Refusal(string path)
        {
            if (string.IsNullOrEmpty(path) || Locations.Location.IsWindows)
            {
                return null;
            }

            string full;
            try
            {
                full = Path.GetFullPath(path);
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException)
            {
                return null; // the writer reports a bad path itself
            }

            if (IsSystemTree(full))
            {
                return Describe(path);
            }

#if NET8_0_OR_GREATER
            try
            {
                // A link elsewhere that leads into /dev or /proc (ln -s /dev/null out.bin).
                if (File.ResolveLinkTarget(full, returnFinalTarget: true) is FileSystemInfo target && IsSystemTree(target.FullName))
                {
                    return Describe(path);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // A broken or unreadable link: the writer finds out.
            }
#endif
            return null;
        }

        /// <summary>Throws the IOException a writer reports (WriteError) when the path is one Refusal names.</summary>
        public static void ThrowIfSystemPath(string path)
        {
            if (Refusal(path) is string why)
            {
                throw new IOException(why);
            }
        }

        private static string Describe(string path) =>
            $"'{path}' is a device or system file (under /dev, /proc or /sys), not a regular file: StreamFiles writes '<name>.partial' and renames it over the name when complete, which would replace it. Write to a regular file instead.";

        // /dev/shm is a tmpfs for ordinary files.
        private static bool IsSystemTree(string full) =>
            (full.StartsWith("/dev/", StringComparison.Ordinal) && !full.StartsWith("/dev/shm/", StringComparison.Ordinal))
            || full.StartsWith("/proc/", StringComparison.Ordinal)
            || full.StartsWith("/sys/", StringComparison.Ordinal);
    }
}
