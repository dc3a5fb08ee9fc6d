using System;
using System.IO;
using System.Linq;
using System.Text;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Tests.TestSupport;

namespace StreamFiles.Core.Tests.Hashing
{
    /// <summary>
    /// CRC-64/NVME, S3's default checksum: the folded (carry-less multiply) and table code against a bit-at-a-time
    /// reference written here from the algorithm's parameters, and against crcmod, an independent implementation.
    /// </summary>
    public sealed class Crc64Tests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        // Check value ("123456789") of CRC-64/NVME in the Catalogue of parametrised CRC algorithms
        // (https://reveng.sourceforge.io/crc-catalogue/17plus.htm): check=0xae8b14860a799888.
        [Fact]
        public void Check_value_of_the_catalogue()
        {
            byte[] check = Encoding.ASCII.GetBytes("123456789");

            Assert.Equal(0xAE8B14860A799888UL, Crc64.Compute(check));
            Assert.Equal(0xAE8B14860A799888UL, ~Crc64.UpdatePortable(ulong.MaxValue, check));
            Assert.Equal(0xAE8B14860A799888UL, Bitwise(check));
        }

        [Fact]
        public void Every_length_up_to_a_few_folds_matches_the_bitwise_reference()
        {
            byte[] data = Random(1000, seed: 64);
            for (int length = 0; length <= data.Length; length++)
            {
                ReadOnlySpan<byte> slice = data.AsSpan(0, length);
                ulong expected = Bitwise(slice);
                Assert.True(expected == Crc64.Compute(slice), $"length {length}");
                Assert.True(expected == ~Crc64.UpdatePortable(ulong.MaxValue, slice), $"portable, length {length}");
            }
        }

        [Fact]
        public void Appending_in_pieces_of_any_size_gives_the_same_value()
        {
            byte[] data = Random(70_001, seed: 7);
            ulong whole = Bitwise(data);
            foreach (int piece in new[] { 1, 15, 16, 63, 64, 65, 4096, 65_537 })
            {
                var crc = new Crc64();
                for (int offset = 0; offset < data.Length; offset += piece)
                {
                    crc.Append(data.AsSpan(offset, Math.Min(piece, data.Length - offset)));
                }

                Assert.True(whole == crc.Value, $"pieces of {piece}");
                crc.Reset();
                crc.Append(data);
                Assert.Equal(whole, crc.Value);
            }
        }

        [Fact]
        public void A_file_hashes_to_what_crcmod_computes()
        {
            string path = _temp.File("crc64.bin");
            File.WriteAllBytes(path, Random((3 * 1024 * 1024) + 77, seed: 3));

            ulong expected = ExternalTool.CrcmodCrc64Nvme(path);

            Assert.Equal(expected, Crc64.Compute(File.ReadAllBytes(path)));
            using var hasher = new MultiHasher(new HashSettings(new[] { ChecksumAlgorithm.CRC64NVME }));
            byte[] bytes = File.ReadAllBytes(path);
            hasher.Append(bytes, 0, bytes.Length);
            Assert.Equal(expected.ToString("X16"), hasher.Finish()[ChecksumAlgorithm.CRC64NVME]);
        }

        [Fact]
        public void Part_CRCs_combine_into_the_CRC_of_the_whole()
        {
            byte[] data = Random(200_003, seed: 11);
            ulong whole = Crc64.Compute(data);
            foreach (int partSize in new[] { 1, 7, 4096, 65_536, 100_000, 200_003 })
            {
                var pieces = Enumerable.Range(0, (data.Length + partSize - 1) / partSize)
                    .Select(i => data.AsSpan(i * partSize, Math.Min(partSize, data.Length - (i * partSize))).ToArray())
                    .Select(part => (Crc64.Compute(part), (long)part.Length))
                    .ToList();

                Assert.True(whole == CrcCombine.CombineAll64(pieces), $"parts of {partSize}");
            }

            ulong first = Crc64.Compute(data.AsSpan(0, 5));
            Assert.Equal(first, CrcCombine.Combine64(first, Crc64.Compute(ReadOnlySpan<byte>.Empty), 0));
        }

        [Fact]
        public void The_digest_is_the_big_endian_hex_S3_base64_encodes()
        {
            Assert.Equal(new byte[] { 0xAE, 0x8B, 0x14, 0x86, 0x0A, 0x79, 0x98, 0x88 }, Crc64.ToBigEndianBytes(0xAE8B14860A799888UL));
        }

        /// <summary>CRC-64/NVME one bit at a time: poly 0xAD93D23594C93659 reflected, init and xorout all ones.</summary>
        internal static ulong Bitwise(ReadOnlySpan<byte> data)
        {
            const ulong reflected = 0x9A6C9329AC4BC9B5UL;
            ulong crc = ulong.MaxValue;
            foreach (byte b in data)
            {
                crc ^= b;
                for (int bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ reflected : crc >> 1;
                }
            }

            return ~crc;
        }

        private static byte[] Random(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }
    }
}
