using System.Collections.Generic;
using System.Linq;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.Transfers.Support
{
    /// <summary>A host that records everything an operation reports and answers ShouldProcess as told.</summary>
    public sealed class CollectingSink : ICommandSink, IShouldProcessReason
    {
        private readonly bool _approve;
        private readonly System.Func<string, bool>? _answer;
        private readonly bool _whatIf;

        /// <param name="answer">Answers each question ("action: target") instead of approve, as a user at -Confirm would.</param>
        /// <param name="whatIf">Every "no" is -WhatIf's, not the user's.</param>
        public CollectingSink(bool approve = true, System.Func<string, bool>? answer = null, bool whatIf = false)
        {
            _approve = approve;
            _answer = answer;
            _whatIf = whatIf;
        }

        public bool LastAnswerWasWhatIf { get; private set; }

        public bool WhatIfMode => _whatIf;

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
            string question = action + ": " + target;
            Questions.Add(question);
            bool yes = _answer?.Invoke(question) ?? _approve;
            LastAnswerWasWhatIf = !yes && _whatIf;
            return yes;
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
