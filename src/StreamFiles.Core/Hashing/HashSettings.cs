using System;
using System.Collections.Generic;
using System.Linq;

namespace StreamFiles.Core.Hashing
{
    /// <summary>What to compute over a stream. Validated on construction, immutable afterwards.</summary>
    public sealed class HashSettings
    {
        public const long DefaultChunkSize = 8L * 1024 * 1024;
        public const long MaxChunkSize = 5L * 1024 * 1024 * 1024;
        public const int DefaultBufferSize = 1024 * 1024;

        public HashSettings(
            IEnumerable<ChecksumAlgorithm>? algorithms = null,
            long chunkSize = DefaultChunkSize,
            bool includeChunkHashes = false,
            int bufferSize = DefaultBufferSize,
            bool growChunks = false)
        {
            List<ChecksumAlgorithm> list = (algorithms ?? new[] { ChecksumAlgorithm.SHA256 }).Distinct().ToList();
            if (list.Count == 0)
            {
                throw new ArgumentException("At least one algorithm is required.", nameof(algorithms));
            }

            if (chunkSize < 1 || chunkSize > MaxChunkSize)
            {
                throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, $"The chunk size must be between 1 byte and {ByteSize.Format(MaxChunkSize)}.");
            }

            if (bufferSize < 4096 || bufferSize > 64 * 1024 * 1024)
            {
                throw new ArgumentOutOfRangeException(nameof(bufferSize), bufferSize, "The buffer size must be between 4 KiB and 64 MiB.");
            }

            Algorithms = list;
            ChunkSize = chunkSize;
            IncludeChunkHashes = includeChunkHashes;
            BufferSize = bufferSize;
            GrowsChunks = growChunks;
        }

        public IReadOnlyList<ChecksumAlgorithm> Algorithms { get; }

        /// <summary>Size of the chunks of the manifest and the part size S3ETag assumes.</summary>
        public long ChunkSize { get; }

        /// <summary>Whether to compute a digest per chunk (with the first algorithm; MD5 when that is S3ETag).</summary>
        public bool IncludeChunkHashes { get; }

        public int BufferSize { get; }

        /// <summary>
        /// The chunk size was not chosen by the user: with S3ETag, a file of more than 10,000 chunks is hashed in the
        /// parts an upload of it has (see <see cref="For"/>).
        /// </summary>
        public bool GrowsChunks { get; }

        /// <summary>
        /// The settings for a file of this length. S3 takes at most 10,000 parts, so a StreamFiles upload (like rclone's)
        /// grows its part size for a larger file to the length / 10,000 rounded up to whole MiB; with the chunk size
        /// not chosen, S3ETag assumes those parts too (a probe: a file over 78 GiB got an ETag of more than 10,000 parts,
        /// which no store gives). Otherwise these settings.
        /// </summary>
        public HashSettings For(long length)
        {
            if (!GrowsChunks || !Algorithms.Contains(ChecksumAlgorithm.S3ETag))
            {
                return this;
            }

            long parts = Math.Min(MaxChunkSize, Transfers.TransferPlan.Plan(length, ChunkSize, Storage.PartLimits.Unlimited, sourceSupportsRanges: true).PartSize);
            return parts == ChunkSize ? this : new HashSettings(Algorithms, parts, IncludeChunkHashes, BufferSize);
        }

        internal ChecksumAlgorithm ChunkAlgorithm =>
            Algorithms[0] == ChecksumAlgorithm.S3ETag ? ChecksumAlgorithm.MD5 : Algorithms[0];
    }
}
