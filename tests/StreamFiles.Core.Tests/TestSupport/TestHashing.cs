using System.Collections.Generic;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;

namespace StreamFiles.Core.Tests.TestSupport
{
    internal static class TestHashing
    {
        public static Task<FileHashResult> HashFileAsync(string path, long chunkSize, int bufferSize, bool includeChunkHashes, params ChecksumAlgorithm[] algorithms) =>
            new ChunkedHasher(new HashSettings(algorithms, chunkSize, includeChunkHashes, bufferSize)).HashFileAsync(path);

        public static Task<FileHashResult> HashFileAsync(string path, params ChecksumAlgorithm[] algorithms) =>
            new ChunkedHasher(new HashSettings(algorithms)).HashFileAsync(path);

        /// <summary>The coreutils tool that computes each algorithm it has.</summary>
        public static IReadOnlyDictionary<ChecksumAlgorithm, string> CoreutilsTools { get; } = new Dictionary<ChecksumAlgorithm, string>
        {
            [ChecksumAlgorithm.SHA256] = "sha256sum",
            [ChecksumAlgorithm.SHA1] = "sha1sum",
            [ChecksumAlgorithm.SHA384] = "sha384sum",
            [ChecksumAlgorithm.SHA512] = "sha512sum",
            [ChecksumAlgorithm.MD5] = "md5sum",
        };
    }
}
