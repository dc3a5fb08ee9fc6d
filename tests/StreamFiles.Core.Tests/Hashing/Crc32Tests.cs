using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Tests.TestSupport;

namespace StreamFiles.Core.Tests.Hashing
{
    public sealed class Crc32Tests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        private delegate uint Update(uint crc, ReadOnlySpan<byte> data);

        // Check values ("123456789") from the Catalogue of parametrised CRC algorithms
        // (https://reveng.sourceforge.io/crc-catalogue/17plus.htm): CRC-32/ISO-HDLC check=0xcbf43926,
        // CRC-32/ISCSI check=0xe3069283.
        [Fact]
        public void Check_values_of_the_catalogue()
        {
            byte[] check = Encoding.ASCII.GetBytes("123456789");

            Assert.Equal(0xCBF43926u, Crc32.Compute(check, castagnoli: false));
            Assert.Equal(0xE3069283u, Crc32.Compute(check, castagnoli: true));
            Assert.Equal(0xCBF43926u, ~Crc32.UpdateIeeePortable(0xFFFFFFFF, check));
            Assert.Equal(0xE3069283u, ~Crc32.UpdateCastagnoliPortable(0xFFFFFFFF, check));
        }

        // RFC 3720 (iSCSI), appendix B.4 "CRC Examples": the CRC32C of 32-byte patterns.
        [Theory]
        [InlineData("zeros", 0x8A9136AAu)]
        [InlineData("ones", 0x62A8AB43u)]
        [InlineData("incrementing", 0x46DD794Eu)]
        [InlineData("decrementing", 0x113FDB5Cu)]
        public void Castagnoli_matches_the_iSCSI_examples_of_RFC_3720(string pattern, uint expected)
        {
            byte[] data = pattern switch
            {
                "zeros" => new byte[32],
                "ones" => Enumerable.Repeat((byte)0xFF, 32).ToArray(),
                "incrementing" => Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(),
                "decrementing" => Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(),
                _ => throw new ArgumentOutOfRangeException(nameof(pattern)),
            };

            Assert.Equal(expected, Crc32.Compute(data, castagnoli: true));
            Assert.Equal(expected, ~Crc32.UpdateCastagnoliPortable(0xFFFFFFFF, data));
        }

        [Fact]
        public void Digest_text_is_the_big_endian_hex_tools_print()
        {
            using var hasher = new MultiHasher(new HashSettings(new[] { ChecksumAlgorithm.CRC32, ChecksumAlgorithm.CRC32C }));
            byte[] check = Encoding.ASCII.GetBytes("123456789");
            hasher.Append(check, 0, check.Length);

            HashDigests digests = hasher.Finish();

            Assert.Equal("CBF43926", digests[ChecksumAlgorithm.CRC32]);
            Assert.Equal("E3069283", digests[ChecksumAlgorithm.CRC32C]);
        }

        [Fact]
        public void Crc_of_nothing_is_zero()
        {
            Assert.Equal(0u, Crc32.Compute(ReadOnlySpan<byte>.Empty, castagnoli: false));
            Assert.Equal(0u, Crc32.Compute(ReadOnlySpan<byte>.Empty, castagnoli: true));
        }

        /// <summary>The tables against the polynomial division itself, bit by bit.</summary>
        [Fact]
        public void Tables_agree_with_bitwise_division()
        {
            var random = new Random(11);
            foreach (int length in new[] { 0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4099 })
            {
                byte[] data = RandomBytes(random, length);
                Assert.Equal(Bitwise(0xEDB88320u, data), ~Crc32.UpdateIeeePortable(0xFFFFFFFF, data));
                Assert.Equal(Bitwise(0x82F63B78u, data), ~Crc32.UpdateCastagnoliPortable(0xFFFFFFFF, data));
            }
        }

        [Fact]
        public void Hardware_Castagnoli_agrees_with_the_tables_for_odd_lengths_and_offsets() =>
            AssertAgree(Crc32.UpdateCastagnoli, Crc32.UpdateCastagnoliPortable);

        [Fact]
        public void Hardware_Ieee_agrees_with_the_tables_for_odd_lengths_and_offsets() =>
            AssertAgree(Crc32.UpdateIeee, Crc32.UpdateIeeePortable);

