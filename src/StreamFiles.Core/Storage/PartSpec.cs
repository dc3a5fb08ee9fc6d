using System.Globalization;

namespace StreamFiles.Core.Storage
{
    /// <summary>One part of a transfer: numbered from 1 as S3 numbers them.</summary>
    public readonly struct PartSpec
    {
        public PartSpec(int number, long offset, long length)
        {
            Number = number;
            Offset = offset;
            Length = length;
        }

        public int Number { get; }

        public long Offset { get; }

        public long Length { get; }

        public long End => Offset + Length;

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "part {0} (bytes {1}-{2})", Number, Offset, End - 1);
    }
}
