using System;

namespace StreamFiles.Core.Operations
{
    /// <summary>How a batch runs and what it reports; validated on construction.</summary>
    public sealed class OperationSettings
    {
        public static readonly TimeSpan DefaultProgressInterval = TimeSpan.FromMilliseconds(300);

        public OperationSettings(
            int throttleLimit,
            bool reportProgress = false,
            TimeSpan? progressInterval = null,
            TimeSpan? statusInterval = null,
            bool orderedOutput = false)
        {
            if (throttleLimit < 1 || throttleLimit > 1024)
            {
                throw new ArgumentOutOfRangeException(nameof(throttleLimit), throttleLimit, "The throttle limit must be between 1 and 1024.");
            }

            TimeSpan interval = progressInterval ?? DefaultProgressInterval;
            if (interval <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(progressInterval), interval, "The progress interval must be positive.");
            }

            if (statusInterval.HasValue && statusInterval.Value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(statusInterval), statusInterval, "The status interval must be positive.");
            }

            ThrottleLimit = throttleLimit;
            ReportProgress = reportProgress;
            ProgressInterval = interval;
            StatusInterval = statusInterval;
            OrderedOutput = orderedOutput;
        }

        /// <summary>Items processed at once.</summary>
        public int ThrottleLimit { get; }

        /// <summary>Whether to build progress reports at all (false: no progress work whatsoever).</summary>
        public bool ReportProgress { get; }

        public TimeSpan ProgressInterval { get; }

        /// <summary>When set, a status line goes to WriteVerbose this often (for logs of unattended runs).</summary>
        public TimeSpan? StatusInterval { get; }

        /// <summary>Emit results and errors in input order rather than as items finish.</summary>
        public bool OrderedOutput { get; }

        /// <summary>
        /// The host ends the command at the first error (PowerShell's -ErrorAction Stop): before an error goes out, the
        /// items still running finish and their results go first, as a command that does one input at a time would
        /// have them (Copy-Item outputs what it copied before the file that failed).
        /// </summary>
        public bool FirstErrorEnds { get; set; }
    }
}
