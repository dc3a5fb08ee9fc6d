using System;

namespace StreamFiles.Core.Storage
{
    /// <summary>A part the destination has accepted: what the resume journal records and CommitAsync assembles.</summary>
    public sealed class PartReceipt
    {
        public PartReceipt(int number, long offset, long length, string? checksum, string? tag = null, bool foundStored = false)
        {
            if (number < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(number), number, "Parts are numbered from 1.");
            }

            Number = number;
            Offset = offset;
            Length = length;
            Checksum = checksum;
            Tag = tag;
            FoundStored = foundStored;
        }

        public int Number { get; }

        public long Offset { get; }

        public long Length { get; }

        /// <summary>The part's checksum as the engine computed it while reading (upper-case hex), if any.</summary>
        public string? Checksum { get; }

        /// <summary>What the backend needs to assemble the object (an S3 part ETag); null for files.</summary>
        public string? Tag { get; }

        /// <summary>
        /// The destination held this part already, from an earlier run whose journal never recorded it (an S3 part
        /// listed by ListParts whose MD5 matched the source's bytes): read again, but not sent.
        /// </summary>
        public bool FoundStored { get; }

        public PartReceipt WithChecksum(string? checksum) => new PartReceipt(Number, Offset, Length, checksum, Tag, FoundStored);

        public PartSpec Spec => new PartSpec(Number, Offset, Length);
    }
}
