using System;
using System.Buffers;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// What the headers of one part need before its body is sent: the part checksum (CRC32C or SHA256, for
    /// x-amz-checksum-*) and its MD5 (Content-MD5, which every S3 store checks, and the part's expected ETag).
    /// Computed by reading the part once through a small pooled buffer; nothing holds the whole part.
    /// </summary>
    internal sealed class S3PartHash
    {
        private const int BufferSize = 256 * 1024;

        private S3PartHash(long length, byte[] md5, byte[]? checksum)
        {
            Length = length;
            Md5 = md5;
            Checksum = checksum;
        }

        public long Length { get; }

        public byte[] Md5 { get; }

        /// <summary>The raw part checksum of the chosen algorithm; null when none is sent.</summary>
        public byte[]? Checksum { get; }

        public string Md5Base64 => Convert.ToBase64String(Md5);

        public string Md5Hex => Hex.Encode(Md5).ToLowerInvariant();

        public string? ChecksumBase64 => Checksum is null ? null : Convert.ToBase64String(Checksum);

        public static async Task<S3PartHash> ComputeAsync(Stream stream, ChecksumAlgorithm? algorithm, CancellationToken cancellationToken)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            using IncrementalHash? sha = algorithm == ChecksumAlgorithm.SHA256 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256)
                : algorithm == ChecksumAlgorithm.SHA1 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA1) : null;
            Crc32? crc = algorithm == ChecksumAlgorithm.CRC32C ? Crc32.CreateCastagnoli() : algorithm == ChecksumAlgorithm.CRC32 ? Crc32.CreateIeee() : null;
            long length = 0;
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer, 0, BufferSize, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    md5.AppendData(buffer, 0, read);
                    sha?.AppendData(buffer, 0, read);
                    crc?.Append(new ReadOnlySpan<byte>(buffer, 0, read));
                    length += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            byte[]? checksum = sha != null ? sha.GetHashAndReset() : crc != null ? Crc32.ToBigEndianBytes(crc.Value) : null;
            return new S3PartHash(length, md5.GetHashAndReset(), checksum);
        }
    }
}
