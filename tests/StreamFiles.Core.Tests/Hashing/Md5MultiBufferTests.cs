using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using StreamFiles.Core.Hashing;

namespace StreamFiles.Core.Tests.Hashing
{
    /// <summary>
    /// The multi-buffer MD5 against .NET's MD5 (the independent side): every length around the block and padding
    /// edges, long random messages, sixteen lanes of different lengths fed in uneven pieces, and lanes reused. The
    /// multi-lane tests run each kernel this CPU has: sixteen lanes (AVX-512), eight (AVX2) and scalar.
    /// </summary>
    public sealed class Md5MultiBufferTests
    {
        private static readonly int[] PieceSizes = { 1, 63, 64, 65, 127, 4095, 4096, 16384, 65537 };

        /// <summary>Kernel widths this CPU runs: 16 with AVX-512, 8 with AVX2, and 1 (scalar) everywhere.</summary>
        public static IEnumerable<object[]> Widths() =>
            new[] { 16, 8, 1 }.Where(w => w == 1 || (w == 8 && Avx2.IsSupported) || (w == 16 && Avx512F.IsSupported)).Select(w => new object[] { w });

        public static IEnumerable<object[]> LaneCountsAndWidths() =>
            from count in new[] { 1, 2, 3, 7, 8, 9, 15, 16, 21 } // 9 and 21: more lanes than a kernel has, so two batches
            from width in Widths()
            select new object[] { count, width[0] };

        [Fact]
        public void EveryLengthUpTo200MatchesMd5()
        {
            byte[] data = Random(200, seed: 1);
            var lane = new Md5Lane();
            for (int length = 0; length <= 200; length++)
            {
                lane.Append(data, 0, length);
                Assert.Equal(Hex(MD5.HashData(data.AsSpan(0, length))), Hex(lane.FinishAndReset()));
            }
        }

        [Theory]
        [MemberData(nameof(Widths))]
        public void EveryLengthUpTo200MatchesMd5InSixteenLanesAtOnce(int width)
        {
            // Lane i holds length + i bytes: the lanes end in different blocks and pad in different ways.
            byte[] data = Random(240, seed: 2);
            var lanes = Enumerable.Range(0, 16).Select(_ => new Md5Lane()).ToArray();
            for (int length = 0; length <= 200; length++)
            {
                Md5MultiBuffer.Append(lanes, lanes.Select((_, i) => new ArraySegment<byte>(data, i, length + i)).ToArray(), width);
                for (int i = 0; i < lanes.Length; i++)
                {
                    Assert.Equal(Hex(MD5.HashData(data.AsSpan(i, length + i))), Hex(lanes[i].FinishAndReset()));
                }
            }
        }

        [Theory]
        [InlineData(3)]
        [InlineData(4)]
        [InlineData(5)]
        public void LongRandomMessagesMatchMd5(int seed)
        {
            var random = new Random(seed);
            byte[] data = Random(random.Next(1, 4 * 1024 * 1024), seed);
            var lane = new Md5Lane();
            lane.Append(data, 0, data.Length);
            Assert.Equal(Hex(MD5.HashData(data)), Hex(lane.FinishAndReset()));
        }

