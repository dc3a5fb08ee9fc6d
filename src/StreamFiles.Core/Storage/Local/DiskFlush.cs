using System;
using System.IO;
using System.Runtime.InteropServices;
#if NET8_0_OR_GREATER
using Microsoft.Win32.SafeHandles;
#endif

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// fdatasync (Linux), fsync (other Unix) or FlushFileBuffers (Windows) on an open handle: .NET 8 has no
    /// RandomAccess call for it, and a FileStream over the handle would close the handle when disposed.
    /// </summary>
    internal static class DiskFlush
    {
#if NET8_0_OR_GREATER
        private const int EINTR = 4;

        public static void Flush(SafeFileHandle handle)
        {
            bool added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                if (OperatingSystem.IsWindows())
                {
                    if (!FlushFileBuffers(handle.DangerousGetHandle()))
                    {
                        throw new IOException("Flushing the file to disk failed.", Marshal.GetHRForLastWin32Error());
                    }

                    return;
                }

                int fd = (int)handle.DangerousGetHandle();
                while (true)
                {
                    int result = OperatingSystem.IsLinux() ? fdatasync(fd) : fsync(fd);
                    if (result == 0)
                    {
                        return;
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (errno != EINTR)
                    {
                        throw new IOException($"Flushing the file to disk failed (errno {errno}).", errno);
                    }
                }
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int fdatasync(int fd);

        [DllImport("libc", SetLastError = true)]
        private static extern int fsync(int fd);

        [DllImport("kernel32", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool FlushFileBuffers(IntPtr handle);
#endif
    }
}
