using System.Collections.Generic;
using System.Linq;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.Transfers.Support
{
    /// <summary>A host that records everything an operation reports and answers ShouldProcess as told.</summary>
    public sealed class CollectingSink : ICommandSink
    {
        private readonly bool _approve;

        public CollectingSink(bool approve = true) => _approve = approve;

        public List<object> Results { get; } = new List<object>();

        public List<CommandError> Errors { get; } = new List<CommandError>();

        public List<string> Questions { get; } = new List<string>();

        public List<ProgressReport> Progress { get; } = new List<ProgressReport>();

        public List<string> Verbose { get; } = new List<string>();

        /// <summary>The most buffers the operation's memory budget had leased at once.</summary>
        public int PeakBuffers { get; set; }

        public IReadOnlyList<TransferResult> Transfers => Results.OfType<TransferResult>().ToList();

        public bool ShouldProcess(string target, string action)
        {
            Questions.Add(action + ": " + target);
            return _approve;
        }

        public void WriteResult(object result)
        {
            StreamFiles.Core.Tests.Support.TestCapture.Sink("result", result);
            Results.Add(result);
        }

        public void WriteError(CommandError error)
        {
            StreamFiles.Core.Tests.Support.TestCapture.Sink("error", error);
            Errors.Add(error);
        }

        public void WriteProgress(ProgressReport report)
        {
            StreamFiles.Core.Tests.Support.TestCapture.Sink("progress", report);
            Progress.Add(report);
        }

        public void WriteVerbose(string message)
        {
            StreamFiles.Core.Tests.Support.TestCapture.Record("sink verbose", message);
            Verbose.Add(message);
        }
    }
}
