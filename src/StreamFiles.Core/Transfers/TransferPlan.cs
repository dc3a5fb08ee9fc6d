using System;
using System.Globalization;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Transfers
{
    /// <summary>
    /// How one object moves: in one request or in parts, and how big the parts are. A pure decision (see
    /// Plan) kept apart from the mechanism that carries it out, so it can be tested on its own.
    /// </summary>
    public sealed class TransferPlan
    {
        public const long DefaultPartSize = 8L * 1024 * 1024;

        /// <summary>What S3 allows; the planner keeps every backend to it so one plan fits all.</summary>
        public const int MaxPartCount = 10_000;

        private const long PartSizeGranule = 1024 * 1024;

        private TransferPlan(long? length, long partSize, int partCount, bool sequential)
        {
            Length = length;
            PartSize = partSize;
            PartCount = partCount;
            Sequential = sequential;
        }

        /// <summary>Null when the source did not say how long it is: one part, read to the end.</summary>
        public long? Length { get; }

        public long PartSize { get; }

        public int PartCount { get; }

        /// <summary>The source is read front to back through one stream (it cannot serve ranges).</summary>
        public bool Sequential { get; }

        public bool IsSingleRequest => PartCount == 1;

        public PartSpec Part(int number)
        {
            if (number < 1 || number > PartCount)
            {
                throw new ArgumentOutOfRangeException(nameof(number), number, "No such part.");
            }

            if (!Length.HasValue)
            {
                return new PartSpec(1, 0, -1);
            }

            long offset = (number - 1) * PartSize;
            return new PartSpec(number, offset, Math.Min(PartSize, Length.Value - offset));
        }

        /// <summary>
        /// Chooses the parts: requestedPartSize (default 8 MiB) raised to the destination's minimum, then grown in
        /// whole MiB until the object fits in 10,000 parts (or the destination's maximum); a source without
        /// ranges is read sequentially.
        /// </summary>
        public static TransferPlan Plan(long? length, long? requestedPartSize, PartLimits limits, bool sourceSupportsRanges)
        {
            if (limits is null)
            {
                throw new ArgumentNullException(nameof(limits));
            }

            long partSize = requestedPartSize ?? DefaultPartSize;
            if (partSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(requestedPartSize), requestedPartSize, "The part size must be positive.");
            }

            if (!length.HasValue)
            {
                return new TransferPlan(null, partSize, 1, sequential: true);
            }

            if (length.Value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(length), length, "The length cannot be negative.");
            }

            partSize = Math.Max(partSize, limits.MinPartSize);
            int maxParts = Math.Min(limits.MaxParts, MaxPartCount);
            if (length.Value > partSize * maxParts)
            {
                long needed = (length.Value + maxParts - 1) / maxParts;
                partSize = (needed + PartSizeGranule - 1) / PartSizeGranule * PartSizeGranule;
            }

            if (partSize > limits.MaxPartSize && maxParts > 1)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(length),
                    length,
                    string.Format(CultureInfo.InvariantCulture, "{0} does not fit the destination's limit of {1} parts of at most {2}.", ByteSize.Format(length.Value), maxParts, ByteSize.Format(limits.MaxPartSize)));
            }

            int count = length.Value == 0 ? 1 : (int)((length.Value + partSize - 1) / partSize);
            if (count == 1)
            {
                partSize = Math.Max(length.Value, 1);
            }

            return new TransferPlan(length, partSize, count, sequential: !sourceSupportsRanges);
        }

        public override string ToString() =>
            IsSingleRequest ? "single request" : string.Format(CultureInfo.InvariantCulture, "{0} parts of {1}", PartCount, ByteSize.Format(PartSize));
    }
}
