using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace StreamFiles.Core.Progress
{
    /// <summary>
    /// Keeps the running totals of a batch and turns them into ProgressReports on demand. Workers only
    /// touch their item's ByteCounter; everything else happens under one lock at item start and end
    /// and when a host samples, a few times a second.
    /// </summary>
    public sealed class ProgressTracker
    {
        private readonly object _gate = new object();
        private readonly string _activity;
        private readonly bool _keepFinishedRows;
        private readonly List<TrackedItem> _running = new List<TrackedItem>();
        private readonly List<ItemProgressReport> _justFinished = new List<ItemProgressReport>();
        private readonly SortedSet<int> _freeSlots = new SortedSet<int>();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _nextSlot;
        private int _submitted;
        private int _finished;
        private int _failed;
        private int _skipped;
        private bool _inputComplete;
        private long _bytesTotal;
        private long _bytesOfFinished;
        private long _lastSampleBytes;
        private double _lastSampleSeconds;
        private double _rate;

        public ProgressTracker(string activity)
            : this(activity, keepFinishedRows: true)
        {
        }

        /// <param name="activity">What the reports call the batch.</param>
        /// <param name="keepFinishedRows">
        /// False when nobody displays item rows: a finished item then leaves nothing behind, so a batch of
        /// millions of files runs in constant memory.
        /// </param>
        internal ProgressTracker(string activity, bool keepFinishedRows)
        {
            _activity = activity;
            _keepFinishedRows = keepFinishedRows;
        }

        public TrackedItem Start(string name, long? length)
        {
            lock (_gate)
            {
                int slot;
                if (_freeSlots.Count > 0)
                {
                    slot = _freeSlots.Min;
                    _freeSlots.Remove(slot);
                }
                else
                {
                    slot = _nextSlot++;
                }

                var item = new TrackedItem(slot, name, length, _clock.Elapsed);
                _running.Add(item);
                return item;
            }
        }

        /// <summary>Counts an input that will be (or was) processed, with its size when known.</summary>
        public void AddSubmitted(long? length)
        {
            lock (_gate)
            {
                _submitted++;
                _bytesTotal += length ?? 0;
            }
        }

        /// <summary>
        /// Ends an item. A finished file that changed size while it was read sets the total to what it held; a failed one
        /// (<paramref name="failed"/>) leaves it, or a summary says "0 B of 0 B" of a file it did not get through.
        /// </summary>
        public void Finish(TrackedItem item, bool failed = false)
        {
            lock (_gate)
            {
                if (!_running.Remove(item))
                {
                    return;
                }

                _finished++;
                long done = item.Counter.Value;
                _bytesOfFinished += done;

                // A file that changed size while being read: keep the total honest.
                if (!failed && item.Length.HasValue && item.Length.Value != done)
                {
                    _bytesTotal += done - item.Length.Value;
                }

                _freeSlots.Add(item.Slot);
                if (!_keepFinishedRows)
                {
                    return;
                }

                _justFinished.Add(new ItemProgressReport(item.Slot, item.Name, done, item.Length, Rate(item, done), completed: true));
            }
        }

        /// <summary>Counts a finished item (or one that never started) as failed, for the summary.</summary>
        public void CountFailed()
        {
            lock (_gate)
            {
                _failed++;
            }
        }

        /// <summary>Counts a finished item that was left alone (its destination already held it), for the summary.</summary>
        public void CountSkipped()
        {
            lock (_gate)
            {
                _skipped++;
            }
        }

        /// <summary>Counts an input that failed before it started (not found, refused).</summary>
        public void CountFinishedWithoutWork(long? length)
        {
            lock (_gate)
            {
                _finished++;
                _bytesTotal -= length ?? 0;
                if (_bytesTotal < 0)
                {
                    _bytesTotal = 0;
                }
            }
        }

        public void CompleteInput()
        {
            lock (_gate)
            {
                _inputComplete = true;
            }
        }

        /// <summary>
        /// A snapshot. Each finished item appears (Completed) in exactly one report, the next one taken.
        /// </summary>
        public ProgressReport Sample(bool final = false) => Sample(final, takeFinishedRows: true);

        /// <param name="final">The last report of the batch: running items are reported as completed.</param>
        /// <param name="takeFinishedRows">
        /// False for a sample nobody displays row by row (a status line): finished items stay for the next
        /// report that is displayed, so that it can close their rows.
        /// </param>
        internal ProgressReport Sample(bool final, bool takeFinishedRows)
        {
            lock (_gate)
            {
                double now = _clock.Elapsed.TotalSeconds;
                long done = _bytesOfFinished;
                var items = new List<ItemProgressReport>(_running.Count + (takeFinishedRows ? _justFinished.Count : 0));
                if (takeFinishedRows || final)
                {
                    items.AddRange(_justFinished);
                    _justFinished.Clear();
                }

                foreach (TrackedItem item in _running)
                {
                    long itemDone = item.Counter.Value;
                    done += itemDone;
                    items.Add(new ItemProgressReport(item.Slot, item.Name, itemDone, item.Length, Rate(item, itemDone), final));
                }

                double interval = now - _lastSampleSeconds;
                if (interval > 0.05)
                {
                    double instant = (done - _lastSampleBytes) / interval;
                    // Smooth over a few samples so the rate and ETA do not jitter with each read.
                    _rate = _lastSampleSeconds == 0 ? instant : (0.7 * _rate) + (0.3 * instant);
                    _lastSampleBytes = done;
                    _lastSampleSeconds = now;
                }

                if (final && now > 0)
                {
                    _rate = done / now;
                }

                return new ProgressReport(_activity, _submitted, _finished, _inputComplete || final, done, Math.Max(_bytesTotal, done), _rate, items, final, _failed, _skipped);
            }
        }

        private double Rate(TrackedItem item, long done)
        {
            double seconds = (_clock.Elapsed - item.Started).TotalSeconds;
            return seconds > 0.01 ? done / seconds : 0;
        }

        public sealed class TrackedItem
        {
            internal TrackedItem(int slot, string name, long? length, TimeSpan started)
            {
                Slot = slot;
                Name = name;
                Length = length;
                Started = started;
            }

            public int Slot { get; }

            public string Name { get; }

            public long? Length { get; }

            public ByteCounter Counter { get; } = new ByteCounter();

            internal TimeSpan Started { get; }
        }
    }
}
