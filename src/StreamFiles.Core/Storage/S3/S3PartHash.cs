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
    /// What the headers of one part need before its body is sent, computed by reading the part once through a small
    /// pooled buffer (nothing holds the whole part): the part checksum (CRC32C or SHA256, for x-amz-checksum-*), the
    /// MD5 for Content-MD5 when the payload goes unsigned (HTTPS), and always a CRC32C that later readings of the
    /// part are checked against.
    /// </summary>
    internal sealed class S3PartHash
    {
        private const int BufferSize = 256 * 1024;

        private S3PartHash(long length, byte[]? md5, byte[]? checksum, uint crc32c)
        {
            Length = length;
            Md5 = md5;
            Checksum = checksum;
            Crc32c = crc32c;
        }

        /// <summary>The CRC32C of the bytes as first read.</summary>
        public uint Crc32c { get; }

        public long Length { get; }

        /// <summary>The part's MD5 when it was asked for (Content-MD5, the expected part ETag).</summary>
        public byte[]? Md5 { get; }


        /// <summary>The raw part checksum of the chosen algorithm; null when none is sent.</summary>
        public byte[]? Checksum { get; }

        public string? Md5Base64 => Md5 is null ? null : Convert.ToBase64String(Md5);

        public string? Md5Hex => Md5 is null ? null : Hex.Encode(Md5).ToLowerInvariant();


        public string? ChecksumBase64 => Checksum is null ? null : Convert.ToBase64String(Checksum);

        public static async Task<S3PartHash> ComputeAsync(Stream stream, ChecksumAlgorithm? algorithm, bool md5, CancellationToken cancellationToken)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            bool checksumIsSha256 = algorithm == ChecksumAlgorithm.SHA256;
            using IncrementalHash? md5Hash = md5 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
            using IncrementalHash? sha256 = checksumIsSha256 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
            using IncrementalHash? sha1 = algorithm == ChecksumAlgorithm.SHA1 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA1) : null;
            Crc32 castagnoli = Crc32.CreateCastagnoli();
            Crc32? ieee = algorithm == ChecksumAlgorithm.CRC32 ? Crc32.CreateIeee() : null;
            long length = 0;
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer, 0, BufferSize, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    md5Hash?.AppendData(buffer, 0, read);
                    sha256?.AppendData(buffer, 0, read);
                    sha1?.AppendData(buffer, 0, read);
                    castagnoli.Append(new ReadOnlySpan<byte>(buffer, 0, read));
                    ieee?.Append(new ReadOnlySpan<byte>(buffer, 0, read));
                    length += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            byte[]? checksum = algorithm switch
            {
                ChecksumAlgorithm.SHA256 => sha256!.GetHashAndReset(),
                ChecksumAlgorithm.SHA1 => sha1!.GetHashAndReset(),
                ChecksumAlgorithm.CRC32 => Crc32.ToBigEndianBytes(ieee!.Value),
                ChecksumAlgorithm.CRC32C => Crc32.ToBigEndianBytes(castagnoli.Value),
                _ => null,
            };
            return new S3PartHash(length, md5Hash?.GetHashAndReset(), checksum, castagnoli.Value);
        }
    }
}
