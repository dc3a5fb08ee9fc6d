using System;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Operations
{
    /// <summary>One unit of a batch, ready to run: validated and approved on the host thread.</summary>
    public sealed class WorkItem
    {
        public WorkItem(
            string name,
            long? length,
            Func<ByteCounter, CancellationToken, Task<object?>> run,
            Func<Exception, CommandError> describeFailure,
            Func<CommandError, object?>? failureResult = null)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Length = length;
            Run = run ?? throw new ArgumentNullException(nameof(run));
            DescribeFailure = describeFailure ?? throw new ArgumentNullException(nameof(describeFailure));
            FailureResult = failureResult;
        }

        /// <summary>What progress displays show (a path, or a redacted URI).</summary>
        public string Name { get; }

        public long? Length { get; }

        /// <summary>Does the work, advancing the counter; returns the result to output, or null for none.</summary>
        public Func<ByteCounter, CancellationToken, Task<object?>> Run { get; }

        /// <summary>Turns an exception from Run into an error for the host.</summary>
        public Func<Exception, CommandError> DescribeFailure { get; }

        /// <summary>Optional: a result to output along with the error when Run fails (a Failed TransferResult).</summary>
        public Func<CommandError, object?>? FailureResult { get; }
    }
}
