using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Tests.Operations
{
    /// <summary>The batch runner itself, with work items that do nothing but finish.</summary>
    public sealed class BatchOperationTests
    {
        [Fact]
        public void No_outcome_is_lost_when_the_last_items_finish_together()
        {
            for (int round = 0; round < 200; round++)
            {
                using var operation = new InstantOperation(new OperationSettings(throttleLimit: 8));
                var sink = new RecordingSink();
                for (int i = 0; i < 16; i++)
                {
                    operation.Submit(i, sink);
                }

                operation.Complete(sink);

                Assert.True(16 == sink.Results.Count(), $"round {round}: {sink.Results.Count()} of 16 results");
            }
        }

        [Fact]
        public void WaitForRunning_writes_the_results_of_the_items_already_running()
        {
            using var release = new ManualResetEventSlim(false);
            using var operation = new GatedOperation(new OperationSettings(throttleLimit: 4), release);
            var sink = new RecordingSink();
            operation.Submit(1, sink);
            operation.Submit(2, sink);
            Assert.Empty(sink.Results);

            // The items finish a little later, while WaitForRunning waits for them.
            _ = Task.Run(async () =>
            {
                await Task.Delay(200);
                release.Set();
            });
            operation.WaitForRunning(sink);
            Assert.Equal(new object[] { 1, 2 }, sink.Results.OrderBy(r => (int)r).ToArray());

            operation.Submit(3, sink); // the operation goes on taking inputs
            operation.Complete(sink);
            Assert.Equal(3, sink.Results.Count());
        }

        [Fact]
        public void When_the_first_error_ends_the_command_the_running_items_results_go_out_before_it()
        {
            using var release = new ManualResetEventSlim(false);
            var settings = new OperationSettings(throttleLimit: 4) { FirstErrorEnds = true };
            using var operation = new GatedOperation(settings, release);
            var sink = new RecordingSink();
            operation.Submit(1, sink);
            _ = Task.Run(async () =>
            {
                await Task.Delay(200);
                release.Set();
            });
            operation.Submit(-2, sink); // refused at once: its error waits for item 1
            operation.Complete(sink);

            int result = sink.Events.FindIndex(e => e is int);
            int error = sink.Events.FindIndex(e => e is CommandError);
            Assert.True(result >= 0 && error > result, string.Join(", ", sink.Events));
        }

        /// <summary>
        /// While the first error waits for the running items to finish (which can take a large file's whole copy), the
        /// progress samples and the status lines go on: they stopped, and a runbook's log looked frozen meanwhile.
        /// </summary>
        [Fact]
        public void While_the_first_error_waits_for_the_running_items_progress_and_status_lines_go_on()
        {
            using var release = new ManualResetEventSlim(false);
            var settings = new OperationSettings(throttleLimit: 4, reportProgress: true, progressInterval: TimeSpan.FromMilliseconds(50), statusInterval: TimeSpan.FromMilliseconds(100)) { FirstErrorEnds = true };
            using var operation = new GatedOperation(settings, release);
            var sink = new RecordingSink();
            operation.Submit(1, sink);
            _ = Task.Run(async () =>
            {
                await Task.Delay(800);
                release.Set();
            });
            operation.Submit(-2, sink); // refused at once: its error waits for item 1, 0.8 s
            int error = sink.Events.FindIndex(e => e is CommandError);
            Assert.True(error > 0, "the error went out before item 1 finished");
            List<object> meanwhile = sink.Events.Take(error).ToList();
            Assert.True(meanwhile.OfType<StreamFiles.Core.Progress.ProgressReport>().Count() >= 5, string.Join(", ", meanwhile));
            Assert.True(meanwhile.OfType<RecordingSink.VerboseLine>().Count(v => v.Text.StartsWith("Gated: ", StringComparison.Ordinal)) >= 3, string.Join(", ", meanwhile));
            operation.Complete(sink);
        }

        [Fact]
        public void Dispose_after_cancellation_waits_for_the_running_items_to_stop()
        {
            using var release = new ManualResetEventSlim(false);
            using var cancellation = new CancellationTokenSource();
            var operation = new GatedOperation(new OperationSettings(throttleLimit: 4), release, cancellation.Token);
            var sink = new RecordingSink();
            operation.Submit(1, sink);
            operation.Submit(2, sink);
            Assert.Equal(2, operation.Running);

            cancellation.Cancel();
            operation.Dispose();
            Assert.Equal(0, operation.Running);
        }

        /// <summary>Items that finish once the gate opens.</summary>
        private sealed class GatedOperation : BatchOperation<int>
        {
            private readonly ManualResetEventSlim _gate;
            private int _running;

            public GatedOperation(OperationSettings settings, ManualResetEventSlim gate, CancellationToken cancellationToken = default)
                : base(settings, "Gated", cancellationToken) => _gate = gate;

            /// <summary>Items whose work has started and not yet ended.</summary>
            public int Running => Volatile.Read(ref _running);

            protected override WorkItem? Prepare(int request, ICommandSink sink)
            {
                if (request < 0)
                {
                    throw new CommandFailureException(new CommandError("Refused", FailureCategory.InvalidArgument, "item", "refused"));
                }

                Interlocked.Increment(ref _running);
                return new WorkItem(request.ToString(System.Globalization.CultureInfo.InvariantCulture), 0, async (counter, token) =>
                {
                    try
                    {
                        await Task.Run(() => _gate.Wait(token), token);
                        return request;
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _running);
                    }
                }, e => new CommandError("Failed", FailureCategory.NotSpecified, "item", e.Message));
            }
        }

        /// <summary>Items that complete as soon as they run, each on its own thread-pool thread.</summary>
        private sealed class InstantOperation : BatchOperation<int>
        {
            public InstantOperation(OperationSettings settings)
                : base(settings, "Instant", CancellationToken.None)
            {
            }

            protected override WorkItem? Prepare(int request, ICommandSink sink) =>
                new WorkItem(request.ToString(System.Globalization.CultureInfo.InvariantCulture), 0, (counter, token) => Task.FromResult<object?>(request), e => throw e);
        }
    }
}
