using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Tests.TestSupport;

namespace StreamFiles.Core.Tests.Hashing
{
    /// <summary>The per-chunk manifest against coreutils run over the slices that split cuts.</summary>
    public sealed class ChunkManifestTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        [Theory]
        [InlineData(1, 4096, 4096, ChecksumAlgorithm.SHA256)]
        [InlineData(4096, 4096, 4096, ChecksumAlgorithm.SHA256)]
        [InlineData(4097, 4096, 4096, ChecksumAlgorithm.SHA256)]
        [InlineData(100_000, 3333, 8192, ChecksumAlgorithm.SHA256)]  // many chunks per buffer
        [InlineData(100_000, 30_000, 4096, ChecksumAlgorithm.MD5)]   // chunks across many buffers
        [InlineData(90_000, 30_000, 4096, ChecksumAlgorithm.SHA1)]   // ends on a chunk boundary
        public async Task Each_chunk_hash_is_the_digest_of_its_slice(long size, long chunkSize, int bufferSize, ChecksumAlgorithm algorithm)
        {
            string path = _temp.WriteRandom("data.bin", size);

            FileHashResult result = await TestHashing.HashFileAsync(path, chunkSize, bufferSize, includeChunkHashes: true, algorithm, ChecksumAlgorithm.CRC32);

            IReadOnlyList<string> expected = SliceDigests(path, chunkSize, TestHashing.CoreutilsTools[algorithm]);
            IReadOnlyList<ChunkHash> chunks = Assert.IsAssignableFrom<IReadOnlyList<ChunkHash>>(result.Chunks);
            Assert.Equal(expected.Count, chunks.Count);
            Assert.Equal((size + chunkSize - 1) / chunkSize, chunks.Count);
            for (int i = 0; i < chunks.Count; i++)
            {
                Assert.Equal(i, chunks[i].Index);
                Assert.Equal(i * chunkSize, chunks[i].Offset);
                Assert.Equal(Math.Min(chunkSize, size - (i * chunkSize)), chunks[i].Length);
                Assert.Equal(expected[i], chunks[i].Hash);
            }

            Assert.Equal(size, chunks.Sum(c => c.Length));
            Assert.Equal(chunkSize, result.ChunkSize);
        }

        [Fact]
        public async Task An_empty_file_has_one_empty_chunk()
        {
            string path = _temp.WriteRandom("empty.bin", 0);

            FileHashResult result = await TestHashing.HashFileAsync(path, 4096, 4096, includeChunkHashes: true, ChecksumAlgorithm.SHA256);

            ChunkHash only = Assert.Single(result.Chunks!);
            Assert.Equal(0, only.Index);
            Assert.Equal(0, only.Offset);
            Assert.Equal(0, only.Length);
            Assert.Equal(ExternalTool.CoreutilsDigest("sha256sum", "/dev/null"), only.Hash);
        }

        [Fact]
        public async Task With_S3ETag_first_the_chunks_are_MD5_parts()
        {
            string path = _temp.WriteRandom("parts.bin", 50_001);

            FileHashResult result = await TestHashing.HashFileAsync(path, 10_000, 4096, includeChunkHashes: true, ChecksumAlgorithm.S3ETag);

            Assert.Equal(SliceDigests(path, 10_000, "md5sum"), result.Chunks!.Select(c => c.Hash).ToList());
            Assert.EndsWith("-6", result.Hash);
        }

        private IReadOnlyList<string> SliceDigests(string path, long chunkSize, string tool)
        {
            string work = _temp.File("slices");
            System.IO.Directory.CreateDirectory(work);
            string output = ExternalTool.Bash(
                "cd \"$1\"; split -b \"$3\" -a 6 -d \"$2\" slice.; \"$4\" slice.* | cut -d' ' -f1; rm -f slice.*",
                work, path, chunkSize.ToString(CultureInfo.InvariantCulture), tool);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().ToUpperInvariant()).ToList();
        }

        public void Dispose() => _temp.Dispose();
    }
}
