using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Tests.Operations
{
    /// <summary>A host that remembers everything it was told, and on which thread.</summary>
    internal sealed class RecordingSink : ICommandSink
    {
        private readonly int _hostThread = Environment.CurrentManagedThreadId;

        public List<object> Events { get; } = new List<object>();

        public IEnumerable<object> Results => Events.Where(e => e is not CommandError && e is not ProgressReport && e is not VerboseLine);

        public IEnumerable<CommandError> Errors => Events.OfType<CommandError>();

        public IEnumerable<ProgressReport> Progress => Events.OfType<ProgressReport>();

        public IEnumerable<string> Verbose => Events.OfType<VerboseLine>().Select(v => v.Text);

        /// <summary>Calls that arrived on some thread other than the one that made the sink.</summary>
        public int ForeignThreadCalls { get; private set; }

        public bool ShouldProcess(string target, string action)
        {
            Record(new VerboseLine("ShouldProcess " + target));
            return true;
        }

        public void WriteResult(object result) => Record(result);

        public void WriteError(CommandError error) => Record(error);

        public void WriteProgress(ProgressReport report) => Record(report);

        public void WriteVerbose(string message) => Record(new VerboseLine(message));

        private void Record(object item)
        {
            StreamFiles.Core.Tests.Support.TestCapture.Sink(item is VerboseLine line ? "verbose" : "event", item is VerboseLine verbose ? verbose.Text : item);
            if (Environment.CurrentManagedThreadId != _hostThread)
            {
                ForeignThreadCalls++;
            }

            Events.Add(item);
        }

        public sealed class VerboseLine
        {
            public VerboseLine(string text) => Text = text;

            public string Text { get; }
        }
    }
}
