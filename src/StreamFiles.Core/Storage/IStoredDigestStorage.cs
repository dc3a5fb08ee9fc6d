using System;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;

namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// A backend that can tell what an object's bytes hash to without reading them: a digest the store keeps and
    /// anyone can recompute from a local copy (S3's ETag, which is an MD5 or an md5-of-md5s over parts of a known
    /// size). SkipUnchanged compares with it instead of downloading the object to hash it.
    /// </summary>
    public interface IStoredDigestStorage : IStorage
    {
        /// <summary>The digest of the object as the store recorded it; null when it has none that can be recomputed.</summary>
        Task<StoredDigest?> GetStoredDigestAsync(ObjectInfo info, CancellationToken cancellationToken);
    }

    /// <summary>A digest a store keeps: the algorithm, the chunk size it assumes (S3ETag's part size) and its value.</summary>
    public sealed class StoredDigest
    {
        public StoredDigest(ChecksumAlgorithm algorithm, long chunkSize, string value)
        {
            if (chunkSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "The chunk size must be positive.");
            }

            Algorithm = algorithm;
            ChunkSize = chunkSize;
            Value = value ?? throw new ArgumentNullException(nameof(value));
        }

        public ChecksumAlgorithm Algorithm { get; }

        public long ChunkSize { get; }

        public string Value { get; }

        /// <summary>
        /// Other chunk sizes that fit as well when the store would not say which it used (an S3 multipart ETag on a
        /// store that ignores ?partNumber): a local copy matches when its digest for any of them is this value. Empty
        /// when ChunkSize is certain.
        /// </summary>
        public System.Collections.Generic.IReadOnlyList<long> OtherChunkSizes { get; set; } = Array.Empty<long>();

        /// <summary>
        /// Whether ChunkSize is known (the store said, or the uploader recorded it) rather than guessed: only then does
        /// a local digest that matches none of the sizes prove the content differs.
        /// </summary>
        public bool ChunkSizeCertain { get; set; } = true;

        /// <summary>Whether a locally computed digest (any letter case) is this one.</summary>
        public bool Matches(string local)
        {
            if (string.Equals(Value, local, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            // A multipart upload of a single part (aws s3 cp of exactly one part's size, a streamed rclone rcat): its
            // ETag is the MD5 of that part's MD5 with "-1", while the S3ETag of one chunk is the plain MD5 a PUT gets.
            if (Algorithm != ChecksumAlgorithm.S3ETag || !Value.EndsWith("-1", StringComparison.Ordinal) || local is null || local.Length != 32 || !(Hex.TryDecode(local) is byte[] md5))
            {
                return false;
            }

            using var hasher = System.Security.Cryptography.MD5.Create();
            return string.Equals(Value, Hex.Encode(hasher.ComputeHash(md5)) + "-1", StringComparison.OrdinalIgnoreCase);
        }
    }
}
