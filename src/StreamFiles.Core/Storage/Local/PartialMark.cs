using System;
using System.IO;
using System.Runtime.InteropServices;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// Tells StreamFiles' own .partial files from other files of that name. On Linux each .partial gets an extended
    /// attribute, user.streamfiles, when it is created, and loses it before it takes its final name. A .partial
    /// found where attributes can be read but without the mark belongs to someone else: a user's file, or a copy
    /// StreamFiles delivered under that name (a probe: `send x.partial d/` then `send x d/` deleted the first copy,
    /// with exit 0). Where marks are not kept (Windows, macOS, a file system without user attributes) every
    /// .partial is taken for a leftover, as before there were marks.
    /// </summary>
    internal static class PartialMark
    {
        public enum State
        {
            /// <summary>No file of that name.</summary>
            Absent,

            /// <summary>A .partial a StreamFiles run made.</summary>
            Marked,

            /// <summary>A file without the mark, on a file system that keeps marks: not StreamFiles' leftover.</summary>
            Unmarked,

            /// <summary>Marks cannot be read here: taken for a leftover.</summary>
            Unknown,
        }

#if NET8_0_OR_GREATER
        private const int ENOENT = 2;
        private const int ENOTDIR = 20;
        private const int ERANGE = 34;
        private const int ENODATA = 61;
        private const string Name = "user.streamfiles";
        private static readonly byte[] Value = { (byte)'p', (byte)'a', (byte)'r', (byte)'t', (byte)'i', (byte)'a', (byte)'l' };

        /// <summary>Marks a .partial this run has just created. Best effort: where it fails, the file is still taken for a leftover by later runs.</summary>
        public static void Set(string path)
        {
            if (OperatingSystem.IsLinux())
            {
                setxattr(path, Name, Value, (nuint)Value.Length, 0);
            }
        }

        /// <summary>Removes the mark before the .partial takes its final name, so the copy carries no attribute of StreamFiles.</summary>
        public static void Clear(string path)
        {
            if (OperatingSystem.IsLinux())
            {
                removexattr(path, Name);
            }
        }

        public static State Of(string path)
        {
            if (!OperatingSystem.IsLinux())
            {
                return File.Exists(path) ? State.Unknown : State.Absent;
            }

            // The name itself, not what a link there points to: a link has no user attribute, so it is not a leftover.
            if (lgetxattr(path, Name, null, 0) >= 0)
            {
                return State.Marked;
            }

            int errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                ENOENT or ENOTDIR => State.Absent,
                ENODATA => State.Unmarked,
                ERANGE => State.Marked,
                _ => State.Unknown, // ENOTSUP (no user attributes here), EACCES, ...
            };
        }

        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
        private static extern int setxattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);

        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
        private static extern nint lgetxattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[]? value, nuint size);

        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
        private static extern int removexattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);
#else
        public static void Set(string path)
        {
        }

        public static void Clear(string path)
        {
        }

        public static State Of(string path) => File.Exists(path) ? State.Unknown : State.Absent;
#endif
    }
}
