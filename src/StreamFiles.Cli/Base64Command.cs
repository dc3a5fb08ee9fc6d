using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Text;

namespace StreamFiles.Cli
{
    /// <summary>
    /// `streamfiles base64`: the command-line face of Base64Operation. The output is byte for byte what
    /// coreutils `base64 -w 0` writes (or `base64 -w N` with --wrap N); an output file appears only when
    /// complete (it is written as OUTPUT.partial and renamed).
    /// </summary>
    internal static class Base64Command
    {
        private const string StandardStream = "-";

        /// <summary>No OUTPUT, "-" and /dev/stdout all mean standard output (the last is no file to replace).</summary>
        private static string StandardOutputOr(string? output) =>
            output is null || output == "/dev/stdout" ? StandardStream : output;

        public static Command Create(Func<CliContext> context)
        {
            var decode = new Option<bool>("--decode", "-d") { Description = "Decode base64 text to bytes (whitespace and line breaks are skipped)." };
            var wrap = new Option<int>("--wrap", "-w")
            {
                Description = "Break encoded lines after N characters (at most 1048576), as `base64 -w N` does (default 0: one line, no final newline). Decoding reads any line layout.",
                HelpName = "N",
                DefaultValueFactory = _ => 0,
            };
            var urlSafe = new Option<bool>("--url-safe") { Description = "The URL-safe alphabet of RFC 4648 section 5 ('-' and '_'), written without '=' padding; decoding accepts it with or without." };
            var noProgress = new Option<bool>("--no-progress") { Description = "No progress line on stderr." };
            var input = new Argument<string>("INPUT")
            {
                // As coreutils base64: no INPUT reads standard input (`tar c dir | streamfiles base64`).
                // No default value here, as for hash's PATH: none given is taken for standard input below.
                Arity = ArgumentArity.ZeroOrOne,
                Description = "The file to read, or - for standard input (the default).",
            };
            input.Validators.Add(CliContext.RejectUnknownOptions);
            var output = new Argument<string?>("OUTPUT")
            {
                Arity = ArgumentArity.ZeroOrOne,
                Description = "The file to write (replaced only when complete), or - for standard output (the default).",
            };
            output.Validators.Add(CliContext.RejectUnknownOptions);

            var command = new Command("base64", "Encode a file to base64 text or decode it back, with constant memory.")
            {
                decode, wrap, urlSafe, noProgress, input, output,
            };
            // --wrap with --decode is taken and has nothing to do, as in coreutils (a script's `base64 -d -w 0` runs as
            // it does there; it was a usage error, a probe found).
            command.SetAction(parse => Run(
                context(),
                parse.GetValue(decode),
                parse.GetValue(wrap),
                parse.GetValue(urlSafe),
                parse.GetValue(noProgress),
                parse.GetValue(input) ?? StandardStream,
                StandardOutputOr(parse.GetValue(output))));
            return command;
        }

        private static int Run(CliContext context, bool decode, int wrap, bool urlSafe, bool noProgress, string input, string output)
        {
            if (wrap < 0 || wrap > Base64Format.MaxLineLength)
            {
                // A bad value, as --concurrency 0 is ([InvalidArgument]); one that is no number at all stays the parser's [Usage].
                throw new CliUsageException($"--wrap must be between 0 and {Base64Format.MaxLineLength}; 0 writes one line.");
            }

            var format = new Base64Format(wrap, urlSafe);
            Stream? standardInput = input == StandardStream ? StopableInput.Standard(context.CancellationToken) : null;
            Stream? standardOutput = output == StandardStream ? OpenStandardOutput(context) : null;

            // A named pipe or device (`base64 <(cmd) >(cmd)`, /dev/stdin, /dev/null) is read or written as a stream, as
            // coreutils reads and writes it, never replaced by a file of that name; its open waits for the other end, so
            // a stop reaches it (see StopableInput.OpenAsync).
            bool inputIsPipe = standardInput is null && IsPipeOrDevice(input);
            try
            {
                if (inputIsPipe)
                {
                    standardInput = StopableInput.OpenAsync(input, context.CancellationToken).GetAwaiter().GetResult();
                }

                if (standardOutput is null && IsPipeOrDevice(output))
                {
                    standardOutput = Task.Run(() => (Stream)new FileStream(output, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1), CancellationToken.None)
                        .WaitAsync(context.CancellationToken).GetAwaiter().GetResult();
                }
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                return context.ExitCode(0);
            }
            catch (Exception e) when (e is UnauthorizedAccessException || e is IOException)
            {
                // A FIFO or device this user may not open (a probe: a stack trace and exit 134), said as hash says it.
                bool reading = inputIsPipe && standardInput is null;
                new CliSink(_ => { }, context.Error, null).WriteError(Core.Operations.FileErrors.Describe(e, reading ? input : output, writing: !reading));
                return ExitCodes.Failed;
            }

            // Text going to the terminal itself would be torn up by a progress line on the same screen.
            ProgressLine? progress = context.ProgressLineUnless(noProgress || (standardOutput != null && !Console.IsOutputRedirected));
            var settings = new OperationSettings(1, reportProgress: progress != null);
            var sink = new CliSink(_ => { }, context.Error, progress);
            var request = new Base64Request(
                standardInput is null ? input : input == StandardStream ? "standard input" : input,
                standardOutput is null ? output : output == StandardStream ? "standard output" : output,
                explicitInput: true,
                standardInput,
                standardOutput);

            using var operation = new Base64Operation(decode ? Base64Direction.Decode : Base64Direction.Encode, format, settings, context.CancellationToken);
            operation.Submit(request, sink);
            operation.Complete(sink);
            return context.ExitCode(operation.FailedCount);
        }

        private static bool IsPipeOrDevice(string path) =>
            Core.Files.SpecialFile.KindOf(path) is string kind && kind != Core.Files.SpecialFile.Socket;

        /// <summary>The bytes under the context's stdout writer: base64 text goes out as is, decoded data is binary.</summary>
        private static Stream OpenStandardOutput(CliContext context)
        {
            context.Output.Flush();
            return context.Output is StreamWriter writer ? writer.BaseStream : Console.OpenStandardOutput();
        }
    }
}
