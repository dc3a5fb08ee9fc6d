using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Operations
{
    /// <summary>
    /// What a host (a cmdlet, the command-line tool, a test) receives from an operation. Operations call it
    /// only on the host's own thread: from Submit, Drain and Complete.
    /// </summary>
    public interface ICommandSink
    {
        /// <summary>Asks the user (or -WhatIf/-Confirm) whether to act on a target; false skips it.</summary>
        bool ShouldProcess(string target, string action);

        void WriteResult(object result);

        void WriteError(CommandError error);

        void WriteProgress(ProgressReport report);

        /// <summary>Periodic status lines for logs when there is no progress display.</summary>
        void WriteVerbose(string message);
    }
}
