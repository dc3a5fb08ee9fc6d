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
            try
            {
#if NET8_0_OR_GREATER
                File.Move(source, destination, overwrite);
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

#if !NET8_0_OR_GREATER
        private const int MoveFileReplaceExisting = 0x1;
        private const int MoveFileWriteThrough = 0x8;

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool MoveFileEx(string existingFileName, string newFileName, int flags);
#endif
    }
}
