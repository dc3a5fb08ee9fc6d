#if NET8_0_OR_GREATER
using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Threading;
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
    /// them there until the cursor has passed them.
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
        /// <param name="partSize">The size of the object's parts (not the transfer's).</param>
        /// <param name="written">For each of the object's parts, a task that completes once all its bytes are written.</param>
        /// <param name="check">Takes each part's MD5; the last one completes the check (and may throw VerifyFailedException).</param>
        /// <param name="cursor">Moved past each part once it is hashed.</param>
        /// <param name="lagBytes">LagBytes (tests make it smaller).</param>
        public static async Task RunAsync(
            IObjectReader partial,
            long length,
            long partSize,
            IReadOnlyList<Task> written,
            IDeferredPartCheck check,
            IReadBackCursor cursor,
            CancellationToken cancellationToken,
            long lagBytes = LagBytes)
        {
            int width = Md5Blocks.Width;
            int count = written.Count;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(width * SliceBytes);
            var active = new List<Lane>(width);
            var lanes = new List<Md5Lane>(width);
            var pieces = new List<ArraySegment<byte>>(width);
            try
            {
                int next = 0;
                while (next < count || active.Count > 0)
                {
                    // Take in the parts written meanwhile, in order, while a lane is free.
                    while (active.Count < width && next < count && written[next].IsCompleted)
                    {
                        await written[next].ConfigureAwait(false); // a cancelled signal ends the check
                        long offset = next * partSize;
                        long partLength = Math.Min(partSize, length - offset);
                        Stream stream = await partial.OpenRangeAsync(offset, partLength, cancellationToken).ConfigureAwait(false);
                        active.Add(new Lane(next, partLength, stream));
                        next++;
                    }

                    if (next < count && active.Count < width && Waiting(active) < lagBytes)
                    {
                        await written[next].WaitAsync(cancellationToken).ConfigureAwait(false); // company for the lanes
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
                    for (int i = 0; i < active.Count; i++)
                    {
                        Lane lane = active[i];
                        if (lane.Left == 0)
                        {
                            lane.Stream.Dispose();
                            check.PartMd5(lane.Index, lane.Md5.FinishAndReset());
                        }
                    }

                    active.RemoveAll(lane => lane.Left == 0);
                    cursor.MoveTo(active.Count > 0 ? active[0].Index * partSize : Math.Min(next * partSize, length));
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
            public Lane(int index, long length, Stream stream)
            {
                Index = index;
                Left = length;
                Stream = stream;
            }

            public int Index { get; }

            public Stream Stream { get; }

            public Md5Lane Md5 { get; } = new Md5Lane();

            public long Left { get; set; }
        }
    }
}
#endif