        [Theory]
        [MemberData(nameof(LaneCountsAndWidths))]
        public void LanesOfDifferentLengthsFedInUnevenPiecesMatchMd5(int laneCount, int width)
        {
            var random = new Random(100 + laneCount);
            byte[][] messages = Enumerable.Range(0, laneCount).Select(i => Random(random.Next(0, 600_000), seed: (laneCount * 100) + i)).ToArray();
            var lanes = Enumerable.Range(0, laneCount).Select(_ => new Md5Lane()).ToArray();
            var positions = new int[laneCount];

            // Each round, every lane with bytes left takes a piece of a size from the edge cases, or a random one.
            while (true)
            {
                var batchLanes = new List<Md5Lane>();
                var pieces = new List<ArraySegment<byte>>();
                for (int i = 0; i < laneCount; i++)
                {
                    int left = messages[i].Length - positions[i];
                    if (left == 0)
                    {
                        continue;
                    }

                    int size = random.Next(3) == 0 ? random.Next(1, 100_000) : PieceSizes[random.Next(PieceSizes.Length)];
                    size = Math.Min(size, left);
                    batchLanes.Add(lanes[i]);
                    pieces.Add(new ArraySegment<byte>(messages[i], positions[i], size));
                    positions[i] += size;
                }

                if (batchLanes.Count == 0)
                {
                    break;
                }

                Md5MultiBuffer.Append(batchLanes, pieces, width);
            }

            for (int i = 0; i < laneCount; i++)
            {
                Assert.Equal(messages[i].Length, lanes[i].Length);
                Assert.Equal(Hex(MD5.HashData(messages[i])), Hex(lanes[i].FinishAndReset()));
                Assert.Equal(0, lanes[i].Length);
            }
        }

        [Fact]
        public void ALaneIsReusableAfterFinishing()
        {
            byte[] first = Random(100_003, seed: 6);
            byte[] second = Random(5_000, seed: 7);
            var lane = new Md5Lane();
            var other = new Md5Lane();
            Md5MultiBuffer.Append(new[] { lane, other }, new[] { new ArraySegment<byte>(first), new ArraySegment<byte>(second, 0, 10) });
            Assert.Equal(Hex(MD5.HashData(first)), Hex(lane.FinishAndReset()));

            Md5MultiBuffer.Append(new[] { lane, other }, new[] { new ArraySegment<byte>(second), new ArraySegment<byte>(second, 10, second.Length - 10) });
            Assert.Equal(Hex(MD5.HashData(second)), Hex(lane.FinishAndReset()));
            Assert.Equal(Hex(MD5.HashData(second)), Hex(other.FinishAndReset()));

            lane.Append(second, 0, 64);
            lane.Reset();
            Assert.Equal(Hex(MD5.HashData(Array.Empty<byte>())), Hex(lane.FinishAndReset()));
        }

        [Theory]
        [MemberData(nameof(Widths))]
        public void BatchesOfSeveralLanesAreCountedAsShared(int width)
        {
            byte[] data = Random(64 * 10, seed: 8);
            var lanes = new[] { new Md5Lane(), new Md5Lane(), new Md5Lane(), new Md5Lane() };
            long shared = Md5MultiBuffer.Append(
                lanes,
                new[] { new ArraySegment<byte>(data), new ArraySegment<byte>(data, 0, 64 * 4), new ArraySegment<byte>(data, 64, 64 * 4), new ArraySegment<byte>(data, 0, 63) },
                width);

            // Four rounds with three lanes, then six with one (the scalar kernel); a 63-byte piece hashes nothing yet.
            Assert.Equal(width == 1 ? 0 : 12, shared);
            Assert.Equal(Hex(MD5.HashData(data)), Hex(lanes[0].FinishAndReset()));
            Assert.Equal(Hex(MD5.HashData(data.AsSpan(64, 64 * 4))), Hex(lanes[2].FinishAndReset()));
            Assert.Equal(Hex(MD5.HashData(data.AsSpan(0, 63))), Hex(lanes[3].FinishAndReset()));

            // Two lanes: the sixteen-lane kernel shares its rounds, the eight-lane one leaves them to the scalar kernel.
            lanes = new[] { new Md5Lane(), new Md5Lane() };
            shared = Md5MultiBuffer.Append(lanes, new[] { new ArraySegment<byte>(data), new ArraySegment<byte>(data, 0, 64 * 4) }, width);
            Assert.Equal(width == 16 ? 8 : 0, shared);
            Assert.Equal(Hex(MD5.HashData(data.AsSpan(0, 64 * 4))), Hex(lanes[1].FinishAndReset()));
        }

        private static byte[] Random(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        private static string Hex(byte[] digest) => Convert.ToHexString(digest);
    }
}
