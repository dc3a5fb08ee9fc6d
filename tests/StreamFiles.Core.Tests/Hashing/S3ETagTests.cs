using System;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Tests.TestSupport;

namespace StreamFiles.Core.Tests.Hashing
{
    /// <summary>
    /// The S3 multipart ETag, md5(md5(part 1) || … || md5(part N)) + "-N", against the same rule carried
    /// out by split, md5sum and xxd; a single part is a plain PutObject whose ETag is the file's MD5.
    /// </summary>
    public sealed class S3ETagTests : IDisposable
    {
        // Split into parts, MD5 each, concatenate the binary digests, MD5 that, append the part count.
        private const string ExpectedETagScript = @"
cd ""$1""
split -b ""$3"" -a 6 -d ""$2"" part.
n=$(find . -maxdepth 1 -name 'part.*' | wc -l)
if [ ""$n"" -le 1 ]; then
  md5sum < ""$2"" | cut -c1-32
else
  for f in part.*; do md5sum < ""$f"" | cut -c1-32; done | xxd -r -p | md5sum | cut -c1-32 | sed ""s/\$/-$n/""
fi
rm -f part.*";

        private readonly TempDirectory _temp = new TempDirectory();

        [Theory]
        [InlineData(0, 65536, 16384)]              // nothing: the MD5 of nothing
        [InlineData(1, 65536, 16384)]
        [InlineData(65535, 65536, 16384)]          // one part short of full
        [InlineData(65536, 65536, 16384)]          // exactly one part: plain MD5
        [InlineData(65537, 65536, 16384)]          // one part and one byte
        [InlineData(3 * 65536, 65536, 16384)]      // exactly three parts, no empty fourth
        [InlineData((3 * 65536) + 1, 65536, 16384)]
        [InlineData((7 * 5000) + 1, 5000, 8192)]   // parts smaller than the buffer
        [InlineData(7 * 5000, 5000, 4096)]         // parts that straddle buffers
        [InlineData((41 * 5000) + 3, 5000, 4096)]  // 42 parts: batches of as many parts as the MD5 kernel has lanes, and a rest
        [InlineData((5 * 600_000) + 1, 600_000, 524288)] // parts read in two buffers each, a 1-byte last part
        public async Task ETag_matches_the_shell_computation(long size, long partSize, int bufferSize)
        {
            string path = _temp.WriteRandom("object.bin", size);
            string work = _temp.File("parts");
            System.IO.Directory.CreateDirectory(work);

            FileHashResult result = await TestHashing.HashFileAsync(path, partSize, bufferSize, includeChunkHashes: false, ChecksumAlgorithm.S3ETag);

            string expected = ExternalTool.Bash(ExpectedETagScript, work, path, partSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(expected.ToUpperInvariant(), result.Hash);
        }

        [Fact]
        public async Task ETag_of_the_default_part_size_with_several_parts()
        {
            long size = (2 * HashSettings.DefaultChunkSize) + 999;
            string path = _temp.WriteRandom("object.bin", size);
            string work = _temp.File("parts");
            System.IO.Directory.CreateDirectory(work);

            FileHashResult result = await TestHashing.HashFileAsync(path, ChecksumAlgorithm.S3ETag, ChecksumAlgorithm.MD5);

            string expected = ExternalTool.Bash(ExpectedETagScript, work, path, HashSettings.DefaultChunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.EndsWith("-3", expected);
            Assert.Equal(expected.ToUpperInvariant(), result.Hash);
            Assert.Equal(ExternalTool.CoreutilsDigest("md5sum", path), result.Hashes["MD5"]);
        }

        [Fact]
        public async Task The_ETag_alone_lists_each_parts_md5_as_md5sum_computes_it()
        {
            // S3ETag as the only algorithm hashes the parts side by side (PartsMd5); its manifest must still be the parts in order.
            const long partSize = 5000;
            long size = (41 * partSize) + 3;
            string path = _temp.WriteRandom("object.bin", size);
            string work = _temp.File("parts");
            System.IO.Directory.CreateDirectory(work);

            FileHashResult result = await TestHashing.HashFileAsync(path, partSize, 4096, includeChunkHashes: true, ChecksumAlgorithm.S3ETag);

            string listing = ExternalTool.Bash("cd \"$1\"; split -b \"$3\" -a 6 -d \"$2\" part.; for f in part.*; do md5sum < \"$f\" | cut -c1-32; done; rm -f part.*", work, path, "5000");
            string[] expected = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(42, expected.Length);
            Assert.NotNull(result.Chunks);
            Assert.Equal(expected.Length, result.Chunks!.Count);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(i, result.Chunks[i].Index);
                Assert.Equal(i * partSize, result.Chunks[i].Offset);
                Assert.Equal(i == 41 ? 3 : partSize, result.Chunks[i].Length);
                Assert.Equal(expected[i].Trim().ToUpperInvariant(), result.Chunks[i].Hash);
            }
        }

        /// <summary>
        /// With the chunk size not chosen, a file of more than 10,000 chunks is hashed in the parts an upload of it has:
        /// its length / 10,000 rounded up to whole MiB, as TransferPlan grows an upload's part size (a probe: a file
        /// over 78 GiB got an ETag of more than 10,000 parts, which no store gives). Here from 1 KiB chunks, so that
        /// 10 MiB and a byte is enough: 11 parts of 1 MiB, as split and md5sum compute them.
        /// </summary>
        [Theory]
        [InlineData(ChecksumAlgorithm.S3ETag)]
        [InlineData(ChecksumAlgorithm.SHA256, ChecksumAlgorithm.S3ETag)]
        public async Task A_file_of_more_than_ten_thousand_chunks_not_chosen_gets_the_parts_an_upload_has(params ChecksumAlgorithm[] algorithms)
        {
            long size = (10L << 20) + 1;
            string path = _temp.WriteRandom("object.bin", size);
            string work = _temp.File("parts");
            System.IO.Directory.CreateDirectory(work);
            long grown = StreamFiles.Core.Transfers.TransferPlan.Plan(size, 1024, StreamFiles.Core.Storage.PartLimits.Unlimited, true).PartSize;
            Assert.Equal(1L << 20, grown);

            FileHashResult result = await new ChunkedHasher(new HashSettings(algorithms, chunkSize: 1024, growChunks: true)).HashFileAsync(path);
            FileHashResult chosen = await new ChunkedHasher(new HashSettings(algorithms, chunkSize: 1024)).HashFileAsync(path);

            string expected = ExternalTool.Bash(ExpectedETagScript, work, path, grown.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.EndsWith("-11", expected.Trim(), StringComparison.Ordinal);
            Assert.Equal(expected.Trim().ToUpperInvariant(), result.Hashes["S3ETag"]);
            Assert.EndsWith("-10241", chosen.Hashes["S3ETag"], StringComparison.Ordinal); // a size given is kept

            // Standard input whose length is known (redirected from a file) gets the same parts (a probe: 12,800 of them).
            using (var input = System.IO.File.OpenRead(path))
            {
                FileHashResult streamed = await new ChunkedHasher(new HashSettings(algorithms, chunkSize: 1024, growChunks: true)).HashStreamAsync("-", input, length: size);
                Assert.Equal(result.Hashes["S3ETag"], streamed.Hashes["S3ETag"]);
            }
        }

        [Fact]
        public void Only_S3ETag_with_the_chunk_size_not_chosen_grows_it()
        {
            long huge = 100L << 30;
            var grows = new HashSettings(new[] { ChecksumAlgorithm.S3ETag }, growChunks: true);
            long upload = StreamFiles.Core.Transfers.TransferPlan.Plan(huge, null, StreamFiles.Core.Storage.S3.S3Storage.S3PartLimits, true).PartSize;

            Assert.Equal(upload, grows.For(huge).ChunkSize); // what a StreamFiles upload of it to S3 has
            Assert.True((huge + upload - 1) / upload <= 10_000);
            Assert.Same(grows, grows.For(1L << 30));
            var chosen = new HashSettings(new[] { ChecksumAlgorithm.S3ETag });
            Assert.Same(chosen, chosen.For(huge));
            var noETag = new HashSettings(new[] { ChecksumAlgorithm.MD5 }, growChunks: true);
            Assert.Same(noETag, noETag.For(huge));
        }

        public void Dispose() => _temp.Dispose();
    }
}
