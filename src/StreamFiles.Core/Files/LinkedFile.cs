using System.IO;

namespace StreamFiles.Core.Files
{
    /// <summary>
    /// The file a path names when that path may be a symbolic link. A link's own FileInfo has the link's size (the
    /// length of the target's path on Linux, 0 on Windows) and time; a copy sized by it read that many bytes of the
    /// target and reported the short copy as completed and verified.
    /// </summary>
    internal static class LinkedFile
    {
        /// <summary>Whether the path itself is a symbolic link (dangling, looping or not); false where it cannot tell.</summary>
        public static bool IsLink(string path)
        {
#if NET8_0_OR_GREATER
            try
            {
                return new FileInfo(path).LinkTarget != null;
            }
            catch (System.Exception e) when (e is IOException || e is System.UnauthorizedAccessException || e is System.ArgumentException)
            {
                return false;
            }
#else
            return false;
#endif
        }

        /// <summary>
        /// The file itself, through any chain of links: null when a link is dangling, is part of a loop, or ends at a
        /// directory. A path that is no link comes back as it is.
        /// </summary>
        public static FileInfo? Target(FileInfo file)
        {
            if (!file.Exists || (file.Attributes & FileAttributes.ReparsePoint) == 0)
            {
                return file;
            }

#if NET8_0_OR_GREATER
            if (file.LinkTarget is null)
            {
                return file; // another kind of reparse point (a deduplicated or cloud file): its own size is the data's
            }

            try
            {
                if (file.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target && target.Exists)
                {
                    return target;
                }
            }
            catch (IOException)
            {
                // dangling (FileNotFoundException) or a loop of links (ELOOP)
            }

            // The kernel's own links to what has no path, /dev/stdin or /dev/fd/63 to "pipe:[4711]", read as dangling;
            // the kernel still opens them. Such a pipe is the link itself, which the open then refuses as a FIFO (a
            // probe: `cat f | streamfiles send /dev/stdin x` said "Cannot find the source").
            return SpecialFile.KindOf(file.FullName) != null ? file : null;
#else
            // .NET Framework reads a link's own attributes and cannot resolve it: the size comes from the open file
            // below (Length), and the time stays the link's.
            return file;
#endif
        }

        /// <summary>The length of the file's data, following links (on .NET Framework by opening the file).</summary>
        public static long Length(FileInfo file)
        {
#if NET8_0_OR_GREATER
            return file.Length;
#else
            if ((file.Attributes & FileAttributes.ReparsePoint) == 0)
            {
                return file.Length;
            }

            try
            {
                using (var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1))
                {
                    return stream.Length;
                }
            }
            catch (System.Exception e) when (e is IOException || e is System.UnauthorizedAccessException)
            {
                return file.Length; // the read will report what is wrong
            }
#endif
        }
    }
}
