using System.Collections.Generic;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Tests.Text
{
    /// <summary>An ICommandSink that keeps everything an operation reports, and answers ShouldProcess as told.</summary>
    internal sealed class RecordingSink : ICommandSink
    {
        public RecordingSink(bool approve = true) => Approve = approve;

        public bool Approve { get; set; }

        public List<object> Results { get; } = new List<object>();

        public List<CommandError> Errors { get; } = new List<CommandError>();

        public List<ProgressReport> Progress { get; } = new List<ProgressReport>();

        public List<string> Asked { get; } = new List<string>();

        public List<string> Verbose { get; } = new List<string>();

        public bool ShouldProcess(string target, string action)
        {
            Asked.Add(target);
            return Approve;
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
