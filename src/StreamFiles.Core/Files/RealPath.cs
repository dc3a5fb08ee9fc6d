using System;
using System.IO;

namespace StreamFiles.Core.Files
{
    /// <summary>
    /// A path with its symbolic links resolved, as realpath(3) gives it, for the checks that compare a source with
    /// its destination: a destination reached through a link to the source tree (or to the source file) names the
    /// same place under other text. The part of the path that does not exist yet is kept as written. On .NET
    /// Framework, which cannot read links, the full path is returned unchanged.
    /// </summary>
    internal static class RealPath
    {
        /// <summary>Links followed in one path before giving up, as Linux's ELOOP limit.</summary>
        private const int MaxLinks = 40;

        public static string Of(string path)
        {
            string full = Path.GetFullPath(path);
#if NET8_0_OR_GREATER
            try
            {
                int links = 0;
                return Resolve(full, ref links) ?? full;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                return full; // unreadable on the way: the path as written, as before
            }
#else
            return full;
#endif
        }

#if NET8_0_OR_GREATER
        /// <summary>The resolved path, or null after too many links (a loop).</summary>
        private static string? Resolve(string full, ref int links)
        {
            string root = Path.GetPathRoot(full) ?? string.Empty;
            string[] names = full.Substring(root.Length).Split(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries);
            string current = root;
            for (int i = 0; i < names.Length; i++)
            {
                string next = Path.Combine(current, names[i]);
                var entry = new FileInfo(next);
                if (!entry.Exists && !Directory.Exists(next))
                {
                    // Not there (yet): the rest is kept as written.
                    return Path.Combine(current, string.Join(Path.DirectorySeparatorChar.ToString(), names, i, names.Length - i));
                }

                string? target = entry.LinkTarget;
                if (target is null)
                {
                    current = next;
                    continue;
                }

                if (++links > MaxLinks)
                {
                    return null;
                }

                string? resolved = Resolve(Path.GetFullPath(Path.Combine(current, target)), ref links);
                if (resolved is null)
                {
                    return null;
                }

                current = resolved;
            }

            return current;
        }
#endif
    }
}
