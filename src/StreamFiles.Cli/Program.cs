using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace StreamFiles.Cli
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            using var cancel = new CancellationTokenSource();
            // Each result line goes out as it is written: a log (| tee, | jq) follows the work, and a job killed hard keeps the lines of the files it finished.
            var output = new StreamWriter(OpenStandardOutput(), new UTF8Encoding(false), 64 * 1024) { AutoFlush = true, NewLine = "\n" };
            var error = new StreamWriter(new LenientStream(StandardDescriptor.WasOpenAtStart(2) ? Console.OpenStandardError() : Stream.Null), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            var context = new CliContext(output, error, !Console.IsErrorRedirected, cancel.Token, () => cancel.Cancel());

            // The first Ctrl+C (SIGINT), SIGTERM (a CI job's timeout, systemd, docker stop, kill) or SIGHUP (the
            // terminal closed) stops the work cleanly: multipart uploads aborted and .partial files removed, or kept
            // for --resume. The exit code is the shell's for that signal (128 + its number). A second signal ends the
            // process at once, as the runtime's default does, unless it comes within RepeatWindow of the first: GNU
            // timeout signals the command and then its whole process group, and a shell's Ctrl+C can reach a process
            // twice, so one stop often arrives as two (found by a probe: 4 runs in 10 under timeout died at once and
            // left their multipart uploads).
            string? stoppedBy = null;
            var sinceStop = new System.Diagnostics.Stopwatch();
            void StopOn(PosixSignalContext signal, int exitCode)
            {
                if (!cancel.IsCancellationRequested)
                {
                    signal.Cancel = true;
                    stoppedBy = signal.Signal.ToString();
                    context.CancelledExitCode = exitCode;
                    sinceStop.Start();
                    cancel.Cancel();
                    EndIfOutputStuck(error, signal.Signal.ToString(), exitCode);
                }
                else if (sinceStop.IsRunning && sinceStop.Elapsed < RepeatWindow)
                {
                    signal.Cancel = true; // the same stop, delivered twice
                }
            }

            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, s => StopOn(s, ExitCodes.Cancelled));
            using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, s => StopOn(s, ExitCodes.Terminated));
            using PosixSignalRegistration hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, s => StopOn(s, ExitCodes.HungUp));
            if (NotUtf8Argument(args, ReadRawArguments) is int bad)
            {
                error.WriteLine($"streamfiles: [Usage] Argument {bad + 1} ('{args[bad]}') is not valid UTF-8. StreamFiles reads names as UTF-8, and the one .NET would make of it (with U+FFFD for each bad byte) is another name, maybe another file's. Rename the file to a UTF-8 name (convmv does it), then run the command again.");
                return ExitCodes.Usage;
            }

            try
            {
                int exitCode = Run(args, context);
                try
                {
                    output.Flush();
                }
                catch (Exception e) when (context.StopOnOutputFailure(e))
                {
                    exitCode = context.CancelledExitCode;
                }

                if (stoppedBy != null && exitCode == context.CancelledExitCode)
                {
                    // One line for the log of a job that was stopped, which otherwise ends without a word.
                    bool transfer = args.Length > 0 && (args[0] == "send" || args[0] == "receive");
                    error.WriteLine(transfer
                        ? $"streamfiles: [Interrupted] Stopped by {stoppedBy} before all the work was done: nothing unfinished was left under its final name (with --resume, progress is kept for the next run)."
                        : $"streamfiles: [Interrupted] Stopped by {stoppedBy} before all the work was done.");
                }

                return PipeOutputStream.Closed ? ExitCodes.BrokenPipe : exitCode;
            }
            catch (IOException) when (!CurrentDirectoryExists())
            {
                // A relative name in a working directory that was deleted: .NET cannot make it a full path, and the
                // exception ended the process with a stack trace and 134 (a probe); sha256sum and cp say so and exit 1.
                error.WriteLine("streamfiles: [FileNotFound] The current directory no longer exists (it was deleted or moved), so relative names lead nowhere. Change to an existing directory, or name the files by absolute paths.");
                return ExitCodes.Failed;
            }
            catch (IOException e) when (PipeOutputStream.IsBrokenPipe(e))
            {
                // Whoever read standard output has gone (| head): stop, as coreutils do when SIGPIPE ends them, with
                // the shell's code for that, so that a pipeline under pipefail does not pass results that never arrived.
                return ExitCodes.BrokenPipe;
            }
        }

        private static bool CurrentDirectoryExists()
        {
            try
            {
                return Directory.Exists(Directory.GetCurrentDirectory());
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>
        /// After a stop, a write to standard output that its reader does not take (`| sleep 60`: the pipe full, the write
        /// blocked in the kernel, where no stop reaches it) would keep the process alive until the reader goes, for ever
        /// under one that never does (a probe, under `timeout`). Once the write has waited a second after the stop and no
        /// transfer is still cleaning up (a .partial removed, an upload aborted; 30 s at most), the process ends at once
        /// with the stop's exit code, its remaining output dropped, and says so on stderr.
        /// </summary>
        private static void EndIfOutputStuck(TextWriter error, string signal, int exitCode)
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            var watch = new Thread(() =>
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (true)
                {
                    Thread.Sleep(100);
                    if (clock.Elapsed >= OutputGrace && PipeOutputStream.Blocked >= OutputGrace
                        && (StreamFiles.Core.Transfers.TransferEngine.InFlight == 0 || clock.Elapsed >= CleanupLimit))
                    {
                        error.WriteLine($"streamfiles: [Interrupted] Stopped by {signal}; standard output was not being read, so the output from here on was dropped.");
                        error.Flush();
                        ExitNow(exitCode);
                    }
                }
            })
            { IsBackground = true, Name = "streamfiles output watch" };
            watch.Start();
        }

        /// <summary>How long a write to standard output may wait after a stop before the process ends without it.</summary>
        private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(1);

        /// <summary>The longest the transfers' own cleanup is waited for then (a part's 5 s grace, an abort's 10 s, and room).</summary>
        private static readonly TimeSpan CleanupLimit = TimeSpan.FromSeconds(30);

        /// <summary>Ends the process without flushing anything: a flush of standard output would block as the write did.</summary>
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "_exit")]
        private static extern void ExitNow(int status);

        /// <summary>
        /// Standard output, when it is a pipe, a socket or a terminal on Unix, as a stream over its file descriptor: the
        /// console stream .NET gives ignores EPIPE, so output to a closed pipe vanished and the work went on to the end
        /// and exited 0. A regular file keeps the console stream: FileStream would write it at offsets of its own
        /// (pwrite), over what others write through the same descriptor ({ a; streamfiles hash f; b; } > log).
        /// </summary>
        private static Stream OpenStandardOutput()
        {
            if (OperatingSystem.IsWindows())
            {
                return Console.OpenStandardOutput();
            }

            if (!StandardDescriptor.WasOpenAtStart(1))
            {
                return StandardDescriptor.ClosedOutput();
            }

            var descriptor = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle((IntPtr)1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            if (!descriptor.CanSeek)
            {
                return new PipeOutputStream(descriptor);
            }

            descriptor.Dispose();
            return Console.OpenStandardOutput();
        }

        /// <summary>
        /// '--' ends the options, as with other Unix tools (`streamfiles hash -- "$f"` in a script): the names after it
        /// that start with '-' are passed as ./-name, which names the same file, so no check takes them for options.
        /// </summary>
        /// <summary>How soon after a stop a second signal is taken as the same stop rather than a demand to end at once.</summary>
        private static readonly TimeSpan RepeatWindow = TimeSpan.FromSeconds(1);

        internal static string[] EndOfOptions(string[] args)
        {
            int end = Array.IndexOf(args, "--");
            if (end < 0)
            {
                return args;
            }

            var rewritten = new List<string>(args.Length - 1);
            rewritten.AddRange(args.Take(end));
            foreach (string argument in args.Skip(end + 1))
            {
                if (argument.Length > 1 && argument[0] == '-')
                {
                    Rewritten.Add("./" + argument);
                    rewritten.Add("./" + argument);
                }
                else
                {
                    rewritten.Add(argument);
                }
            }

            return rewritten.ToArray();
        }

        /// <summary>The names EndOfOptions passed as ./-name, to be shown as typed (sha256sum -- -w writes "-w").</summary>
        private static readonly HashSet<string> Rewritten = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>A path argument as the user typed it: "-w" for the "./-w" that EndOfOptions made of it.</summary>
        internal static string AsTyped(string argument) => Rewritten.Contains(argument) ? argument.Substring(2) : argument;

        /// <summary>
        /// The arguments as the process got them, from /proc/self/cmdline (Linux); null elsewhere. .NET decodes each as
        /// UTF-8 and puts U+FFFD for bytes that are not: a probe's 'r\xffe' hashed, copied and overwrote 'r\uFFFDe',
        /// another file, with exit 0.
        /// </summary>
        private static IReadOnlyList<byte[]>? ReadRawArguments()
        {
            if (!OperatingSystem.IsLinux())
            {
                return null;
            }

            try
            {
                byte[] all = File.ReadAllBytes("/proc/self/cmdline");
                var raw = new List<byte[]>();
                int start = 0;
                for (int i = 0; i < all.Length; i++)
                {
                    if (all[i] == 0)
                    {
                        raw.Add(all.AsSpan(start, i - start).ToArray());
                        start = i + 1;
                    }
                }

                return raw;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>
        /// The index of the first argument whose bytes are not UTF-8, or null. The raw list, read only when an argument
        /// holds U+FFFD (not at every start), ends with the arguments (it starts with the program, and dotnet's own
        /// arguments when run as 'dotnet streamfiles.dll').
        /// </summary>
        internal static int? NotUtf8Argument(string[] args, Func<IReadOnlyList<byte[]>?> readRaw)
        {
            if (!args.Any(a => a.IndexOf('\uFFFD') >= 0) || !(readRaw() is IReadOnlyList<byte[]> raw) || raw.Count < args.Length)
            {
                return null;
            }

            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            for (int i = 0; i < args.Length; i++)
            {
                try
                {
                    strict.GetString(raw[raw.Count - args.Length + i]);
                }
                catch (DecoderFallbackException)
                {
                    return i;
                }
            }

            return null;
        }

        internal static int Run(string[] args, CliContext context)
        {
            RootCommand root = BuildCommands(() => context);
            // No response files: "@x" is a file named @x, as for cp and sha256sum (a probe: `hash *` hashed the files
            // @x named, and `send x @f dir/` took --force from the file f).
            ParseResult parse = root.Parse(EndOfOptions(args), new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (parse.Errors.Count > 0)
            {
                foreach (string problem in UsageProblems(root, parse))
                {
                    context.Error.WriteLine("streamfiles: [Usage] " + problem);
                }

                string verb = parse.CommandResult.Command == root ? string.Empty : parse.CommandResult.Command.Name + " ";
                context.Error.WriteLine($"Try 'streamfiles {verb}--help' for more information.");
                return ExitCodes.Usage;
            }

            try
            {
                return parse.Invoke(new InvocationConfiguration { Output = context.Output, Error = context.Error, EnableDefaultExceptionHandler = false });
            }
            catch (CliUsageException usage)
            {
                context.Error.WriteLine("streamfiles: [" + usage.Condition + "] " + StreamFiles.Core.Operations.HostWording.ForCli(usage.Message));
                return ExitCodes.Usage;
            }
        }

        /// <summary>
        /// The parser's errors, except that a missing or unknown verb gets one line that lists the verbs: the
        /// parser would say both "Required command was not provided" and "Unrecognized command or argument".
        /// </summary>
        private static IEnumerable<string> UsageProblems(RootCommand root, ParseResult parse)
        {
            if (parse.CommandResult.Command != root)
            {
                Command command = parse.CommandResult.Command;
                string takes = string.Join(" ", command.Arguments.Select(a => a.Name));
                return parse.Errors.Select(e => e.Message.StartsWith("Required argument missing for option", StringComparison.Ordinal)
                    ? $"{e.Message.Substring(e.Message.IndexOf('\'')).TrimEnd('.')} needs a value: 'streamfiles {command.Name} --help' says which."
                    : e.Message.StartsWith("Required argument missing", StringComparison.Ordinal)
                        ? $"'streamfiles {command.Name}' needs {takes}: streamfiles {command.Name} [options] {takes}."
                        : Plain(e.Message, command.Name))
                    .Distinct();
            }

            string verbs = string.Join(", ", root.Subcommands.Select(c => c.Name));
            if (parse.UnmatchedTokens.Count == 0)
            {
                return new[] { $"Name a command first: {verbs}." };
            }

            string first = parse.UnmatchedTokens[0];
            return new[]
            {
                first.StartsWith('-')
                    ? $"Unknown option '{first}'. Name a command first: {verbs}."
                    : $"Unknown command '{first}'. The commands are: {verbs}.",
            };
        }

        /// <summary>The parser's "Cannot parse argument 'x' for option '--n' as expected type 'System.Int32'."</summary>
        private static readonly System.Text.RegularExpressions.Regex NotOfType = new System.Text.RegularExpressions.Regex(
            @"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.$",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.Singleline);

        /// <summary>A parser's message in the user's words: a value of the wrong kind names what it should be, not a .NET type.</summary>
        internal static string Plain(string message, string verb)
        {
            var match = NotOfType.Match(message);
            if (!match.Success)
            {
                return message;
            }

            string option = match.Groups["option"].Value;
            string value = match.Groups["value"].Value;
            string kind = match.Groups["type"].Value == typeof(int).FullName ? "a whole number" : "a value it takes";
            return $"{option} '{value}' is not {kind}; 'streamfiles {verb} --help' gives its range.";
        }

        internal static RootCommand BuildCommands(Func<CliContext> context)
        {
            var root = new RootCommand("streamfiles: hash, copy and transfer large files with constant memory, parallel parts and integrity checks.");
            root.Subcommands.Add(HashCommand.Create(context));
            root.Subcommands.Add(TransferCommand.Create(Core.Operations.TransferDirection.Send, context));
            root.Subcommands.Add(TransferCommand.Create(Core.Operations.TransferDirection.Receive, context));
            root.Subcommands.Add(Base64Command.Create(context));

            // Help is --help, -h or -?, not also "/h" and "/?", which on Linux are paths (a probe: `send -r dir /h`
            // printed the help and exited 0, copying nothing).
            for (int i = 0; i < root.Options.Count; i++)
            {
                if (root.Options[i] is System.CommandLine.Help.HelpOption)
                {
                    root.Options[i] = new System.CommandLine.Help.HelpOption("--help", "-h", "-?") { Recursive = true };
                }
            }

            return root;
        }
    }
}
