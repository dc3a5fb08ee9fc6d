using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Tests.TestSupport;
using static StreamFiles.Core.Tests.TestSupport.TestHashing;

namespace StreamFiles.Core.Tests.Hashing
{
    /// <summary>Whole-file digests against coreutils and zlib, computed by those tools at test time.</summary>
    public sealed class CoreutilsDigestTests : IDisposable
    {
        private const int KiB = 1024;
        private const int MiB = 1024 * 1024;
        private readonly TempDirectory _temp = new TempDirectory();

        private static readonly ChecksumAlgorithm[] Everything =
        {
            ChecksumAlgorithm.SHA256, ChecksumAlgorithm.SHA1, ChecksumAlgorithm.SHA384, ChecksumAlgorithm.SHA512,
            ChecksumAlgorithm.MD5, ChecksumAlgorithm.CRC32, ChecksumAlgorithm.CRC32C, ChecksumAlgorithm.S3ETag,
        };

        /// <summary>Sizes around the chunk and buffer boundaries, for the default settings and for small odd ones.</summary>
        public static TheoryData<long, long, int> Boundaries()
        {
            var data = new TheoryData<long, long, int>();
            long chunk = HashSettings.DefaultChunkSize;
            int buffer = HashSettings.DefaultBufferSize;
            foreach (long size in new[] { 0, 1, 4095, buffer - 1, buffer, buffer + 1, (3 * buffer) + 17, chunk - 1, chunk, chunk + 1 })
            {
                data.Add(size, chunk, buffer);
            }

            // A chunk that is no multiple of the buffer, and one smaller than the buffer.
            foreach (long size in new long[] { 1, 4095, 4096, 4097, 9999, 10000, 10001, 20000, 123457 })
            {
                data.Add(size, 10000, 4096);
                data.Add(size, 3000, 8192);
            }

            return data;
        }

        [Theory]
        [MemberData(nameof(Boundaries))]
        public async Task Digests_match_coreutils_and_zlib_at_boundaries(long size, long chunkSize, int bufferSize)
        {
            string path = _temp.WriteRandom("data.bin", size);

            FileHashResult result = await HashFileAsync(path, chunkSize, bufferSize, includeChunkHashes: true, Everything);

            AssertMatchesTools(path, size, result);
        }

        [Fact]
        public async Task Digests_of_a_large_random_file_match_coreutils_and_zlib()
        {
            const long size = (64L * MiB) + 12345;
            string path = _temp.WriteRandom("large.bin", size, seed: 64);

            FileHashResult result = await HashFileAsync(path, Everything);

            AssertMatchesTools(path, size, result);
        }

        [Fact]
        public async Task Result_names_the_first_algorithm_and_the_path_like_Get_FileHash()
        {
            string path = _temp.WriteRandom("named.bin", 1000);

            FileHashResult result = await HashFileAsync(path, ChecksumAlgorithm.MD5, ChecksumAlgorithm.SHA256);

            Assert.Equal("MD5", result.Algorithm);
            Assert.Equal(ExternalTool.CoreutilsDigest("md5sum", path), result.Hash);
            Assert.Equal(path, result.Path);
            Assert.Equal(1000, result.Length);
            Assert.Equal(result.Hashes["sha256"], result.Hashes["SHA256"]);
            Assert.Null(result.Chunks);
            Assert.Null(result.ChunkSize);
        }

        [Fact]
        public async Task Short_reads_from_the_stream_do_not_change_the_digests()
        {
            string path = _temp.WriteRandom("trickle.bin", (3 * 4096) + 333);
            var settings = new HashSettings(new[] { ChecksumAlgorithm.SHA256, ChecksumAlgorithm.CRC32, ChecksumAlgorithm.S3ETag }, chunkSize: 5000, bufferSize: 4096);

            using var trickle = new TrickleStream(File.ReadAllBytes(path));
            HashDigests digests = await new ChunkedHasher(settings).HashAsync(trickle);

            Assert.Equal(ExternalTool.CoreutilsDigest("sha256sum", path), digests[ChecksumAlgorithm.SHA256]);
            Assert.Equal(ExternalTool.ZlibCrc32(path).ToString("X8"), digests[ChecksumAlgorithm.CRC32]);
            Assert.Equal(new FileInfo(path).Length, digests.Length);
            Assert.True(trickle.Reads > 25, "the stream should have been read in many short pieces");
        }

        private static void AssertMatchesTools(string path, long size, FileHashResult result)
        {
            Assert.Equal(size, result.Length);
            foreach (KeyValuePair<ChecksumAlgorithm, string> tool in CoreutilsTools)
            {
                Assert.True(
                    ExternalTool.CoreutilsDigest(tool.Value, path) == result.Hashes[tool.Key.ToString()],
                    $"{tool.Key} of {size} bytes differs from {tool.Value}");
            }

            Assert.Equal(ExternalTool.ZlibCrc32(path).ToString("X8"), result.Hashes["CRC32"]);
        }

        public void Dispose() => _temp.Dispose();

        /// <summary>Returns at most a few bytes per read, as pipes and network streams may.</summary>
        private sealed class TrickleStream : MemoryStream
        {
            private readonly Random _random = new Random(7);

            public TrickleStream(byte[] data)
                : base(data, writable: false)
            {
            }

            public int Reads { get; private set; }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                Reads++;
                return base.ReadAsync(buffer, offset, Math.Min(count, _random.Next(1, 500)), cancellationToken);
            }

            public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                Reads++;
                return base.ReadAsync(buffer.Slice(0, Math.Min(buffer.Length, _random.Next(1, 500))), cancellationToken);
            }
        }
    }
}
