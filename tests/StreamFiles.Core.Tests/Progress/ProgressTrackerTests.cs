using System.Linq;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Tests.Progress
{
    public sealed class ProgressTrackerTests
    {
        [Fact]
        public void Finished_items_are_reported_once_and_free_their_slot()
        {
            var tracker = new ProgressTracker("Test");
            tracker.AddSubmitted(100);
            tracker.AddSubmitted(50);
            ProgressTracker.TrackedItem a = tracker.Start("a", 100);
            ProgressTracker.TrackedItem b = tracker.Start("b", 50);
            a.Counter.Add(100);
            b.Counter.Add(20);
            tracker.Finish(a);

            ProgressReport first = tracker.Sample();
            ProgressReport second = tracker.Sample();

            Assert.Equal(new[] { ("a", true), ("b", false) }, first.Items.Select(i => (i.Name, i.Completed)));
            Assert.Equal(new[] { ("b", false) }, second.Items.Select(i => (i.Name, i.Completed)));
            Assert.Equal(120, first.BytesDone);
            Assert.Equal(150, first.BytesTotal);
            Assert.Equal(0, tracker.Start("c", 1).Slot);
            Assert.Equal(1, first.ItemsFinished);
            Assert.False(first.InputComplete);
        }

        [Fact]
        public void A_file_that_changed_size_while_read_keeps_the_total_honest()
        {
            var tracker = new ProgressTracker("Test");
            tracker.AddSubmitted(100);
            ProgressTracker.TrackedItem item = tracker.Start("grew", 100);
            item.Counter.Add(130);
            tracker.Finish(item);
            tracker.CompleteInput();

            ProgressReport report = tracker.Sample();

            Assert.Equal(130, report.BytesDone);
            Assert.Equal(130, report.BytesTotal);
            Assert.Equal(100, report.PercentComplete);
        }

        [Fact]
        public void Items_refused_before_they_start_leave_the_total()
        {
            var tracker = new ProgressTracker("Test");
            tracker.AddSubmitted(1000);
            tracker.AddSubmitted(10);
            tracker.CountFinishedWithoutWork(1000);
            tracker.CompleteInput();

            ProgressReport report = tracker.Sample();

            Assert.Equal(10, report.BytesTotal);
            Assert.Equal(2, report.ItemsSubmitted);
            Assert.Equal(1, report.ItemsFinished);
        }

        [Fact]
        public void The_final_sample_closes_items_still_running()
        {
            var tracker = new ProgressTracker("Test");
            tracker.AddSubmitted(10);
            tracker.Start("cancelled", 10).Counter.Add(4);

            ProgressReport final = tracker.Sample(final: true);

            Assert.True(final.Completed);
            Assert.True(final.InputComplete);
            Assert.True(Assert.Single(final.Items).Completed);
        }

        [Fact]
        public void Without_a_display_finished_items_leave_nothing_behind()
        {
            var tracker = new ProgressTracker("Test", keepFinishedRows: false);
            for (int i = 0; i < 1000; i++)
            {
                tracker.AddSubmitted(1);
                ProgressTracker.TrackedItem item = tracker.Start("f" + i, 1);
                item.Counter.Add(1);
                tracker.Finish(item);
            }

            ProgressReport report = tracker.Sample(final: true);

            Assert.Empty(report.Items);
            Assert.Equal(1000, report.ItemsFinished);
            Assert.Equal(1000, report.BytesDone);
        }

        [Fact]
        public void A_status_sample_leaves_finished_rows_for_the_next_displayed_report()
        {
            var tracker = new ProgressTracker("Test");
            tracker.AddSubmitted(5);
            ProgressTracker.TrackedItem item = tracker.Start("done", 5);
            item.Counter.Add(5);
            tracker.Finish(item);

            ProgressReport status = tracker.Sample(final: false, takeFinishedRows: false);
            ProgressReport displayed = tracker.Sample();

            Assert.Empty(status.Items);
            Assert.Equal(5, status.BytesDone);
            Assert.Equal("done", Assert.Single(displayed.Items).Name);
        }
    }
}