        [Fact]
        public void Hardware_Castagnoli_agrees_with_the_tables_around_its_three_lane_blocks()
        {
            // Long inputs run as three interleaved lanes of LaneBytes joined by a table shift; check every seam.
            var random = new Random(7);
            int block = 3 * Crc32.LaneBytes;
            byte[] pool = RandomBytes(random, (5 * block) + 64);
            foreach (int length in new[] { block - 1, block, block + 1, block + 7, block + 8, (2 * block) - 1, 2 * block, (4 * block) + 13, 5 * block })
            {
                foreach (int offset in new[] { 0, 1, 3, 8, 13 })
                {
                    ReadOnlySpan<byte> data = pool.AsSpan(offset, length);
                    foreach (uint state in new[] { 0u, 0xFFFFFFFFu, 0x80000000u, 0x12345678u })
                    {
                        Assert.True(Crc32.UpdateCastagnoliPortable(state, data) == Crc32.UpdateCastagnoli(state, data), $"length {length}, offset {offset}, state {state:X8}");
                    }
                }
            }

            byte[] zeros = new byte[4 * block];
            Assert.Equal(~Crc32.UpdateCastagnoliPortable(0xFFFFFFFF, zeros), Crc32.Compute(zeros, castagnoli: true));
        }

        [PclmulqdqFact]
        public void Carryless_folding_agrees_with_the_tables_for_all_lengths_offsets_and_states()
        {
            AssertAgree(Crc32Folding.Update, Crc32.UpdateIeeePortable);
        }

        [PclmulqdqFact]
        public void Carryless_folding_of_pathological_patterns_agrees_with_the_tables()
        {
            foreach (byte fill in new byte[] { 0x00, 0xFF, 0x80, 0x01 })
            {
                foreach (int length in new[] { 64, 65, 127, 128, 129, 4096, 65536 + 3 })
                {
                    byte[] data = Enumerable.Repeat(fill, length).ToArray();
                    foreach (uint state in new[] { 0u, 0xFFFFFFFFu, 0x80000000u, 1u })
                    {
                        Assert.Equal(Crc32.UpdateIeeePortable(state, data), Crc32Folding.Update(state, data));
                    }
                }
            }
        }

        [Fact]
        public void Appending_in_pieces_equals_one_call()
        {
            var random = new Random(5);
            byte[] data = RandomBytes(random, 200_003);
            foreach (bool castagnoli in new[] { false, true })
            {
                Crc32 crc = castagnoli ? Crc32.CreateCastagnoli() : Crc32.CreateIeee();
                int offset = 0;
                while (offset < data.Length)
                {
                    int take = Math.Min(data.Length - offset, random.Next(0, 3000));
                    crc.Append(data.AsSpan(offset, take));
                    offset += take;
                }

                Assert.Equal(Crc32.Compute(data, castagnoli), crc.Value);
                crc.Reset();
                Assert.Equal(0u, crc.Value);
            }
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(63)]
        [InlineData(64)]
        [InlineData(1_000_003)]
        public async Task Crc32_of_a_file_matches_the_gzip_trailer(int size)
        {
            string path = _temp.WriteRandom("gz.bin", size);

            // RFC 1952: a gzip member ends with CRC32 then ISIZE, both little-endian.
            string trailer = ExternalTool.Bash("gzip -1 -c \"$1\" | tail -c 8 | od -An -tu4 -N4", path);
            FileHashResult result = await TestHashing.HashFileAsync(path, ChecksumAlgorithm.CRC32);

            Assert.Equal(uint.Parse(trailer.Trim()).ToString("X8"), result.Hash);
        }

        private static void AssertAgree(Update fast, Update reference)
        {
            var random = new Random(3);
            byte[] pool = RandomBytes(random, 70_000);

            // 12,288 bytes is where the CRC32C loop starts running three lanes of 4 KiB side by side.
            var lengths = Enumerable.Range(0, 300).Concat(new[] { 511, 512, 513, 1023, 4096, 4097, 12_287, 12_288, 12_289, 24_583, 36_864, 65535, 65536, 65537, 69_000 });
            foreach (int length in lengths)
            {
                int offset = random.Next(0, 16);
                if (offset + length > pool.Length)
                {
                    offset = 0;
                }

                ReadOnlySpan<byte> data = pool.AsSpan(offset, length);
                uint state = random.Next(4) == 0 ? 0xFFFFFFFFu : (uint)random.Next() ^ ((uint)random.Next() << 16);
                uint expected = reference(state, data);
                Assert.True(expected == fast(state, data), $"length {length}, offset {offset}, state {state:X8}");
            }
        }

        /// <summary>CRC by the definition: reflected shift register, one bit at a time.</summary>
        private static uint Bitwise(uint reflectedPolynomial, byte[] data)
        {
            uint crc = 0xFFFFFFFF;
            foreach (byte b in data)
            {
                crc ^= b;
                for (int bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1;
                }
            }

            return ~crc;
        }

        private static byte[] RandomBytes(Random random, int length)
        {
            var data = new byte[length];
            random.NextBytes(data);
            return data;
        }

        public void Dispose() => _temp.Dispose();

        private sealed class PclmulqdqFactAttribute : FactAttribute
        {
            public PclmulqdqFactAttribute()
            {
                if (!Crc32Folding.IsSupported)
                {
                    Skip = "This CPU has no PCLMULQDQ.";
                }
            }
        }
    }
}
