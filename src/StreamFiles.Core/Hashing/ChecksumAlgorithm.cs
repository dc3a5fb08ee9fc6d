using System;
using System.Collections.Generic;
using System.Linq;

namespace StreamFiles.Core.Hashing
{
    /// <summary>The digests StreamFiles computes. The member names are the names users type.</summary>
    public enum ChecksumAlgorithm
    {
        SHA256,
        SHA1,
        SHA384,
        SHA512,
        MD5,
        CRC32,
        CRC32C,
        /// <summary>CRC-64/NVME: what Amazon S3 keeps for every object uploaded without a checksum of its own.</summary>
        CRC64NVME,
        /// <summary>The ETag an S3 store reports for an object uploaded in parts of a given size.</summary>
        S3ETag,
    }

    public static class ChecksumAlgorithms
    {
        public static IReadOnlyList<ChecksumAlgorithm> All { get; } =
            (ChecksumAlgorithm[])Enum.GetValues(typeof(ChecksumAlgorithm));

        /// <summary>Parses a name in any letter case ("sha256", "SHA256", "s3etag").</summary>
        public static bool TryParse(string? name, out ChecksumAlgorithm algorithm)
        {
            algorithm = default;
            if (string.IsNullOrWhiteSpace(name))
            {
                return false;
            }

            foreach (ChecksumAlgorithm candidate in All)
            {
                if (string.Equals(candidate.ToString(), name!.Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    algorithm = candidate;
                    return true;
                }
            }

            return false;
        }

        /// <summary>Parses a comma-separated list such as "sha256,md5"; duplicates are dropped, order is kept.</summary>
        public static IReadOnlyList<ChecksumAlgorithm> ParseList(string list)
        {
            var result = new List<ChecksumAlgorithm>();
            foreach (string part in list.Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (!TryParse(part, out ChecksumAlgorithm algorithm))
                {
                    throw new ArgumentException(
                        $"Unknown algorithm '{part.Trim()}'. Use one or more of: {string.Join(", ", All.Select(CliName))}.");
                }

                if (!result.Contains(algorithm))
                {
                    result.Add(algorithm);
                }
            }

            if (result.Count == 0)
            {
                throw new ArgumentException("No algorithm given. Use one or more of: " + string.Join(", ", All.Select(CliName)) + ".");
            }

            return result;
        }

        /// <summary>The lower-case spelling the command-line tool and JSON output use.</summary>
        public static string CliName(this ChecksumAlgorithm algorithm) =>
            algorithm.ToString().ToLowerInvariant();
    }
}
