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

        /// <summary>Items that finish once the gate opens.</summary>
        private sealed class GatedOperation : BatchOperation<int>
        {
            private readonly ManualResetEventSlim _gate;

            public GatedOperation(OperationSettings settings, ManualResetEventSlim gate)
                : base(settings, "Gated", CancellationToken.None) => _gate = gate;

            protected override WorkItem? Prepare(int request, ICommandSink sink) =>
                new WorkItem(request.ToString(System.Globalization.CultureInfo.InvariantCulture), 0, async (counter, token) =>
                {
                    await Task.Run(() => _gate.Wait(token), token);
                    return request;
                }, e => throw e);
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
