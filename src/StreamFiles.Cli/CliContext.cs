using System;
using System.IO;
using System.Threading;

namespace StreamFiles.Cli
{
    /// <summary>What a verb needs from the process: streams, whether stderr is a terminal, cancellation.</summary>
    internal sealed class CliContext
    {
        private readonly Action? _stop;
        private int _outputFailed;

        /// <param name="stop">Stops the work as the first Ctrl+C does (cancels <paramref name="cancellationToken"/>).</param>
        public CliContext(TextWriter output, TextWriter error, bool errorIsTerminal, CancellationToken cancellationToken, Action? stop = null)
        {
            Output = output;
            Error = error;
            ErrorIsTerminal = errorIsTerminal;
            CancellationToken = cancellationToken;
            _stop = stop;
        }

        /// <summary>Whether a write to standard output failed (see StopOnOutputFailure).</summary>
        public bool OutputFailed => Volatile.Read(ref _outputFailed) != 0;

        public TextWriter Output { get; }

        public TextWriter Error { get; }

        public bool ErrorIsTerminal { get; }

        public CancellationToken CancellationToken { get; }

        /// <summary>The exit code once the work was cancelled: 130 for Ctrl+C, or that of the signal that stopped it.</summary>
        public int CancelledExitCode { get; set; } = ExitCodes.Cancelled;

        /// <summary>
        /// A write of a result to standard output failed: its reader has gone (EPIPE: | head -1) or it cannot be written
        /// at all (closed with >&amp;-, a full disk). The work stops as at the first Ctrl+C, so files in flight are
        /// cleaned up (.partial removed, multipart uploads aborted, or both kept with --resume) instead of being
        /// abandoned by a process that ends. The exit code is 141 for a closed pipe, quietly, as coreutils under
        /// SIGPIPE; otherwise 1, with one message. False for an exception that is not a write failure.
        /// </summary>
        public bool StopOnOutputFailure(Exception exception)
        {
            if (!(exception is IOException || exception is UnauthorizedAccessException))
            {
                return false;
            }

            if (Interlocked.Exchange(ref _outputFailed, 1) == 0 && !CancellationToken.IsCancellationRequested)
            {
                if (PipeOutputStream.IsBrokenPipe(exception))
                {
                    CancelledExitCode = ExitCodes.BrokenPipe;
                }
                else
                {
                    CancelledExitCode = ExitCodes.Failed;
                    string why = exception is UnauthorizedAccessException ? "it is closed or not open for writing" : exception.Message.TrimEnd('.');
                    Error.WriteLine($"streamfiles: [WriteError] Cannot write to standard output ({why}): the results from here on are lost, and the work still in progress was stopped. Check where standard output goes.");
                }

                _stop?.Invoke();
            }

            return true;
        }

        public ProgressLine? ProgressLineUnless(bool noProgress) =>
            !noProgress && ErrorIsTerminal ? new ProgressLine(Error) : null;

        public static long ParseSize(string? text, string optionName, long defaultValue)
        {
            if (text is null)
            {
                return defaultValue;
            }

            if (!Core.ByteSize.TryParse(text, out long bytes) || bytes <= 0)
            {
                throw new CliUsageException($"{optionName} '{text}' is not a size. Write bytes (1048576) or a number with KiB, MiB, GiB (8MiB).");
            }

            return bytes;
        }

        /// <summary>
        /// Arguments take any token, so a mistyped option would otherwise be read as a file name. A file
        /// whose name starts with '-' can still be named as ./-name.
        /// </summary>
        public static void RejectUnknownOptions(System.CommandLine.Parsing.ArgumentResult result)
        {
            foreach (System.CommandLine.Parsing.Token token in result.Tokens)
            {
                if (token.Value.Length > 1 && token.Value[0] == '-')
                {
                    result.AddError($"Unknown option '{token.Value}'. To name a file that starts with '-', write ./{token.Value}.");
                }
            }
        }

        /// <summary>The exit code convention of every verb.</summary>
        public int ExitCode(int failed) =>
            CancellationToken.IsCancellationRequested ? CancelledExitCode : failed > 0 ? ExitCodes.Failed : ExitCodes.Success;
    }

    internal static class ExitCodes
    {
        public const int Success = 0;
        public const int Failed = 1;
        public const int Usage = 2;
        public const int Cancelled = 130;
        public const int HungUp = 129;
        public const int BrokenPipe = 141;
        public const int Terminated = 143;
    }
}
