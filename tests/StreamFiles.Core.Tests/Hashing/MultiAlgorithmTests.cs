using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Tests.TestSupport;

namespace StreamFiles.Core.Tests.Hashing
{
    /// <summary>One pass with several algorithms must give what one pass per algorithm gives.</summary>
    public sealed class MultiAlgorithmTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        [Theory]
        [InlineData(0, 4096)]
        [InlineData(1, 4096)]
        [InlineData(777_777, 4096)]
        [InlineData(777_777, 65536)]
        [InlineData(5_000_000, HashSettings.DefaultBufferSize)]
        public async Task All_algorithms_in_one_pass_equal_one_at_a_time(long size, int bufferSize)
        {
            string path = _temp.WriteRandom("data.bin", size);
            const long chunk = 100_000;
            ChecksumAlgorithm[] all = ChecksumAlgorithms.All.ToArray();

            FileHashResult together = await TestHashing.HashFileAsync(path, chunk, bufferSize, includeChunkHashes: true, all);

            Assert.Equal(all.Length, together.Hashes.Count);
            foreach (ChecksumAlgorithm algorithm in all)
            {
                FileHashResult alone = await TestHashing.HashFileAsync(path, chunk, bufferSize, includeChunkHashes: false, algorithm);
                Assert.Equal(alone.Hash, together.Hashes[algorithm.ToString()]);
            }

            FileHashResult manifestAlone = await TestHashing.HashFileAsync(path, chunk, bufferSize, includeChunkHashes: true, all[0]);
            Assert.Equal(manifestAlone.Chunks!.Select(c => c.ToString()), together.Chunks!.Select(c => c.ToString()));
        }

        [Fact]
        public async Task Synchronous_and_parallel_appends_agree()
        {
            string path = _temp.WriteRandom("data.bin", 300_001);
            byte[] data = System.IO.File.ReadAllBytes(path);
            var settings = new HashSettings(new[] { ChecksumAlgorithm.SHA1, ChecksumAlgorithm.CRC32C, ChecksumAlgorithm.S3ETag }, chunkSize: 65536, includeChunkHashes: true, bufferSize: 4096);

            using var sync = new MultiHasher(settings);
            using var parallel = new MultiHasher(settings);
            var random = new Random(9);
            int offset = 0;
            while (offset < data.Length)
            {
                int take = Math.Min(data.Length - offset, random.Next(1, 70_000));
                sync.Append(data, offset, take);
                await parallel.AppendAsync(data, offset, take);
                offset += take;
            }

            HashDigests a = sync.Finish();
            HashDigests b = parallel.Finish();
            Assert.Equal(data.Length, a.Length);
            Assert.Equal(data.Length, b.Length);
            Assert.Equal(a.Hashes.OrderBy(h => h.Key), b.Hashes.OrderBy(h => h.Key));
            Assert.Equal(a.Chunks!.Select(c => c.ToString()), b.Chunks!.Select(c => c.ToString()));
            Assert.Equal(ExternalTool.CoreutilsDigest("sha1sum", path), a[ChecksumAlgorithm.SHA1]);
        }

        [Fact]
        public async Task Buffers_queued_without_waiting_are_hashed_in_order_by_every_lane()
        {
            string path = _temp.WriteRandom("queued.bin", 1_000_003);
            byte[] data = System.IO.File.ReadAllBytes(path);
            var settings = new HashSettings(new[] { ChecksumAlgorithm.MD5, ChecksumAlgorithm.CRC32, ChecksumAlgorithm.S3ETag }, chunkSize: 100_000, includeChunkHashes: true, bufferSize: 4096);
            using var hasher = new MultiHasher(settings);

            // Separate, never reused buffers: each may be hashed whenever its lane gets to it.
            var pending = new List<Task>();
            for (int offset = 0; offset < data.Length; offset += 7919)
            {
                int take = Math.Min(7919, data.Length - offset);
                pending.Add(hasher.AppendAsync(data.AsSpan(offset, take).ToArray(), 0, take));
            }

            HashDigests digests = hasher.Finish();

            await Task.WhenAll(pending);
            Assert.Equal(ExternalTool.CoreutilsDigest("md5sum", path), digests[ChecksumAlgorithm.MD5]);
            Assert.Equal(ExternalTool.ZlibCrc32(path).ToString("X8"), digests[ChecksumAlgorithm.CRC32]);
            Assert.Equal(11, digests.Chunks!.Count);
            FileHashResult reference = await TestHashing.HashFileAsync(path, 100_000, 4096, includeChunkHashes: false, ChecksumAlgorithm.S3ETag);
            Assert.Equal(reference.Hash, digests[ChecksumAlgorithm.S3ETag]);
        }

        [Fact]
        public void Algorithm_names_parse_in_any_case_and_duplicates_fold()
        {
            Assert.Equal(
                new[] { ChecksumAlgorithm.SHA256, ChecksumAlgorithm.MD5, ChecksumAlgorithm.S3ETag },
                ChecksumAlgorithms.ParseList("sha256, MD5,sha256,s3etag"));
            Assert.Throws<ArgumentException>(() => ChecksumAlgorithms.ParseList("sha256,whirlpool"));
            Assert.Throws<ArgumentException>(() => ChecksumAlgorithms.ParseList(" , "));
            Assert.False(ChecksumAlgorithms.TryParse(null, out _));
        }

        [Theory]
        [InlineData(0L, 4096)]
        [InlineData(HashSettings.MaxChunkSize + 1, 4096)]
        [InlineData(1024L, 4095)]
        [InlineData(1024L, (64 * 1024 * 1024) + 1)]
        public void Settings_out_of_range_are_refused(long chunkSize, int bufferSize) =>
            Assert.Throws<ArgumentOutOfRangeException>(() => new HashSettings(null, chunkSize, false, bufferSize));

        [Fact]
        public void Settings_need_an_algorithm_and_default_to_SHA256()
        {
            Assert.Throws<ArgumentException>(() => new HashSettings(Array.Empty<ChecksumAlgorithm>()));
            Assert.Equal(new[] { ChecksumAlgorithm.SHA256 }, new HashSettings().Algorithms);
        }

        public void Dispose() => _temp.Dispose();
    }
}
