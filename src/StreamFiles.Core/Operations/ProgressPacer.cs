using System;
using System.Diagnostics;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Operations
{
    /// <summary>
    /// Progress for operations that do their work on the host's own thread (text streamed to or from the
    /// pipeline): the same reports and pacing BatchOperation.Drain gives a batch, a few a second, with a
    /// status line for logs when asked and a final Completed report.
    /// </summary>
    internal sealed class ProgressPacer
    {
        private readonly OperationSettings _settings;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan? _lastProgress; // null: none yet, so the first tick shows the bar at once
        private TimeSpan _lastStatus;
        private bool _progressShown;
        private bool _closed;

        public ProgressPacer(OperationSettings settings, string activity)
        {
            _settings = settings ?? throw new ArgumentNullException(nameof(settings));
            Tracker = new ProgressTracker(activity, keepFinishedRows: settings.ReportProgress);
        }

        public ProgressTracker Tracker { get; }

        /// <summary>Writes a progress report and a status line when they are due.</summary>
        public void Tick(ICommandSink sink)
        {
            TimeSpan now = _clock.Elapsed;
            bool progressDue = _settings.ReportProgress && (_lastProgress is null || now - _lastProgress.Value >= _settings.ProgressInterval);
            bool statusDue = _settings.StatusInterval.HasValue && now - _lastStatus >= _settings.StatusInterval.Value;
            if (!progressDue && !statusDue)
            {
                return;
            }

            ProgressReport report = Tracker.Sample(final: false, takeFinishedRows: progressDue);
            if (progressDue)
            {
                _lastProgress = now;
                _progressShown = true;
                sink.WriteProgress(report);
            }

            if (statusDue)
            {
                _lastStatus = now;
                Status(sink, report.Activity + ": " + report.StatusText);
            }
        }

        /// <summary>The final report (hosts close their displays); safe to call twice.</summary>
        public void Close(ICommandSink sink)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            Tracker.CompleteInput();
            if (!_progressShown && !_settings.StatusInterval.HasValue)
            {
                return;
            }

            ProgressReport final = Tracker.Sample(final: true);
            if (_progressShown)
            {
                sink.WriteProgress(final);
            }

            if (_settings.StatusInterval.HasValue)
            {
                Status(sink, final.Activity + " finished: " + final.Summary);
            }
        }

        private void Status(ICommandSink sink, string line)
        {
            if (sink is IStatusSink status)
            {
                status.WriteStatus(line, _settings.ReportProgress);
            }
            else
            {
                sink.WriteVerbose(line);
            }
        }
    }
}
