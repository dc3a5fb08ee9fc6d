#if NET8_0_OR_GREATER
using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// Appends bytes to up to sixteen MD5 lanes in one pass: the whole blocks of all lanes go through the sixteen-lane
    /// kernel (eight lanes at a time with AVX2) in lockstep, a lane whose bytes run out first drops out (the rest run on
    /// in rounds as long as the shortest of them), and a lone lane uses the scalar kernel. Partial blocks wait in each
    /// lane's tail.
    /// </summary>
    internal static unsafe class Md5MultiBuffer
    {
        // Idle lanes of the sixteen-lane kernel read this block and throw the result away.
        private static readonly byte[] IdleBlock = GC.AllocateArray<byte>(64, pinned: true);

        /// <summary>
        /// Appends data[i] to lanes[i] for every i; the lanes must be distinct. Returns the lane-blocks hashed in
        /// rounds that had two lanes or more (what batching saved work on).
        /// </summary>
        public static long Append(IReadOnlyList<Md5Lane> lanes, IReadOnlyList<ArraySegment<byte>> data) =>
            Append(lanes, data, Md5Blocks.Width);

        /// <summary>Append with the kernel of <paramref name="width"/> lanes (16, 8, or 1 for scalar only): the tests run each kernel the CPU has.</summary>
        internal static long Append(IReadOnlyList<Md5Lane> lanes, IReadOnlyList<ArraySegment<byte>> data, int width)
        {
            if (width != 1 && width != 8 && width != 16)
            {
                throw new ArgumentOutOfRangeException(nameof(width), width, "16, 8 or 1 lanes.");
            }

            if (lanes.Count != data.Count)
            {
                throw new ArgumentException("Every lane needs its own bytes.", nameof(data));
            }

            long shared = 0;
            int batch = BatchLanes(width);
            for (int start = 0; start < lanes.Count; start += batch)
            {
                shared += AppendBatch(lanes, data, start, Math.Min(batch, lanes.Count - start), width);
            }

            return shared;
        }

        /// <summary>Lanes hashed together by the kernel of <paramref name="width"/> lanes; scalar-only batches take sixteen, each hashed alone.</summary>
        internal static int BatchLanes(int width) => width == 1 ? Md5Blocks.Lanes : width;

        internal static void AppendOne(Md5Lane lane, byte* data, int count)
        {
            var lanes = new[] { lane };
            Hash(lanes, 0, 1, &data, &count, Md5Blocks.Width);
        }

        private static long AppendBatch(IReadOnlyList<Md5Lane> lanes, IReadOnlyList<ArraySegment<byte>> data, int start, int n, int width)
        {
            GCHandle* pins = stackalloc GCHandle[Md5Blocks.Lanes];
            byte** starts = stackalloc byte*[Md5Blocks.Lanes];
            int* counts = stackalloc int[Md5Blocks.Lanes];
            int pinned = 0;
            try
            {
                for (int i = 0; i < n; i++)
                {
                    ArraySegment<byte> segment = data[start + i];
                    counts[i] = segment.Count;
                    starts[i] = null;
                    if (segment.Count > 0)
                    {
                        pins[pinned] = GCHandle.Alloc(segment.Array, GCHandleType.Pinned);
                        starts[i] = (byte*)pins[pinned++].AddrOfPinnedObject() + segment.Offset;
                    }
                }

                return Hash(lanes, start, n, starts, counts, width);
            }
            finally
            {
                for (int i = 0; i < pinned; i++)
                {
                    pins[i].Free();
                }
            }
        }

        private static long Hash(IReadOnlyList<Md5Lane> lanes, int start, int n, byte** data, int* counts, int width)
        {
            const int Lanes = Md5Blocks.Lanes;
            uint* state = stackalloc uint[4 * Lanes];
            byte** rows = stackalloc byte*[Lanes];
            long* strides = stackalloc long[Lanes];
            long* left = stackalloc long[Lanes];
            byte** nextRows = stackalloc byte*[Lanes];
            long* nextLeft = stackalloc long[Lanes];
            byte** rest = stackalloc byte*[Lanes];
            int* restCount = stackalloc int[Lanes];
            byte** wholeStart = stackalloc byte*[Lanes];
            byte* idle = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(IdleBlock));

            for (int i = 0; i < Lanes; i++)
            {
                rows[i] = idle;
                strides[i] = 0;
                left[i] = 0;
                nextLeft[i] = 0;
            }

            // Each lane's work is up to two runs of whole blocks: its tail once the new bytes complete it, then the
            // whole blocks of the new bytes in place. What is left over becomes the new tail after the hashing.
            for (int i = 0; i < n; i++)
            {
                Md5Lane lane = lanes[start + i];
                state[i] = lane.A;
                state[Lanes + i] = lane.B;
                state[(2 * Lanes) + i] = lane.C;
                state[(3 * Lanes) + i] = lane.D;

                byte* p = data[i];
                int count = counts[i];
                int tail = lane.TailCount;
                if (tail > 0)
                {
                    int fill = Math.Min(64 - tail, count);
                    new ReadOnlySpan<byte>(p, fill).CopyTo(lane.Tail.AsSpan(tail));
                    p += fill;
                    count -= fill;
                    lane.Length += fill;
                    if (tail + fill == 64)
                    {
                        rows[i] = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(lane.Tail));
                        left[i] = 1;
                    }
                }

                long whole = count / 64;
                if (whole > 0)
                {
                    if (left[i] == 0)
                    {
                        rows[i] = p;
                        left[i] = whole;
                    }
                    else
                    {
                        nextRows[i] = p;
                        nextLeft[i] = whole;
                    }
                }

                wholeStart[i] = p;
                rest[i] = p + (whole * 64);
                restCount[i] = count - (int)(whole * 64);
            }

            long shared = 0;
            int stored = 0;
            while (true)
            {
                long rounds = long.MaxValue;
                int active = 0;
                for (int i = 0; i < n; i++)
                {
                    if (left[i] == 0 && nextLeft[i] > 0)
                    {
                        rows[i] = nextRows[i];
                        left[i] = nextLeft[i];
                        nextLeft[i] = 0;
                    }

                    if (left[i] > 0)
                    {
                        active |= 1 << i;
                        rounds = Math.Min(rounds, left[i]);
                        strides[i] = 64;
                    }
                    else
                    {
                        if ((stored & (1 << i)) == 0)
                        {
                            // Done: keep its state before idle rounds overwrite the slot.
                            Store(lanes[start + i], state, i);
                            stored |= 1 << i;
                        }

                        rows[i] = idle;
                        strides[i] = 0;
                    }
                }

                if (active == 0)
                {
                    break;
                }

                int busy = BitOperations.PopCount((uint)active);
                // The eight-lane kernel's round costs about as much as 2.5 scalar blocks (measured on an AMD EPYC: 2 lanes
                // 556 MiB/s against 646 scalar, 3 lanes above it, 8 lanes 2,221), so it takes three lanes or more.
                if (busy == 1 || width == 1 || (width == 8 && busy < 3))
                {
                    for (int i = 0; i < n; i++)
                    {
                        if (left[i] > 0)
                        {
                            Md5Blocks.CompressOne(state, i, rows[i], rounds);
                            rows[i] += rounds * 64;
                        }
                    }
                }
                else
                {
                    if (width == 16)
                    {
                        Md5Blocks.Compress16(state, rows, strides, rounds);
                    }
                    else
                    {
                        // n <= 8: Append hands this kernel eight lanes at most.
                        Md5Blocks.Compress8(state, rows, strides, rounds);
                    }

                    shared += rounds * busy;
                }

                for (int i = 0; i < n; i++)
                {
                    if (left[i] > 0)
                    {
                        left[i] -= rounds;
                    }
                }
            }

            for (int i = 0; i < n; i++)
            {
                Md5Lane lane = lanes[start + i];
                if ((stored & (1 << i)) == 0)
                {
                    Store(lane, state, i);
                }

                // The whole blocks are in the state; the bytes after them start the new tail (the old one is spent).
                lane.Length += rest[i] - wholeStart[i];
                new ReadOnlySpan<byte>(rest[i], restCount[i]).CopyTo(lane.Tail.AsSpan(lane.TailCount));
                lane.Length += restCount[i];
            }

            return shared;
        }

        private static void Store(Md5Lane lane, uint* state, int i)
        {
            lane.A = state[i];
            lane.B = state[Md5Blocks.Lanes + i];
            lane.C = state[(2 * Md5Blocks.Lanes) + i];
            lane.D = state[(3 * Md5Blocks.Lanes) + i];
        }
    }
}
#endif
