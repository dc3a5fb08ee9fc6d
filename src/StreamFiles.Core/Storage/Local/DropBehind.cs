using System;
using System.Collections.Generic;
using System.Linq;
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
    /// <para>A reader that follows the writes (the download's read-back hashers) holds what it has not read yet: the
    /// advice then leaves those bytes alone, so they are read from the cache, not the disk.</para>
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

        /// <summary>
        /// A reader that follows the writes: what it has not released stays out of the advice (with a window, only
        /// what lies less than that many bytes past its first byte not yet released), until the hold is disposed.
        /// </summary>
        public Hold HoldFor(long? window = null)
        {
            var hold = new Hold(this, window);
            lock (_holds)
            {
                _holds.Add(hold);
            }

            return hold;
        }

        /// <summary>The byte ranges the advice covers now: all but what the holds keep (an End of long.MaxValue: to the end of the file).</summary>
        internal List<(long Start, long End)> Advised()
        {
            var kept = new List<(long Start, long End)>();
            lock (_holds)
            {
                foreach (Hold hold in _holds)
                {
                    kept.AddRange(hold.Kept());
                }
            }

            return Intervals.Complement(Intervals.Coalesce(kept));
        }

        /// <summary>Starts the write-back of what is still dirty and drops what is clean (before the hindmost hold); called once more at the end.</summary>
        public void Advise()
        {
            List<(long Start, long End)> ranges = Advised();
            if (ranges.Count == 0)
            {
                return;
            }

            bool added = false;
            try
            {
                _handle.DangerousAddRef(ref added);
                foreach ((long start, long end) in ranges)
                {
                    posix_fadvise((int)_handle.DangerousGetHandle(), start, end == long.MaxValue ? 0 : end - start, POSIX_FADV_DONTNEED);
                }

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

        /// <summary>What a reader that follows the writes has done with: the rest is kept out of the advice.</summary>
        public sealed class Hold : Storage.IReadBackCursor
        {
            private readonly DropBehind _owner;
            private readonly long? _window;
            private List<(long Start, long End)> _released = new List<(long Start, long End)>();
            private int _disposed;

            internal Hold(DropBehind owner, long? window)
            {
                _owner = owner;
                _window = window;
            }

            public void Release(long offset, long length)
            {
                if (length <= 0)
                {
                    return;
                }

                lock (_owner._holds)
                {
                    _released = Intervals.Coalesce(new List<(long Start, long End)>(_released) { (offset, offset + length) });
                }
            }

            /// <summary>The ranges this hold keeps (under the owner's lock): all it has not released, within the window.</summary>
            internal List<(long Start, long End)> Kept()
            {
                List<(long Start, long End)> kept = Intervals.Complement(_released);
                if (_window is long window && kept.Count > 0)
                {
                    long from = kept[0].Start;
                    long to = from > long.MaxValue - window ? long.MaxValue : from + window;
                    kept = kept.Where(r => r.Start < to).Select(r => (r.Start, Math.Min(r.End, to))).ToList();
                }

                return kept;
            }

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    _owner.Release(this);
                }
            }
        }

        /// <summary>Half-open byte ranges, sorted and merged.</summary>
        private static class Intervals
        {
            public static List<(long Start, long End)> Coalesce(List<(long Start, long End)> ranges)
            {
                var merged = new List<(long Start, long End)>(ranges.Count);
                foreach ((long start, long end) in ranges.Where(r => r.End > r.Start).OrderBy(r => r.Start))
                {
                    if (merged.Count > 0 && start <= merged[merged.Count - 1].End)
                    {
                        merged[merged.Count - 1] = (merged[merged.Count - 1].Start, Math.Max(merged[merged.Count - 1].End, end));
                    }
                    else
                    {
                        merged.Add((start, end));
                    }
                }

                return merged;
            }

            /// <summary>The gaps between sorted, merged ranges, from 0 to long.MaxValue.</summary>
            public static List<(long Start, long End)> Complement(List<(long Start, long End)> ranges)
            {
                var gaps = new List<(long Start, long End)>(ranges.Count + 1);
                long at = 0;
                foreach ((long start, long end) in ranges)
                {
                    if (start > at)
                    {
                        gaps.Add((at, start));
                    }

                    at = Math.Max(at, end);
                }

                if (at < long.MaxValue)
                {
                    gaps.Add((at, long.MaxValue));
                }

                return gaps;
            }
        }

        [DllImport("libc", SetLastError = false)]
        private static extern int posix_fadvise(int fd, long offset, long length, int advice);
#endif
    }
}
