using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>Renames a finished file into place in one step, replacing the target only when asked.</summary>
    internal static class FileReplace
    {
        /// <summary>Moves source to destination atomically (same volume); DestinationExistsException when taken and !overwrite.</summary>
        public static void Move(string source, string destination, bool overwrite)
        {
            lock (DirectoryLocks.For(destination))
            {
                MoveUnlocked(source, destination, overwrite);
            }
        }

        private static void MoveUnlocked(string source, string destination, bool overwrite)
        {
            try
            {
#if NET8_0_OR_GREATER
                // .NET checks for the target and then renames: a file created in between would be replaced. On
                // Linux renameat2(RENAME_NOREPLACE) makes "never overwrite without -Force" atomic.
                if (overwrite || !TryRenameNoReplace(source, destination))
                {
                    File.Move(source, destination, overwrite);
                }
#else
                if (!overwrite)
                {
                    File.Move(source, destination);
                }
                else if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    // MoveFileEx with REPLACE_EXISTING is a single rename on the same volume: readers see the
                    // old file or the new one, never neither (Delete + Move would leave a gap).
                    if (!MoveFileEx(source, destination, MoveFileReplaceExisting | MoveFileWriteThrough))
                    {
                        int code = Marshal.GetLastWin32Error();
                        throw new IOException($"Cannot rename '{source}' to '{destination}': {new Win32Exception(code).Message}", unchecked((int)0x80070000) | code);
                    }
                }
                else
                {
                    File.Delete(destination);
                    File.Move(source, destination);
                }
#endif
            }
            catch (IOException e) when (!overwrite && !(e is FileNotFoundException) && !(e is DirectoryNotFoundException) && (File.Exists(destination) || Directory.Exists(destination)))
            {
                throw new DestinationExistsException(destination, e);
            }
        }

#if NET8_0_OR_GREATER
        private static volatile bool _noRenameat2;

        /// <summary>True when renamed; false when renameat2 cannot be used here (the caller falls back); throws when the target exists.</summary>
        private static bool TryRenameNoReplace(string source, string destination)
        {
            if (_noRenameat2 || !OperatingSystem.IsLinux())
            {
                return false;
            }

            try
            {
                if (renameat2(AtFdCwd, source, AtFdCwd, destination, RenameNoReplace) == 0)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                _noRenameat2 = true;
                return false;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == 17 /* EEXIST */)
            {
                throw new DestinationExistsException(destination);
            }

            if (errno == 22 /* EINVAL: no RENAME_NOREPLACE on this file system */ || errno == 38 /* ENOSYS */)
            {
                return false;
            }

            return false; // anything else: let File.Move raise the usual exception
        }

        private const int AtFdCwd = -100;
        private const uint RenameNoReplace = 1;

        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
        private static extern int renameat2(int oldDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, int newDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath, uint flags);
#endif

#if !NET8_0_OR_GREATER
        private const int MoveFileReplaceExisting = 0x1;
        private const int MoveFileWriteThrough = 0x8;

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool MoveFileEx(string existingFileName, string newFileName, int flags);
#endif
    }
}
