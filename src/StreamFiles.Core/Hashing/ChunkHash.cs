namespace StreamFiles.Core.Hashing
{
    /// <summary>The digest of one fixed-size chunk of a file: an entry of a hash manifest.</summary>
    public sealed class ChunkHash
    {
        public ChunkHash(int index, long offset, long length, string hash)
        {
            Index = index;
            Offset = offset;
            Length = length;
            Hash = hash;
        }

        public int Index { get; }

        public long Offset { get; }

        public long Length { get; }

        public string Hash { get; }

        public override string ToString() => $"{Index}: {Offset}+{Length} {Hash}";
    }
}
