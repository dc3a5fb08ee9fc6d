using System;
using System.IO;
using System.Threading;

namespace StreamFiles.Cli
{
    /// <summary>What a verb needs from the process: streams, whether stderr is a terminal, cancellation.</summary>
    internal sealed class CliContext
    {
        public CliContext(TextWriter output, TextWriter error, bool errorIsTerminal, CancellationToken cancellationToken)
        {
            Output = output;
            Error = error;
            ErrorIsTerminal = errorIsTerminal;
            CancellationToken = cancellationToken;
        }

        public TextWriter Output { get; }

        public TextWriter Error { get; }

        public bool ErrorIsTerminal { get; }

        public CancellationToken CancellationToken { get; }

        /// <summary>The exit code once the work was cancelled: 130 for Ctrl+C, or that of the signal that stopped it.</summary>
        public int CancelledExitCode { get; set; } = ExitCodes.Cancelled;

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
