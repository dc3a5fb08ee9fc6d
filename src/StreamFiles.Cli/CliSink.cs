using System;
using System.IO;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;

namespace StreamFiles.Cli
{
    /// <summary>
    /// The command-line host's side of an operation: results through a verb-specific writer on stdout,
    /// errors named on stderr, progress as one self-overwriting line on stderr when it is a terminal.
    /// </summary>
    internal sealed class CliSink : ICommandSink, IWarningSink
    {
        private readonly Action<object> _writeResult;
        private readonly TextWriter _error;
        private readonly ProgressLine? _progress;
        private readonly bool _verbose;
        private readonly Action<CommandError>? _writeFailure;
        private readonly CliContext? _context;

        /// <param name="writeFailure">
        /// Also writes each error as a result line (hash --json: one object per file named, failed or not); send and
        /// receive need none, as their failed files come as results already.
        /// </param>
        public CliSink(Action<object> writeResult, TextWriter error, ProgressLine? progress, bool verbose = false, Action<CommandError>? writeFailure = null, CliContext? context = null)
        {
            _context = context;
            _writeResult = writeResult;
            _error = error;
            _progress = progress;
            _verbose = verbose;
            _writeFailure = writeFailure;
        }

        /// <summary>
        /// Conditions that are the configuration's, not a file's: a region, endpoint or profile from the environment or a
        /// config file that cannot work. They fail every S3 file alike, so each message is shown once, and the run exits
        /// 2 as for the same mistake in an option (--region 'eu west 1').
        /// </summary>
        private static readonly System.Collections.Generic.HashSet<string> ConfigurationConditions =
            new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal) { "InvalidRegion", "InvalidEndpointUrl", "S3ProfileNotFound" };

        private readonly System.Collections.Generic.HashSet<string> _shownConfigurationErrors = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);

        public int Errors { get; private set; }

        /// <summary>Whether an error was the configuration's (see ConfigurationConditions): the exit code is then 2.</summary>
        public bool ConfigurationFailed => _shownConfigurationErrors.Count > 0;

        public bool ShouldProcess(string target, string action) => true;

        public void WriteResult(object result)
        {
            _progress?.Clear();
            if (_context?.OutputFailed == true)
            {
                return;
            }

            try
            {
                _writeResult(result);
            }
            catch (Exception e) when (_context != null && _context.StopOnOutputFailure(e))
            {
                // The work stops (see StopOnOutputFailure); the results still to come have nowhere to go.
            }
        }

        public void WriteError(CommandError error)
        {
            Errors++;
            if (PipeOutputStream.Closed)
            {
                return; // the reader of standard output has gone: the process ends quietly with 141
            }

            _progress?.Clear();
            bool repeated = ConfigurationConditions.Contains(error.Condition) && !_shownConfigurationErrors.Add(error.Condition + " " + error.Message);

            // The id first, in brackets, so scripts can tell conditions apart as the cmdlets' error ids do.
            if (!repeated)
            {
                _error.WriteLine("streamfiles: [" + error.Condition + "] " + HostWording.ForCli(error.Message));
            }

            if (_writeFailure is null || _context?.OutputFailed == true)
            {
                return;
            }

            try
            {
                _writeFailure(error);
            }
            catch (Exception e) when (_context != null && _context.StopOnOutputFailure(e))
            {
                // As for a result.
            }
        }

        public void WriteProgress(ProgressReport report) => _progress?.Show(report);

        public void WriteWarning(string message)
        {
            _progress?.Clear();
            _error.WriteLine("streamfiles: warning: " + HostWording.ForCli(message));
        }

        public void WriteVerbose(string message)
        {
            if (_verbose)
            {
                _progress?.Clear();
                _error.WriteLine(HostWording.ForCli(message));
            }
        }
    }

    /// <summary>One status line on a terminal, rewritten in place.</summary>
    internal sealed class ProgressLine
    {
        private readonly TextWriter _terminal;
        private int _shown;

        public ProgressLine(TextWriter terminal) => _terminal = terminal;

        public void Show(ProgressReport report)
        {
            if (report.Completed)
            {
                Clear();
                return;
            }

            string line = report.Activity + ": " + report.StatusText;
            int width = SafeWidth();
            if (line.Length > width)
            {
                line = line.Substring(0, width);
            }

            _terminal.Write("\r" + line.PadRight(_shown));
            _shown = line.Length;
            _terminal.Flush();
        }

        public void Clear()
        {
            if (_shown == 0)
            {
                return;
            }

            _terminal.Write("\r" + new string(' ', _shown) + "\r");
            _terminal.Flush();
            _shown = 0;
        }

        private static int SafeWidth()
        {
            try
            {
                int width = Console.WindowWidth - 1;
                return width > 20 ? width : 79;
            }
            catch (IOException)
            {
                return 79;
            }
        }
    }
}
