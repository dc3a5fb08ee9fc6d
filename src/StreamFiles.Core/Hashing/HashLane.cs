using System;
using System.Collections.Generic;
using System.Security.Cryptography;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// One consumer of the shared byte stream. Lanes never share state, so a MultiHasher can run them
    /// on different cores over the same buffer.
    /// </summary>
    internal abstract class HashLane : IDisposable
    {
        public abstract void Append(byte[] buffer, int offset, int count);

        public virtual void Dispose()
        {
        }
    }

    /// <summary>A whole-stream digest of one algorithm.</summary>
    internal sealed class WholeStreamLane : HashLane
    {
        private readonly Digest _digest;

        public WholeStreamLane(ChecksumAlgorithm algorithm)
        {
            Algorithm = algorithm;
            _digest = Digest.Create(algorithm);
        }

        public ChecksumAlgorithm Algorithm { get; }

        public override void Append(byte[] buffer, int offset, int count) => _digest.Append(buffer, offset, count);

        public string Finish() => Hex.Encode(_digest.FinishAndReset());

        public override void Dispose() => _digest.Dispose();
    }

    /// <summary>
    /// Digests of consecutive fixed-size chunks. Used for chunk manifests and, with MD5, for the S3
    /// multipart ETag: md5(md5(part 1) || … || md5(part N)) + "-N", or the plain MD5 for one part.
    /// </summary>
    internal sealed class ChunkLane : HashLane
    {
        private readonly Digest _digest;
        private readonly long _chunkSize;
        private readonly List<byte[]> _digests = new List<byte[]>();
        private long _inChunk;
        private long _total;

        public ChunkLane(ChecksumAlgorithm algorithm, long chunkSize)
        {
            if (chunkSize <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "The chunk size must be positive.");
            }

            _digest = Digest.Create(algorithm);
            _chunkSize = chunkSize;
        }

        public override void Append(byte[] buffer, int offset, int count)
        {
            _total += count;
            while (count > 0)
            {
                int take = (int)Math.Min(count, _chunkSize - _inChunk);
                _digest.Append(buffer, offset, take);
                _inChunk += take;
                offset += take;
                count -= take;
                if (_inChunk == _chunkSize)
                {
                    _digests.Add(_digest.FinishAndReset());
                    _inChunk = 0;
                }
            }
        }

        /// <summary>The chunk digests, with a last short chunk (or the only, empty one) closed off.</summary>
        public IReadOnlyList<byte[]> Finish()
        {
            if (_inChunk > 0 || _total == 0)
            {
                _digests.Add(_digest.FinishAndReset());
                _inChunk = 0;
            }

            return _digests;
        }

        public IReadOnlyList<ChunkHash> FinishManifest() => Manifest(Finish(), _chunkSize, _total);

        public string FinishS3ETag() => S3ETag(Finish());

        /// <summary>The manifest of chunk digests of a stream of <paramref name="total"/> bytes.</summary>
        internal static IReadOnlyList<ChunkHash> Manifest(IReadOnlyList<byte[]> digests, long chunkSize, long total)
        {
            var chunks = new ChunkHash[digests.Count];
            for (int i = 0; i < digests.Count; i++)
            {
                long offset = i * chunkSize;
                chunks[i] = new ChunkHash(i, offset, Math.Min(chunkSize, total - offset), Hex.Encode(digests[i]));
            }

            return chunks;
        }

        /// <summary>The S3 ETag made of the MD5s of the parts.</summary>
        internal static string S3ETag(IReadOnlyList<byte[]> parts)
        {
            if (parts.Count == 1)
            {
                return Hex.Encode(parts[0]);
            }

            using var outer = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            foreach (byte[] part in parts)
            {
                outer.AppendData(part);
            }

            return Hex.Encode(outer.GetHashAndReset()) + "-" + parts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public override void Dispose() => _digest.Dispose();
    }
}
