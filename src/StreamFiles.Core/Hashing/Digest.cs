using System;
using System.Security.Cryptography;

namespace StreamFiles.Core.Hashing
{
    /// <summary>One running digest of a single algorithm (never S3ETag, which is built from MD5 digests).</summary>
    internal abstract class Digest : IDisposable
    {
        public abstract void Append(byte[] buffer, int offset, int count);

        /// <summary>Returns the digest of everything appended and starts over.</summary>
        public abstract byte[] FinishAndReset();

        public virtual void Dispose()
        {
        }

        public static Digest Create(ChecksumAlgorithm algorithm) => algorithm switch
        {
            ChecksumAlgorithm.SHA256 => new CryptoDigest(HashAlgorithmName.SHA256),
            ChecksumAlgorithm.SHA1 => new CryptoDigest(HashAlgorithmName.SHA1),
            ChecksumAlgorithm.SHA384 => new CryptoDigest(HashAlgorithmName.SHA384),
            ChecksumAlgorithm.SHA512 => new CryptoDigest(HashAlgorithmName.SHA512),
            ChecksumAlgorithm.MD5 => new CryptoDigest(HashAlgorithmName.MD5),
            ChecksumAlgorithm.CRC32 => new CrcDigest(Crc32.CreateIeee()),
            ChecksumAlgorithm.CRC32C => new CrcDigest(Crc32.CreateCastagnoli()),
            ChecksumAlgorithm.CRC64NVME => new Crc64Digest(),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "S3ETag is composed of MD5 digests, not a digest of its own."),
        };

        private sealed class CryptoDigest : Digest
        {
            private readonly IncrementalHash _hash;

            public CryptoDigest(HashAlgorithmName name) => _hash = IncrementalHash.CreateHash(name);

            public override void Append(byte[] buffer, int offset, int count) => _hash.AppendData(buffer, offset, count);

            public override byte[] FinishAndReset() => _hash.GetHashAndReset();

            public override void Dispose() => _hash.Dispose();
        }

        private sealed class CrcDigest : Digest
        {
            private readonly Crc32 _crc;

            public CrcDigest(Crc32 crc) => _crc = crc;

            public override void Append(byte[] buffer, int offset, int count) => _crc.Append(new ReadOnlySpan<byte>(buffer, offset, count));

            public override byte[] FinishAndReset()
            {
                byte[] value = Crc32.ToBigEndianBytes(_crc.Value);
                _crc.Reset();
                return value;
            }
        }

        private sealed class Crc64Digest : Digest
        {
            private readonly Crc64 _crc = new Crc64();

            public override void Append(byte[] buffer, int offset, int count) => _crc.Append(new ReadOnlySpan<byte>(buffer, offset, count));

            public override byte[] FinishAndReset()
            {
                byte[] value = Crc64.ToBigEndianBytes(_crc.Value);
                _crc.Reset();
                return value;
            }
        }
    }
}
