using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using StreamFiles.Core.Hashing;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>ETags and checksums as S3 spells them: quoted ETags, base64 checksums, "-N" multipart suffixes.</summary>
    public static class S3Tags
    {
        public static string Quote(string etag) => etag.StartsWith("\"", StringComparison.Ordinal) ? etag : "\"" + etag + "\"";

        /// <summary>The ETag without quotes, in lower case as S3 writes it (null stays null).</summary>
        public static string? Unquote(string? etag) => etag?.Trim().Trim('"').ToLowerInvariant();

        /// <summary>An ETag that is a hex MD5 (a part's, or a single PUT's without SSE-KMS), unquoted.</summary>
        public static bool IsMd5(string? etag) =>
            etag != null && etag.Length == 32 && etag.All(c => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));

        /// <summary>The number of parts an ETag says the object was uploaded in ("…-N"), or null for a single PUT.</summary>
        public static int? PartCount(string? etag)
        {
            string? tag = Unquote(etag);
            int dash = tag?.LastIndexOf('-') ?? -1;
            if (dash < 0)
            {
                return null;
            }

            return int.TryParse(tag!.Substring(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count > 0 ? count : (int?)null;
        }

        /// <summary>The multipart ETag of parts whose own ETags (hex MD5s) are given: md5(md5₁‖…‖md5ₙ)-n.</summary>
        public static string MultipartETag(IReadOnlyList<string> partETags)
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            foreach (string part in partETags)
            {
                md5.AppendData(FromHex(Unquote(part)!));
            }

            return Hex.Encode(md5.GetHashAndReset()).ToLowerInvariant() + "-" + partETags.Count.ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>S3's composite checksum of a multipart object: checksum(c₁‖…‖cₙ)-n over the parts' raw checksums.</summary>
        public static string CompositeChecksum(ChecksumAlgorithm algorithm, IReadOnlyList<byte[]> partChecksums) =>
            Convert.ToBase64String(CompositeDigest(algorithm, partChecksums)) + "-" + partChecksums.Count.ToString(CultureInfo.InvariantCulture);

        /// <summary>The raw checksum(c₁‖…‖cₙ) of a composite, without its encoding or its "-n".</summary>
        public static byte[] CompositeDigest(ChecksumAlgorithm algorithm, IReadOnlyList<byte[]> partChecksums)
        {
            byte[] whole;
            if (algorithm == ChecksumAlgorithm.CRC32C || algorithm == ChecksumAlgorithm.CRC32)
            {
                var crc = algorithm == ChecksumAlgorithm.CRC32C ? Crc32.CreateCastagnoli() : Crc32.CreateIeee();
                foreach (byte[] part in partChecksums)
                {
                    crc.Append(part);
                }

                whole = Crc32.ToBigEndianBytes(crc.Value);
            }
            else
            {
                using var hash = IncrementalHash.CreateHash(algorithm == ChecksumAlgorithm.SHA256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1);
                foreach (byte[] part in partChecksums)
                {
                    hash.AppendData(part);
                }

                whole = hash.GetHashAndReset();
            }

            return whole;
        }
    

        /// <summary>Bytes of a hex string (an MD5 ETag); throws FormatException for anything else.</summary>
        public static byte[] FromHex(string hex)
        {
            if (hex.Length % 2 != 0)
            {
                throw new FormatException($"'{hex}' is not a hex digest.");
            }

            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = byte.Parse(hex.Substring(i * 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            }

            return bytes;
        }
    }
}
