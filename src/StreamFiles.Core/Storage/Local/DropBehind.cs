using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
#if NET8_0_OR_GREATER
using Microsoft.Win32.SafeHandles;
#endif

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// Keeps a large file being written from filling the page cache (Linux): after every Interval bytes written it
    /// asks the kernel (posix_fadvise DONTNEED over the whole file) to start writing the dirty pages back and to
    /// drop the pages already on disk. The kernel then recycles a few dozen MiB of cache instead of taking fresh
    /// memory for every page of a multi-GiB download, which is most of the kernel time of writing it (on a VM,
    /// each fresh page can cost the host a page fault as well), and the transfer leaves other programs' cached
    /// files in memory. A hint only: dirty pages are never dropped, errors are ignored.
    /// <para>A reader that follows the writes (the download's read-back hashers) holds what lies ahead of it: the
    /// advice then covers only the bytes before the hindmost hold, so they are read from the cache, not the disk.</para>
    /// </summary>
    internal sealed class DropBehind
    {
        /// <summary>Files from this length on drop what they wrote behind them.</summary>
        public const long From = 64L * 1024 * 1024;

        /// <summary>Bytes written between two calls.</summary>
        public const long Interval = 16L * 1024 * 1024;

#if NET8_0_OR_GREATER
        private const int POSIX_FADV_DONTNEED = 4; // x64 and arm64 (only s390x differs)

        private readonly SafeFileHandle _handle;
        private readonly List<Hold> _holds = new List<Hold>();
        private long _written;
        private int _calls;

        private DropBehind(SafeFileHandle handle) => _handle = handle;

        /// <summary>Calls made so far (for tests).</summary>
        public int Calls => Volatile.Read(ref _calls);

        /// <summary>A drop-behind for a file of this length, or null where it does not apply.</summary>
        public static DropBehind? For(SafeFileHandle handle, long? length) =>
            length >= From && IsSupported ? new DropBehind(handle) : null;

        private static bool IsSupported =>
            OperatingSystem.IsLinux()
            && (RuntimeInformation.ProcessArchitecture == Architecture.X64 || RuntimeInformation.ProcessArchitecture == Architecture.Arm64);

        /// <summary>
        /// Counts bytes written (from any thread); the write that takes the total past a multiple of Interval
        /// advises the kernel (once, however many multiples it passed).
        /// </summary>
        public void Wrote(long count)
        {
            long total = Interlocked.Add(ref _written, count);
            if (total / Interval > (total - count) / Interval)
            {
                Advise();
            }
        }

        /// <summary>The bytes from offset on stay out of the advice until the hold moves past them or is disposed.</summary>
        public Hold HoldFrom(long offset)
        {
            var hold = new Hold(this, offset);
            lock (_holds)
            {
                _holds.Add(hold);
            }

            return hold;
        }

        /// <summary>Where the hindmost hold is (long.MaxValue with none).</summary>
        internal long Horizon
        {
            get
            {
                lock (_holds)
                {
                    long horizon = long.MaxValue;
                    foreach (Hold hold in _holds)
                    {
                        horizon = Math.Min(horizon, hold.Offset);
                    }

                    return horizon;
                }
            }
        }

        /// <summary>Starts the write-back of what is still dirty and drops what is clean (before the hindmost hold); called once more at the end.</summary>
        public void Advise()
        {
            long horizon = Horizon;
            if (horizon <= 0)
            {
                return;
            }

            bool added = false;
            try
            {
                _handle.DangerousAddRef(ref added);
                posix_fadvise((int)_handle.DangerousGetHandle(), 0, horizon == long.MaxValue ? 0 : horizon, POSIX_FADV_DONTNEED);
                Interlocked.Increment(ref _calls);
            }
            catch (ObjectDisposedException)
            {
                // The file was closed meanwhile: nothing left to advise.
            }
            finally
            {
                if (added)
                {
                    _handle.DangerousRelease();
                }
            }
        }

        private void Release(Hold hold)
        {
            lock (_holds)
            {
                _holds.Remove(hold);
            }
        }

        /// <summary>A reader's place in the file: what lies from Offset on is kept out of the advice.</summary>
        public sealed class Hold : Storage.IReadBackCursor
        {
            private readonly DropBehind _owner;
            private long _offset;
            private int _released;

            internal Hold(DropBehind owner, long offset)
            {
                _owner = owner;
                _offset = offset;
            }

            public long Offset => Volatile.Read(ref _offset);

            public void MoveTo(long offset)
            {
                long current;
                while (offset > (current = Volatile.Read(ref _offset)) && Interlocked.CompareExchange(ref _offset, offset, current) != current)
                {
                }
            }

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _released, 1) == 0)
                {
                    _owner.Release(this);
                }
            }
        }

        [DllImport("libc", SetLastError = false)]
        private static extern int posix_fadvise(int fd, long offset, long length, int advice);
#endif
    }
}
