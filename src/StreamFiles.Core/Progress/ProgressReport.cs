using System;
using System.Collections.Generic;
using System.Globalization;

namespace StreamFiles.Core.Progress
{
    /// <summary>
    /// A snapshot of a batch: one overall view and one entry per item in flight (or just finished).
    /// Hosts render it; the engine never draws anything.
    /// </summary>
    public sealed class ProgressReport
    {
        private const double MaxRemainingSeconds = 365.0 * 24 * 3600;

        internal ProgressReport(
            string activity,
            int itemsSubmitted,
            int itemsFinished,
            bool inputComplete,
            long bytesDone,
            long bytesTotal,
            double bytesPerSecond,
            IReadOnlyList<ItemProgressReport> items,
            bool completed,
            int itemsFailed = 0,
            int itemsSkipped = 0)
        {
            Activity = activity;
            ItemsFailed = itemsFailed;
            ItemsSkipped = itemsSkipped;
            ItemsSubmitted = itemsSubmitted;
            ItemsFinished = itemsFinished;
            InputComplete = inputComplete;
            BytesDone = bytesDone;
            BytesTotal = bytesTotal;
            BytesPerSecond = bytesPerSecond;
            Items = items;
            Completed = completed;
        }

        public string Activity { get; }

        public int ItemsSubmitted { get; }

        /// <summary>Finished items, failed ones included.</summary>
        public int ItemsFinished { get; }

        /// <summary>Of the finished items, those that failed.</summary>
        public int ItemsFailed { get; }

        /// <summary>Of the finished items, those left alone because the destination already held them (-SkipUnchanged).</summary>
        public int ItemsSkipped { get; }

        /// <summary>Whether every input has arrived, so that the totals are final.</summary>
        public bool InputComplete { get; }

        public long BytesDone { get; }

        public long BytesTotal { get; }

        public double BytesPerSecond { get; }

        public IReadOnlyList<ItemProgressReport> Items { get; }

        /// <summary>The last report of the batch: hosts close their progress displays.</summary>
        public bool Completed { get; }

        /// <summary>Only while the totals are final; -1 otherwise (the convention of progress records).</summary>
        public int PercentComplete =>
            InputComplete && BytesTotal > 0 ? (int)Math.Max(0, Math.Min(100, BytesDone * 100 / BytesTotal)) : -1;

        public TimeSpan? Remaining => InputComplete ? TimeLeft(BytesTotal - BytesDone, BytesPerSecond) : null;

        /// <summary>
        /// Bytes left at a rate, or null when that says nothing: no rate yet, or one so low (a stalled
        /// transfer's smoothed rate decays towards zero) that the answer is beyond a year, and beyond
        /// what TimeSpan holds soon after.
        /// </summary>
        internal static TimeSpan? TimeLeft(long bytesLeft, double bytesPerSecond)
        {
            if (bytesLeft < 0 || !(bytesPerSecond > 0))
            {
                return null;
            }

            double seconds = bytesLeft / bytesPerSecond;
            return seconds <= MaxRemainingSeconds ? TimeSpan.FromSeconds(seconds) : null;
        }

        public string StatusText
        {
            get
            {
                TimeSpan? remaining = Remaining;
                return remaining.HasValue ? Summary + ", " + ByteSize.FormatDuration(remaining.Value) + " left" : Summary;
            }
        }

        /// <summary>StatusText without the time left, for hosts that show that themselves (PowerShell's SecondsRemaining).</summary>
        public string Summary
        {
            get
            {
                string files = InputComplete
                    ? string.Format(CultureInfo.InvariantCulture, "{0} of {1} files", ItemsFinished, ItemsSubmitted)
                    : string.Format(CultureInfo.InvariantCulture, "{0} files done", ItemsFinished);
                if (ItemsFailed > 0 && ItemsSkipped > 0)
                {
                    files += string.Format(CultureInfo.InvariantCulture, " ({0} failed, {1} skipped)", ItemsFailed, ItemsSkipped);
                }
                else if (ItemsFailed > 0)
                {
                    files += string.Format(CultureInfo.InvariantCulture, " ({0} failed)", ItemsFailed);
                }
                else if (ItemsSkipped > 0)
                {
                    files += string.Format(CultureInfo.InvariantCulture, " ({0} skipped)", ItemsSkipped);
                }

                string bytes = InputComplete
                    ? ByteSize.Format(BytesDone) + " of " + ByteSize.Format(BytesTotal)
                    : ByteSize.Format(BytesDone);
                return files + ", " + bytes + ", " + ByteSize.FormatRate(BytesPerSecond);
            }
        }
    }

    /// <summary>The progress of one item (a file or object) of a batch.</summary>
    public sealed class ItemProgressReport
    {
        internal ItemProgressReport(int slot, string name, long bytesDone, long? length, double bytesPerSecond, bool completed)
        {
            Slot = slot;
            Name = name;
            BytesDone = bytesDone;
            Length = length;
            BytesPerSecond = bytesPerSecond;
            Completed = completed;
        }

        /// <summary>A small number reused by the item that takes this one's place, for stable display rows.</summary>
        public int Slot { get; }

        public string Name { get; }

        public long BytesDone { get; }

        public long? Length { get; }

        public double BytesPerSecond { get; }

        /// <summary>The item finished since the last report; hosts close its display row.</summary>
        public bool Completed { get; }

        public int PercentComplete =>
            Length.HasValue && Length.Value > 0 ? (int)Math.Max(0, Math.Min(100, BytesDone * 100 / Length.Value)) : -1;

        public TimeSpan? Remaining => Length.HasValue ? ProgressReport.TimeLeft(Length.Value - BytesDone, BytesPerSecond) : null;

        public string StatusText
        {
            get
            {
                TimeSpan? remaining = Remaining;
                return remaining.HasValue ? Summary + ", " + ByteSize.FormatDuration(remaining.Value) + " left" : Summary;
            }
        }

        /// <summary>StatusText without the time left, for hosts that show that themselves (PowerShell's SecondsRemaining).</summary>
        public string Summary =>
            (Length.HasValue ? ByteSize.Format(BytesDone) + " of " + ByteSize.Format(Length.Value) : ByteSize.Format(BytesDone))
            + ", " + ByteSize.FormatRate(BytesPerSecond);
    }
}
