using System;
using System.IO;
using System.Runtime.InteropServices;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Files
{
    /// <summary>
    /// FIFOs, sockets and devices: paths that are neither files nor directories. Opening a FIFO for reading waits for
    /// a writer, in the kernel, where no cancellation reaches it (a tree with one in it hung, deaf to the first Ctrl+C);
    /// a device has no size to plan parts by (/dev/zero was copied as an empty file). They are refused as sources and
    /// passed over in trees. On Windows and .NET Framework there are none to find, and nothing is asked.
    /// </summary>
    public static class SpecialFile
    {
        /// <summary>The kind of a special file ("a FIFO (named pipe)", "a device", "a socket"), following links; null for files, directories, and what cannot be asked.</summary>
        public static string? KindOf(string path)
        {
#if NET8_0_OR_GREATER
            if (OperatingSystem.IsWindows())
            {
                return null;
            }

            try
            {
                // .NET's own stat (System.Native), whose FileStatus keeps st_mode as the second field on every Unix.
                if (Stat(path, out FileStatus status) != 0)
                {
                    return null; // missing or unreadable: the open that follows says which
                }

                return (status.Mode & 0xF000) switch
                {
                    0x1000 => "a FIFO (named pipe)",
                    0x2000 => "a character device",
                    0x6000 => "a block device",
                    0xC000 => Socket,
                    _ => null,
                };
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                return null; // a runtime without it (a trimmed native build that linked it under another name)
            }
#else
            return null;
#endif
        }

        /// <summary>What KindOf says of a socket, which cannot be opened as a file at all.</summary>
        public const string Socket = "a socket";

        /// <summary>
        /// Refuses a special file before it is opened: as a source to read (see the class summary), or, with
        /// <paramref name="writing"/>, as where to write, since the temporary file given its name when complete would
        /// replace the FIFO or the device itself.
        /// </summary>
        public static void ThrowIfSpecial(string path, bool writing = false, string? pipeTo = null)
        {
            if (KindOf(path) is string kind)
            {
                throw new CommandFailureException(Refusal(path, kind, writing, pipeTo));
            }
        }

        /// <summary>
        /// The error for a special file. <paramref name="pipeTo"/> names the CLI command that reads a FIFO from standard
        /// input, for the hint (for example "streamfiles hash"), beside copying it to a file. A device gets no hint: what
        /// it yields may never end (a probe: /dev/zero was advised `cat '/dev/zero' | streamfiles hash`), and the
        /// cmdlets that reach this are not the CLI.
        /// </summary>
        public static CommandError Refusal(string path, string kind, bool writing = false, string? pipeTo = null) => new CommandError(
            "NotARegularFile",
            FailureCategory.InvalidArgument,
            path,
            writing
                ? $"'{path}' is {kind}, not a regular file: StreamFiles writes a file under the name given and would replace it. Name a regular file instead."
                : $"'{path}' is {kind}, not a regular file: StreamFiles reads files, whose size it knows."
                    + (kind.EndsWith("device", StringComparison.Ordinal)
                        ? string.Empty
                        : " Copy what it holds into a regular file first" + (pipeTo is null ? "." : $", or pipe it to the streamfiles command (for example: cat '{path.Replace("'", "'\\''")}' | {pipeTo}).")));

        /// <summary>
        /// Whether <paramref name="path"/>, or the nearest of its ancestors that exists, is <paramref name="directory"/>
        /// or lies below it by device and inode: what a path comparison misses where one directory has two names (a bind
        /// mount; a probe's `send -r src view/copy` with view bound to src nested copies until the path was too long).
        /// False where it cannot tell (Windows, a failed stat).
        /// </summary>
        public static bool IsAtOrBelowByIdentity(string directory, string path)
        {
#if NET8_0_OR_GREATER
            if (OperatingSystem.IsWindows() || Stat(directory, out FileStatus root) != 0)
            {
                return false;
            }

            for (string? at = Path.GetFullPath(path); !string.IsNullOrEmpty(at); at = Path.GetDirectoryName(at))
            {
                if (Stat(at, out FileStatus status) != 0)
                {
                    continue; // not made yet: its parent decides
                }

                if (status.Dev == root.Dev && status.Ino == root.Ino)
                {
                    return true;
                }
            }
#endif
            return false;
        }

        /// <summary>Whether this user may write an existing file (access(2), W_OK): false for a write-protected one, unless root.</summary>
        public static bool MayWrite(string path)
        {
#if NET8_0_OR_GREATER
            if (OperatingSystem.IsWindows())
            {
                return true;
            }

            try
            {
                return Access(path, 2) == 0 || Marshal.GetLastPInvokeError() == 2; // W_OK; ENOENT: nothing to protect
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                return true;
            }
#else
            return true;
#endif
        }

        /// <summary>
        /// Root only (no one else may give a file away): gives <paramref name="to"/> the owner and group of
        /// <paramref name="from"/>. Best effort; nothing happens where it cannot be done.
        /// </summary>
        public static void GiveOwnerOf(string from, string to)
        {
#if NET8_0_OR_GREATER
            try
            {
                if (OperatingSystem.IsWindows() || GetEUid() != 0 || Stat(from, out FileStatus owner) != 0 || Stat(to, out FileStatus now) != 0)
                {
                    return;
                }

                if (owner.Uid != now.Uid || owner.Gid != now.Gid)
                {
                    _ = LChown(to, owner.Uid, owner.Gid);
                }
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                // As documented: best effort.
            }
#endif
        }

#if NET8_0_OR_GREATER
        [DllImport("libSystem.Native", EntryPoint = "SystemNative_Access", SetLastError = true)]
        private static extern int Access([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_GetEUid")]
        private static extern uint GetEUid();

        [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
        private static extern int LChown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
        private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus output);

        /// <summary>System.Native's FileStatus (pal_io.h), with room to spare at the end.</summary>
        [StructLayout(LayoutKind.Sequential)]
        private struct FileStatus
        {
            public int Flags;
            public int Mode;
            public uint Uid;
            public uint Gid;
            public long Size;
            public long ATime, ATimeNsec, MTime, MTimeNsec, CTime, CTimeNsec, BirthTime, BirthTimeNsec, Dev, RDev, Ino;
            public uint UserFlags;
            public long Spare1, Spare2, Spare3, Spare4, Spare5, Spare6, Spare7, Spare8;
        }
#endif
    }
}
