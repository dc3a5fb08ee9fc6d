using System;
using System.Collections.Generic;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// The hash of one file. Algorithm, Hash and Path match Get-FileHash's output so it can stand in for it;
    /// Hashes carries every requested algorithm and Chunks the manifest when asked.
    /// </summary>
    public sealed class FileHashResult
    {
        public FileHashResult(string path, ChecksumAlgorithm primary, HashDigests digests, long? chunkSize, TimeSpan duration)
        {
            Path = path;
            Algorithm = primary.ToString();
            Hash = digests[primary];
            Length = digests.Length;
            Hashes = digests.Hashes;
            Chunks = digests.Chunks;
            ChunkSize = chunkSize;
            Duration = duration;
        }

        public string Algorithm { get; }

        public string Hash { get; }

        public string Path { get; }

        public long Length { get; }

        public IReadOnlyDictionary<string, string> Hashes { get; }

        public long? ChunkSize { get; }

        public IReadOnlyList<ChunkHash>? Chunks { get; }

        public TimeSpan Duration { get; }

        public override string ToString() => $"{Algorithm} {Hash} {Path}";
    }
}
