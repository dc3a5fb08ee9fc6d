using System;

namespace StreamFiles.Core.Storage
{
    /// <summary>What part sizes and counts a backend's writers accept (S3: 5 MiB to 5 GiB, at most 10,000 parts).</summary>
    public sealed class PartLimits
    {
        public PartLimits(long minPartSize, long maxPartSize, int maxParts)
        {
            if (minPartSize < 1 || maxPartSize < minPartSize)
            {
                throw new ArgumentOutOfRangeException(nameof(minPartSize), "Part size limits must be positive and ordered.");
            }

            if (maxParts < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxParts), maxParts, "At least one part is needed.");
            }

            MinPartSize = minPartSize;
            MaxPartSize = maxPartSize;
            MaxParts = maxParts;
        }

        /// <summary>Files: any size, any number of parts (the planner still keeps to 10,000).</summary>
        public static PartLimits Unlimited { get; } = new PartLimits(1, long.MaxValue, int.MaxValue);

        /// <summary>A backend that takes the whole object in one request (an HTTP PUT).</summary>
        public static PartLimits SingleRequest { get; } = new PartLimits(1, long.MaxValue, 1);

        /// <summary>Smallest size of every part but the last.</summary>
        public long MinPartSize { get; }

        public long MaxPartSize { get; }

        public int MaxParts { get; }
    }
}
