using System;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Tests.Progress
{
    public sealed class ProgressReportTests
    {
        private static ProgressReport Report(long done, long total, double rate, bool inputComplete = true, int submitted = 4, int finished = 3) =>
            new ProgressReport("Hashing files", submitted, finished, inputComplete, done, total, rate, Array.Empty<ItemProgressReport>(), completed: false);

        [Theory]
        [InlineData(0, 200, 0)]
        [InlineData(50, 200, 25)]
        [InlineData(199, 200, 99)]   // truncated: 100 only when all is done
        [InlineData(200, 200, 100)]
        [InlineData(300, 200, 100)]  // a file that grew while read
        [InlineData(0, 0, -1)]       // nothing to measure against
        public void Percent_of_a_complete_input(long done, long total, int expected) =>
            Assert.Equal(expected, Report(done, total, 1).PercentComplete);

        [Fact]
        public void Percent_and_remaining_are_unknown_while_inputs_still_arrive()
        {
            ProgressReport report = Report(50, 200, 10, inputComplete: false);

            Assert.Equal(-1, report.PercentComplete);
            Assert.Null(report.Remaining);
            Assert.Equal("3 files done, 50 B, 10 B/s", report.StatusText);
        }

        /// <summary>
        /// The summary says how many of the finished files failed (the verbose "finished: 3 of 3 files" of a run where
        /// two failed read as a success), and leaves out the time left, which PowerShell shows itself.
        /// </summary>
        [Fact]
        public void The_summary_counts_failures_and_leaves_the_time_left_to_the_host()
        {
            var report = new ProgressReport("Sending files", 3, 3, true, 1000, 1000, 100, Array.Empty<ItemProgressReport>(), completed: true, itemsFailed: 2);
            Assert.Equal("3 of 3 files (2 failed), 1000 B of 1000 B, 100 B/s", report.Summary);
            var skipped = new ProgressReport("Sending files", 3, 3, true, 1000, 1000, 100, Array.Empty<ItemProgressReport>(), completed: true, itemsSkipped: 3);
            Assert.Equal("3 of 3 files (3 skipped), 1000 B of 1000 B, 100 B/s", skipped.Summary);

            ProgressReport running = Report(1L << 20, 3L << 20, 1L << 20);
            Assert.Equal("3 of 4 files, 1.00 MiB of 3.00 MiB, 1.00 MiB/s", running.Summary);
            Assert.EndsWith(", 0:02 left", running.StatusText, StringComparison.Ordinal);
        }

        [Fact]
        public void Remaining_is_what_is_left_at_the_current_rate()
        {
            ProgressReport report = Report(1L << 20, 3L << 20, 1L << 20);

            Assert.Equal(TimeSpan.FromSeconds(2), report.Remaining);
            Assert.Equal("3 of 4 files, 1.00 MiB of 3.00 MiB, 1.00 MiB/s, 0:02 left", report.StatusText);
        }

        [Fact]
        public void Remaining_is_unknown_without_a_rate()
        {
            Assert.Null(Report(10, 100, 0).Remaining);
            Assert.Null(Report(10, 100, double.NaN).Remaining);
            Assert.Equal("3 of 4 files, 10 B of 100 B, 0 B/s", Report(10, 100, 0).StatusText);
        }

        [Theory]
        [InlineData(1e-3)]
        [InlineData(1e-300)]
        [InlineData(double.Epsilon)]
        public void A_stalled_transfer_does_not_break_the_status_line(double rate)
        {
            // The smoothed rate of a stalled transfer decays towards zero without reaching it.
            ProgressReport report = Report(0, 1L << 40, rate);

            Assert.Null(report.Remaining);
            Assert.Equal("3 of 4 files, 0 B of 1.00 TiB, 0 B/s", report.StatusText);
        }

        [Fact]
        public void Hours_are_written_out_in_the_remaining_time()
        {
            ProgressReport report = Report(0, 3L * 3600 * 1000 + 61_000, 1000);

            Assert.Equal(TimeSpan.FromSeconds((3 * 3600) + 61), report.Remaining);
            Assert.EndsWith(", 3:01:01 left", report.StatusText);
        }

        [Fact]
        public void Item_rows_have_their_own_percent_and_remaining()
        {
            var known = new ItemProgressReport(0, "a.bin", 25, 100, 5, completed: false);
            var unknown = new ItemProgressReport(1, "stdin", 25, null, 5, completed: false);
            var stalled = new ItemProgressReport(2, "b.bin", 0, 1L << 40, 1e-300, completed: false);

            Assert.Equal(25, known.PercentComplete);
            Assert.Equal(TimeSpan.FromSeconds(15), known.Remaining);
            Assert.Equal("25 B of 100 B, 5 B/s, 0:15 left", known.StatusText);
            Assert.Equal(-1, unknown.PercentComplete);
            Assert.Null(unknown.Remaining);
            Assert.Equal("25 B, 5 B/s", unknown.StatusText);
            Assert.Null(stalled.Remaining);
            Assert.Equal("0 B of 1.00 TiB, 0 B/s", stalled.StatusText);
        }
    }
}
