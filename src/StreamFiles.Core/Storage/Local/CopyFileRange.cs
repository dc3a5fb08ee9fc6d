using System;
using System.IO;
using System.Runtime.InteropServices;
#if NET8_0_OR_GREATER
using Microsoft.Win32.SafeHandles;
#endif

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// Linux's copy_file_range: the kernel moves the bytes between two files from page cache to page cache, without
    /// a write from user memory (what makes cp fast). Anything it cannot do is reported as false, never as an
    /// error, so the caller falls back to writing; a full disk is the one failure that is reported.
    /// </summary>
    internal static class CopyFileRange
    {
#if NET8_0_OR_GREATER
        private const int EXDEV = 18;
        private const int EINVAL = 22;
        private const int ENOSPC = 28;
        private const int EFBIG = 27;

        private static volatile bool _unavailable;

        public static bool IsAvailable => !_unavailable && OperatingSystem.IsLinux();

        /// <summary>Copies count bytes at offset from one file to the same offset of another; false to fall back.</summary>
        public static unsafe bool TryCopy(SafeFileHandle source, SafeFileHandle destination, long offset, int count)
        {
            if (!IsAvailable)
            {
                return false;
            }

            bool sourceAdded = false;
            bool destinationAdded = false;
            try
            {
                source.DangerousAddRef(ref sourceAdded);
                destination.DangerousAddRef(ref destinationAdded);
                int fdIn = (int)source.DangerousGetHandle();
                int fdOut = (int)destination.DangerousGetHandle();
                long inOffset = offset;
                long outOffset = offset;
                long left = count;
                while (left > 0)
                {
                    long copied = (long)copy_file_range(fdIn, &inOffset, fdOut, &outOffset, (nuint)left, 0);
                    if (copied > 0)
                    {
                        left -= copied;
                        continue;
                    }

                    if (copied == 0)
                    {
                        return false; // the source ended early: the caller writes what it read
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == ENOSPC)
                    {
                        throw new DiskFullException("No space left on device");
                    }

                    if (errno == EFBIG)
                    {
                        throw new IOException("File too large", errno);
                    }

                    if (errno == EXDEV || errno == EINVAL || errno == 38 /* ENOSYS */ || errno == 95 /* EOPNOTSUPP */ || errno == 1 /* EPERM */ || errno == 9 /* EBADF */)
                    {
                        if (errno != EXDEV)
                        {
                            _unavailable = true; // not this kernel or file system; EXDEV only concerns this pair
                        }

                        return false;
                    }

                    if (errno == 4 /* EINTR */)
                    {
                        continue;
                    }

                    throw new IOException($"copy_file_range failed (errno {errno})", errno);
                }

                return true;
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                _unavailable = true;
                return false;
            }
            finally
            {
                if (sourceAdded)
                {
                    source.DangerousRelease();
                }

                if (destinationAdded)
                {
                    destination.DangerousRelease();
                }
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern unsafe nint copy_file_range(int fdIn, long* offIn, int fdOut, long* offOut, nuint length, uint flags);
#endif
    }
}
