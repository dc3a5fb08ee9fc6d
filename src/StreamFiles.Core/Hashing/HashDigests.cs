using System;
using System.Collections.Generic;

namespace StreamFiles.Core.Hashing
{
    /// <summary>What a MultiHasher produced for one stream.</summary>
    public sealed class HashDigests
    {
        internal HashDigests(long length, IReadOnlyDictionary<string, string> hashes, IReadOnlyList<ChunkHash>? chunks)
        {
            Length = length;
            Hashes = hashes;
            Chunks = chunks;
        }

        public long Length { get; }

        /// <summary>Upper-case hex digests keyed by algorithm name (any letter case looks up).</summary>
        public IReadOnlyDictionary<string, string> Hashes { get; }

        public IReadOnlyList<ChunkHash>? Chunks { get; }

        public string this[ChecksumAlgorithm algorithm] => Hashes[algorithm.ToString()];

        internal static Dictionary<string, string> NewTable() => new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    }
}
