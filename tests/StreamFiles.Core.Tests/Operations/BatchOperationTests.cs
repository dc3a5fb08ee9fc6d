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
