#if NET8_0_OR_GREATER
using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Transfers
{
    /// <summary>
    /// The MD5 of each part of an object being downloaded, read back from the partial file once the part is written,
    /// with parts side by side in the lanes of the multi-lane kernel (Md5Blocks.Width). It lets the parts pile up
    /// until the lanes are full (or LagBytes wait, or nothing more is coming) before it hashes them: at sixteen lanes
    /// the MD5s of a GiB cost about 0.2 s of CPU, where hashed as the ranges stream through they filled four lanes on
    /// average and cost a second. The parts are read from the page cache as a rule: the file's drop-behind keeps
    /// them there until they are hashed and released. Parts are taken in the order they are finished: the ranges of a
    /// download are written side by side, so in file order the hasher would hold back the parts of every later range.
    /// </summary>
    internal static class ReadBackPartsMd5
    {
        /// <summary>Bytes read from each lane's part per round (Width of them make the one buffer, 1 MiB at sixteen lanes).</summary>
        internal const int SliceBytes = 64 * 1024;

        /// <summary>Written parts waiting to be hashed are hashed with fewer lanes than Width once they add up to this.</summary>
        internal const long LagBytes = 128L * 1024 * 1024;

        /// <summary>Whether this pays here: with the scalar kernel, one lane at a time is all there is.</summary>
        public static bool Suits => Md5Blocks.IsVectorized;

        /// <param name="partial">The partial file, read back.</param>
        /// <param name="length">The object's length.</param>
        /// <param name="written">The object's parts as they are written whole (in any order).</param>
        /// <param name="check">Takes each part's MD5; the last one completes the check (and may throw VerifyFailedException).</param>
        /// <param name="cursor">Each part is released once it is hashed.</param>
        /// <param name="lagBytes">LagBytes (tests make it smaller).</param>
        public static async Task RunAsync(
            IObjectReader partial,
            long length,
            WrittenParts written,
            IDeferredPartCheck check,
            IReadBackCursor cursor,
            CancellationToken cancellationToken,
            long lagBytes = LagBytes)
        {
            int width = Md5Blocks.Width;
            int count = written.Count;
            long partSize = written.PartSize;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(width * SliceBytes);
            var active = new List<Lane>(width);
            var lanes = new List<Md5Lane>(width);
            var pieces = new List<ArraySegment<byte>>(width);
            try
            {
                int taken = 0;
                while (taken < count || active.Count > 0)
                {
                    // Take in the parts written meanwhile, whichever they are, while a lane is free.
                    while (active.Count < width && written.Ready.TryRead(out int index))
                    {
                        long offset = index * partSize;
                        long partLength = Math.Min(partSize, length - offset);
                        Stream stream = await partial.OpenRangeAsync(offset, partLength, cancellationToken).ConfigureAwait(false);
                        active.Add(new Lane(index, offset, partLength, stream));
                        taken++;
                    }

                    if (taken < count && active.Count < width && Waiting(active) < lagBytes)
                    {
                        // Company for the lanes: the next part written.
                        if (!await written.Ready.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            throw new InvalidOperationException("The download ended before every part was written.");
                        }

                        continue;
                    }

                    lanes.Clear();
                    pieces.Clear();
                    for (int i = 0; i < active.Count; i++)
                    {
                        Lane lane = active[i];
                        int want = (int)Math.Min(SliceBytes, lane.Left);
                        int got = await ReadFullAsync(lane.Stream, buffer, i * SliceBytes, want, cancellationToken).ConfigureAwait(false);
                        if (got < want)
                        {
                            throw new IOException($"The partial file ended within part {lane.Index + 1} while its MD5 was being checked.");
                        }

                        lane.Left -= got;
                        lanes.Add(lane.Md5);
                        pieces.Add(new ArraySegment<byte>(buffer, i * SliceBytes, got));
                    }

                    Md5MultiBuffer.Append(lanes, pieces);
                    foreach (Lane lane in active)
                    {
                        if (lane.Left == 0)
                        {
                            lane.Stream.Dispose();
                            check.PartMd5(lane.Index, lane.Md5.FinishAndReset());
                            cursor.Release(lane.Offset, lane.Length);
                        }
                    }

                    active.RemoveAll(lane => lane.Left == 0);
                }
            }
            finally
            {
                foreach (Lane lane in active)
                {
                    lane.Stream.Dispose();
                }

                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private static long Waiting(List<Lane> active)
        {
            long total = 0;
            foreach (Lane lane in active)
            {
                total += lane.Left;
            }

            return total;
        }

        private static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            int total = 0;
            while (total < count)
            {
                int read = await stream.ReadAsync(buffer.AsMemory(offset + total, count - total), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }

        private sealed class Lane
        {
            public Lane(int index, long offset, long length, Stream stream)
            {
                Index = index;
                Offset = offset;
                Length = length;
                Left = length;
                Stream = stream;
            }

            public int Index { get; }

            public long Offset { get; }

            public long Length { get; }

            public Stream Stream { get; }

            public Md5Lane Md5 { get; } = new Md5Lane();

            public long Left { get; set; }
        }
    }

    /// <summary>
    /// Which of an object's parts are written whole: the writes of the transfer's parts (whose layout need not be the
    /// object's) count down each part's bytes, and a part whose count reaches zero is handed to the reader of Ready.
    /// </summary>
    internal sealed class WrittenParts
    {
        private readonly long[] _left;
        private readonly long _length;
        private readonly Channel<int> _ready = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });

        public WrittenParts(long length, long partSize)
        {
            _length = length;
            PartSize = partSize;
            _left = new long[(int)((length + partSize - 1) / partSize)];
            for (int i = 0; i < _left.Length; i++)
            {
                _left[i] = Math.Min(partSize, length - (i * partSize));
            }
        }

        public long PartSize { get; }

        public int Count => _left.Length;

        /// <summary>The parts written whole, each once, in the order they were finished.</summary>
        public ChannelReader<int> Ready => _ready.Reader;

        /// <summary>Counts bytes written at an offset (from any thread; each byte once).</summary>
        public void Wrote(long offset, long count)
        {
            long end = Math.Min(offset + count, _length);
            for (long at = offset; at < end;)
            {
                int index = (int)(at / PartSize);
                long partEnd = Math.Min((index + 1) * PartSize, _length);
                long take = Math.Min(end, partEnd) - at;
                if (Interlocked.Add(ref _left[index], -take) == 0)
                {
                    _ready.Writer.TryWrite(index);
                }

                at += take;
            }
        }
    }
}
#endif
