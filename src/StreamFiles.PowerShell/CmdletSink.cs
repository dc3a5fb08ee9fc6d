using System;
using System.Collections.Generic;
using System.Management.Automation;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// Translates what an operation reports into the cmdlet's streams. Called only from the pipeline
    /// thread (BatchOperation guarantees it): results, errors with "&lt;Cmdlet&gt;&lt;Condition&gt;" ids,
    /// one parent progress record with a child per file in flight, verbose status lines.
    /// </summary>
    internal sealed class CmdletSink : ICommandSink, IShouldProcessReason, IWarningSink, IStatusSink
    {
        // At most this many child bars: more would scroll the parent off a console.
        private const int MaxChildRecords = 4;

        private readonly PSCmdlet _cmdlet;
        private readonly string _errorIdPrefix;
        private readonly int _activityId;
        private readonly string _itemActivity;
        private readonly HashSet<int> _openChildren = new HashSet<int>();
        private string? _openParentActivity;

        public CmdletSink(PSCmdlet cmdlet, string errorIdPrefix, int activityId, string itemActivity)
        {
            _cmdlet = cmdlet;
            _errorIdPrefix = errorIdPrefix;
            _activityId = activityId;
            _itemActivity = itemActivity;
            WhatIfMode = cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? flag)
                ? LanguagePrimitives.IsTrue(flag)
                : LanguagePrimitives.IsTrue(cmdlet.SessionState.PSVariable.GetValue("WhatIfPreference"));
        }

        public bool WhatIfMode { get; }

        public bool LastAnswerWasWhatIf { get; private set; }

        /// <summary>
        /// ShouldProcess(target, action) as PowerShell words it (the same text, the default caption and question),
        /// through the overload that says whether a "no" came from -WhatIf.
        /// </summary>
        public bool ShouldProcess(string target, string action)
        {
            string description = string.Format(System.Globalization.CultureInfo.CurrentCulture, "Performing the operation \"{0}\" on target \"{1}\".", action, target);
            bool yes = _cmdlet.ShouldProcess(description, null, null, out ShouldProcessReason reason);
            LastAnswerWasWhatIf = !yes && reason == ShouldProcessReason.WhatIf;
            return yes;
        }

        /// <summary>
        /// Writes a result. A file (-PassThru of the base64 cmdlets) goes out as the FileSystem provider's item, as
        /// Get-Item and Copy-Item -PassThru give it: with PSPath and the rest, so it formats with its directory header
        /// and mode and binds to -LiteralPath downstream.
        /// </summary>
        public void WriteResult(object result)
        {
            if (result is System.IO.FileInfo file)
            {
                System.Collections.ObjectModel.Collection<PSObject>? items = null;
                try
                {
                    items = _cmdlet.InvokeProvider.Item.Get(new[] { file.FullName }, true, true);
                }
                catch (Exception e) when (e is ItemNotFoundException || e is ProviderInvocationException || e is System.IO.IOException || e is UnauthorizedAccessException)
                {
                    // Written as it is below.
                }

                if (items != null && items.Count == 1)
                {
                    _cmdlet.WriteObject(items[0]);
                    return;
                }
            }

            _cmdlet.WriteObject(result is StreamFiles.Core.Transfers.TransferResult transfer ? HostWording.ForPowerShell(transfer) : result);
        }

        public void WriteError(CommandError error) => _cmdlet.WriteError(ToErrorRecord(error, _errorIdPrefix));

        public void WriteVerbose(string message) => _cmdlet.WriteVerbose(HostWording.ForPowerShell(message));

        public void WriteWarning(string message) => _cmdlet.WriteWarning(HostWording.ForPowerShell(message));

        /// <summary>
        /// A status line: verbose, and, with no progress shown, in the information stream too (tags StreamFiles and
        /// Status), where a runbook's or a scheduled task's log gets it without -Verbose, as the issue asked.
        /// </summary>
        public void WriteStatus(string line, bool progressShown)
        {
            string text = HostWording.ForPowerShell(line);
            _cmdlet.WriteVerbose(text);
            if (!progressShown)
            {
                _cmdlet.WriteInformation(text, new[] { "StreamFiles", "Status" });
            }
        }

        public void WriteProgress(ProgressReport report)
        {
            var parent = new ProgressRecord(_activityId, report.Activity, NonEmpty(report.Summary))
            {
                PercentComplete = report.PercentComplete,
                SecondsRemaining = report.Remaining.HasValue ? (int)report.Remaining.Value.TotalSeconds : -1,
                RecordType = report.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };

            // A parent goes before its children while the batch runs (a host that gets a child whose parent it has
            // not seen shows it as a bar of its own), and after them at the end, when each is closed.
            if (!report.Completed)
            {
                _cmdlet.WriteProgress(parent);
                _openParentActivity = report.Activity;
            }

            foreach (ItemProgressReport item in report.Items)
            {
                if (item.Slot >= MaxChildRecords)
                {
                    continue;
                }

                int childId = _activityId + 1 + item.Slot;
                bool close = item.Completed || report.Completed;
                if (close && !_openChildren.Contains(childId))
                {
                    continue;
                }

                var child = new ProgressRecord(childId, _itemActivity + " " + item.Name, NonEmpty(item.Summary))
                {
                    ParentActivityId = _activityId,
                    PercentComplete = item.PercentComplete,
                    SecondsRemaining = item.Remaining.HasValue ? (int)item.Remaining.Value.TotalSeconds : -1,
                    RecordType = close ? ProgressRecordType.Completed : ProgressRecordType.Processing,
                };
                if (close)
                {
                    _openChildren.Remove(childId);
                }
                else
                {
                    _openChildren.Add(childId);
                }

                _cmdlet.WriteProgress(child);
            }

            if (report.Completed)
            {
                _openParentActivity = null;
                // Children the final report did not mention (already finished) are closed too.
                foreach (int childId in _openChildren)
                {
                    _cmdlet.WriteProgress(new ProgressRecord(childId, _itemActivity, "Done") { ParentActivityId = _activityId, RecordType = ProgressRecordType.Completed });
                }

                _openChildren.Clear();
                _cmdlet.WriteProgress(parent);
            }
        }

        /// <summary>
        /// Closes the records still open when the command ends early (-ErrorAction Stop on an item's error, a
        /// terminating error): the operation's own final report never comes then, and a bar left open would stay
        /// on the screen or in the captured progress stream. Called while the failure propagates, so it never throws.
        /// </summary>
        public void CloseOpenProgress()
        {
            try
            {
                foreach (int childId in _openChildren)
                {
                    _cmdlet.WriteProgress(new ProgressRecord(childId, _itemActivity, "Stopped") { ParentActivityId = _activityId, RecordType = ProgressRecordType.Completed });
                }

                _openChildren.Clear();
                if (_openParentActivity != null)
                {
                    string activity = _openParentActivity;
                    _openParentActivity = null;
                    _cmdlet.WriteProgress(new ProgressRecord(_activityId, activity, "Stopped") { RecordType = ProgressRecordType.Completed });
                }
            }
            catch (Exception)
            {
                // The pipeline is stopping (Ctrl+C) and takes no more records; the error on its way out matters more.
            }
        }

        internal static ErrorRecord ToErrorRecord(CommandError error, string errorIdPrefix)
        {
            error = HostWording.ForPowerShell(error);
            var category = (ErrorCategory)Enum.Parse(typeof(ErrorCategory), error.Category.ToString());
            return error.Category == FailureCategory.ObjectNotFound
                ? RecordedItemNotFoundException.Record(error.Message, new CommandFailureException(error), errorIdPrefix + error.Condition, category, error.Target)
                : new ErrorRecord(ExceptionFor(error), errorIdPrefix + error.Condition, category, error.Target);
        }

        /// <summary>
        /// The exception PowerShell's own cmdlets use for the category, so `catch [ItemNotFoundException]` and Pester's
        /// -ExceptionType work as with Get-FileHash and Copy-Item: ItemNotFoundException for a missing source (made by
        /// ToErrorRecord, with the record inside it: RecordedItemNotFoundException), UnauthorizedAccessException for a refusal, IOException for a destination that exists; and FormatException,
        /// as [Convert]::FromBase64String throws, for text that is not base64. The condition stays in the inner
        /// CommandFailureException (and in the error id).
        /// </summary>
        private static Exception ExceptionFor(CommandError error)
        {
            var failure = new CommandFailureException(error);
            switch (error.Category)
            {
                case FailureCategory.PermissionDenied:
                    return new UnauthorizedAccessException(error.Message, failure);
                case FailureCategory.ResourceExists:
                    return new System.IO.IOException(error.Message, failure);
                case FailureCategory.InvalidData when error.Condition == "InvalidData":
                    return new FormatException(error.Message, failure);
                case FailureCategory.InvalidArgument when error.Condition == "NotFileSystemPath":
                    // A -Path of another provider, now a failed item with a result too: still the ArgumentException it
                    // was when the cmdlet wrote it itself (about_StreamFiles; a probe saw the change).
                    return new ArgumentException(error.Message, failure);
                default:
                    return failure;
            }
        }

        private static string NonEmpty(string text) => string.IsNullOrEmpty(text) ? " " : text;
    }
}
