using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using StreamFiles.Core.Resume;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Tests.Transfers.Support;

namespace StreamFiles.Core.Tests.Cli
{
    /// <summary>`streamfiles send|receive` as a user runs them: real processes, content checked with cmp and sha256sum.</summary>
    public sealed class TransferCommandTests : IDisposable
    {
        private const int MiB = 1024 * 1024;
        private readonly TempDirectory _dir = new TempDirectory();

        public void Dispose() => _dir.Dispose();

        /// <summary>
        /// The copy's .partial is made readable by its owner only, in the very call that makes it (the system's own
        /// record of the call, strace, is the witness): made with the default mode and changed once open, a 0600
        /// source's copy was readable by others while its blocks were reserved (a probe read it whole as another user).
        /// </summary>
        [StraceFact]
        public void APartialIsMadeOwnerOnlyInTheCallThatMakesIt()
        {
            _dir.RandomFile("secret.bin", 3 * MiB);
            string cli = ProcessRunner.CliCommandLine();
            ProcessRunner.Shell($"chmod 600 secret.bin && strace -f -e trace=openat -o trace.txt {cli} send --no-progress secret.bin copy.bin", _dir.Path);

            string create = Assert.Single(File.ReadAllLines(_dir.File("trace.txt")), line => line.Contains("copy.bin.partial\"", StringComparison.Ordinal) && line.Contains("O_CREAT", StringComparison.Ordinal));
            Assert.EndsWith(", 0600) = " + create.Substring(create.LastIndexOf(" = ", StringComparison.Ordinal) + 3), create, StringComparison.Ordinal);
            Assert.Equal("600", ProcessRunner.Shell("stat -c %a copy.bin", _dir.Path).Trim());
            Assert.True(Coreutils.Same(_dir.File("secret.bin"), _dir.File("copy.bin")));
        }

        /// <summary>
        /// A pipe given by the kernel's name for it (/dev/stdin, /dev/fd/N) is refused as the FIFO it is, as a named FIFO
        /// is (a probe: "Cannot find the source", since its link reads "pipe:[N]"); a file given as /dev/stdin is copied.
        /// </summary>
        [Fact]
        public void APipeGivenAsDevStdinIsNotARegularFileAndAFileGivenSoIsCopied()
        {
            _dir.RandomFile("in.bin", 1000);
            string cli = ProcessRunner.CliCommandLine();
            string said = ProcessRunner.Shell($"cat in.bin | {{ {cli} send --no-progress /dev/stdin piped.bin 2>&1; echo \"exit $?\"; }}; {cli} send --no-progress /dev/stdin file.bin < in.bin >/dev/null; echo \"exit $?\"", _dir.Path);

            Assert.Contains("[NotARegularFile] '/dev/stdin' is a FIFO", said, StringComparison.Ordinal);
            Assert.Equal(new[] { "exit 1", "exit 0" }, said.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => line.StartsWith("exit ", StringComparison.Ordinal)));
            Assert.False(File.Exists(_dir.File("piped.bin")));
            Assert.True(Coreutils.Same(_dir.File("in.bin"), _dir.File("file.bin")));
        }

        [Fact]
        public void SendCopiesAFileAndSaysSo()
        {
            _dir.RandomFile("a.bin", 3 * MiB + 1);
            var run = ProcessRunner.Streamfiles(_dir.Path, "send", "a.bin", "b.bin");
            Assert.Equal(0, run.ExitCode);
            Assert.Equal(string.Empty, run.Error);
            Assert.StartsWith("completed " + _dir.File("a.bin") + " -> " + _dir.File("b.bin"), run.Output, StringComparison.Ordinal);
            Assert.True(Coreutils.Same(_dir.File("a.bin"), _dir.File("b.bin")));
        }

        /// <summary>Upload options a local copy does not use are named in one warning each; the copy still happens.</summary>
        [Fact]
        public void HttpUploadOptionsForALocalDestinationAreNamedAsIgnored()
        {
            _dir.RandomFile("a.bin", 10);
            var run = ProcessRunner.Streamfiles(_dir.Path, "send", "--content-type", "text/plain", "--header", "X-A: b", "a.bin", "b.bin");
            Assert.Equal(0, run.ExitCode);
            string[] warnings = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, warnings.Length);
            Assert.Equal("streamfiles: warning: --header applies to uploads to http(s):// URLs; it is ignored for " + _dir.File("b.bin") + ".", warnings[0]);
            Assert.Equal("streamfiles: warning: --content-type applies to uploads to http(s):// URLs and s3:// locations; it is ignored for " + _dir.File("b.bin") + ".", warnings[1]);
            Assert.True(Coreutils.Same(_dir.File("a.bin"), _dir.File("b.bin")));
        }

        /// <summary>
        /// A FIFO in a tree is passed over (opening it for reading waited for a writer forever, deaf to the first
        /// signal), and one named on its own is NotARegularFile to send (hash reads it); a file whose name is not valid
        /// UTF-8 is that file's error instead of an unhandled exception (exit 134) that left .partial files behind.
        /// </summary>
        [Fact]
        [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
        public void FifosAreNotReadAndAnUnreadableNameIsOneFilesError()
        {
            Directory.CreateDirectory(_dir.File("tree/sub"));
            _dir.RandomFile("tree/a.bin", 10, seed: 1);
            _dir.RandomFile("tree/big.bin", 3 * MiB, seed: 2);
            ProcessRunner.Shell("mkfifo tree/pipe && bash -c \"echo bad > tree/sub/$'\\xff' && mkdir tree/d$'\\xfe' && echo in > tree/d$'\\xfe'/inner\"", _dir.Path);

            var sent = ProcessRunner.Run(ProcessRunner.Cli().FileName, ProcessRunner.Cli("send", "--json", "-r", "tree", "out").Arguments, _dir.Path, timeout: TimeSpan.FromSeconds(60));
            Assert.Equal(1, sent.ExitCode);
            Assert.DoesNotContain("Unhandled exception", sent.Error, StringComparison.Ordinal);
            Assert.Contains("[SourceNotFound]", sent.Error, StringComparison.Ordinal);
            Assert.Equal(2, sent.Error.Split('\n').Count(l => l.StartsWith("streamfiles: [SourceNotFound] ", StringComparison.Ordinal) && l.Contains("not valid UTF-8", StringComparison.Ordinal))); // the file, and the directory (it was passed over silently)
            Assert.True(Coreutils.Same(_dir.File("tree/a.bin"), _dir.File("out/a.bin")));
            Assert.True(Coreutils.Same(_dir.File("tree/big.bin"), _dir.File("out/big.bin")));
            Assert.False(File.Exists(_dir.File("out/pipe")));
            Assert.Empty(Directory.GetFiles(_dir.File("out"), "*.partial", SearchOption.AllDirectories));

            var alone = ProcessRunner.Run(ProcessRunner.Cli().FileName, ProcessRunner.Cli("send", "tree/pipe", "copy").Arguments, _dir.Path, timeout: TimeSpan.FromSeconds(60));
            Assert.Equal(1, alone.ExitCode);
            Assert.StartsWith("streamfiles: [NotARegularFile] ", alone.Error, StringComparison.Ordinal);
            Assert.Contains("is a FIFO (named pipe), not a regular file", alone.Error, StringComparison.Ordinal);
            Assert.Contains("Copy what it holds into a regular file first.", alone.Error, StringComparison.Ordinal); // not a hint to pipe it to hash
            Assert.False(File.Exists(_dir.File("copy")));

            // hash reads a FIFO named on its own front to back, as sha256sum does: a process substitution, or a named
            // pipe with a writer. (Without a writer it waits for one, as sha256sum and cat do.)
            string expected = ProcessRunner.Shell("printf abc | sha256sum", _dir.Path).Split(' ')[0];
            string hashed = ProcessRunner.Shell("bash -c '(printf abc > tree/pipe &); " + ProcessRunner.CliCommandLine() + " hash tree/pipe; " + ProcessRunner.CliCommandLine() + " hash <(printf abc)'", _dir.Path);
            Assert.Equal(expected + "  tree/pipe\n" + expected + "  /dev/fd/63\n", System.Text.RegularExpressions.Regex.Replace(hashed, "/dev/fd/[0-9]+", "/dev/fd/63"));
        }

        /// <summary>
        /// Each verb's help lists what applies to it: --part-checksum (what uploaded parts carry) only under send; receive
        /// still accepts it, so a script that passes the same options to both keeps working.
        /// </summary>
        [Fact]
        public void ReceiveHelpLeavesOutTheUploadPartChecksum()
        {
            var send = ProcessRunner.Streamfiles(_dir.Path, "send", "--help");
            var receive = ProcessRunner.Streamfiles(_dir.Path, "receive", "--help");
            Assert.Equal(0, send.ExitCode);
            Assert.Equal(0, receive.ExitCode);
            Assert.Contains("--part-checksum", send.Output, StringComparison.Ordinal);
            Assert.Contains("--checksum-mode", receive.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("--part-checksum", receive.Output, StringComparison.Ordinal);

            _dir.RandomFile("a.bin", 10);
            Assert.Equal(0, ProcessRunner.Streamfiles(_dir.Path, "receive", "--part-checksum", "sha256", "a.bin", "b.bin").ExitCode);
        }

        /// <summary>receive's --header for a local (or s3://) source is named as ignored once, as send names it for its destination.</summary>
        [Fact]
        public void AnHttpOptionForANonHttpSourceIsNamedAsIgnored()
        {
            _dir.RandomFile("a.bin", 10);
            var run = ProcessRunner.Streamfiles(_dir.Path, "receive", "--header", "X-A: b", "a.bin", "b.bin");
            Assert.Equal(0, run.ExitCode);
            Assert.Equal("streamfiles: warning: --header applies to downloads from http(s):// URLs; it is ignored for " + _dir.File("a.bin") + ".", run.Error.Trim());
            Assert.True(Coreutils.Same(_dir.File("a.bin"), _dir.File("b.bin")));
        }

        [Fact]
        public void SeveralSourcesGoIntoANewDirectoryWithoutATrailingSlash()
        {
            _dir.RandomFile("a.bin", 10, seed: 1);
            _dir.RandomFile("b.bin", 20, seed: 2);
            var run = ProcessRunner.Streamfiles(_dir.Path, "send", "a.bin", "b.bin", "backup");
            Assert.Equal(0, run.ExitCode);
            Assert.Equal(string.Empty, run.Error);
            Assert.True(Coreutils.Same(_dir.File("a.bin"), _dir.File("backup/a.bin")));
            Assert.True(Coreutils.Same(_dir.File("b.bin"), _dir.File("backup/b.bin")));
        }

        [Fact]
        public void JsonHasOneObjectPerFileWithTheHash()
        {
            _dir.RandomFile("a.bin", 2 * MiB);
            _dir.RandomFile("b c.bin", 10);
            var run = ProcessRunner.Streamfiles(_dir.Path, "send", "--json", "--checksum", "sha256", "--verify", "a.bin", "b c.bin", "out/");
            Assert.Equal(0, run.ExitCode);
            var lines = run.Output.TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement).OrderBy(e => e.GetProperty("source").GetString(), StringComparer.Ordinal).ToList();
            Assert.Equal(2, lines.Count);
            JsonElement a = lines[0];
            Assert.Equal(_dir.File("a.bin"), a.GetProperty("source").GetString());
            Assert.Equal(_dir.File("out/a.bin"), a.GetProperty("destination").GetString());
            Assert.Equal("completed", a.GetProperty("status").GetString());
            Assert.Equal(2 * MiB, a.GetProperty("length").GetInt64());
            Assert.Equal("sha256", a.GetProperty("algorithm").GetString());
            Assert.Equal(Coreutils.Sha256Sum(_dir.File("a.bin")).ToLowerInvariant(), a.GetProperty("hash").GetString());
            Assert.True(a.GetProperty("verified").GetBoolean());
            Assert.Equal(1, a.GetProperty("attempts").GetInt32());
            Assert.True(Coreutils.Same(_dir.File("b c.bin"), _dir.File("out/b c.bin")));
        }

        /// <summary>A missing destination names what the verb takes and its own help (it said "Required argument missing for command: 'send'" and pointed at the top-level help).</summary>
        [Fact]
        public void AMissingDestinationNamesTheArgumentsAndTheVerbsHelp()
        {
            _dir.RandomFile("a.bin", 10);
            var run = ProcessRunner.Streamfiles(_dir.Path, "send", "a.bin");

            Assert.Equal(2, run.ExitCode);
            Assert.Contains("[Usage] 'streamfiles send' needs SOURCE... DESTINATION", run.Error, StringComparison.Ordinal);
            Assert.Contains("Try 'streamfiles send --help'", run.Error, StringComparison.Ordinal);

            // An option without its value says so, not that the arguments are missing (a probe: `hash -a` said "needs PATH").
            var option = ProcessRunner.Streamfiles(_dir.Path, "hash", "a.bin", "-a");
            Assert.Equal(2, option.ExitCode);
            Assert.Contains("[Usage] '-a' needs a value", option.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("needs PATH", option.Error, StringComparison.Ordinal);
        }

        [Fact]
        public void AFailedFileExitsWithOneAndTheBatchGoesOn()
        {
            _dir.RandomFile("a.bin", 10, seed: 1);
            _dir.RandomFile("b.bin", 10, seed: 2);
            Directory.CreateDirectory(_dir.File("out"));
            File.WriteAllText(_dir.File("out/a.bin"), "older");

            var run = ProcessRunner.Streamfiles(_dir.Path, "send", "--json", "a.bin", "missing.bin", "b.bin", "out");

            Assert.Equal(1, run.ExitCode);
            var results = run.Output.TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(3, results.Count);
            JsonElement exists = results.Single(r => r.GetProperty("source").GetString() == _dir.File("a.bin"));
            Assert.Equal("failed", exists.GetProperty("status").GetString());
            Assert.Equal("DestinationExists", exists.GetProperty("error").GetProperty("condition").GetString());
            Assert.Equal("ResourceExists", exists.GetProperty("error").GetProperty("category").GetString());
            Assert.Equal(_dir.File("out/a.bin"), exists.GetProperty("error").GetProperty("target").GetString()); // as the cmdlets' Error.Target (a probe)
            JsonElement missing = results.Single(r => r.GetProperty("source").GetString() == _dir.File("missing.bin")).GetProperty("error");
            Assert.Equal("SourceNotFound", missing.GetProperty("condition").GetString());
            Assert.Equal(_dir.File("missing.bin"), missing.GetProperty("target").GetString());
            Assert.Equal("completed", results.Single(r => r.GetProperty("source").GetString() == _dir.File("b.bin")).GetProperty("status").GetString());
            Assert.Equal("older", File.ReadAllText(_dir.File("out/a.bin")));
            Assert.Contains("already exists", run.Error, StringComparison.Ordinal);
            Assert.Contains("Cannot find the source", run.Error, StringComparison.Ordinal);

            // The fix in the shell's words, on standard error and in the JSON: --force, not the cmdlets' -Force.
            string message = exists.GetProperty("error").GetProperty("message").GetString()!;
            Assert.Contains("Add --force to overwrite it", message, StringComparison.Ordinal);
            Assert.DoesNotContain("-Force", message, StringComparison.Ordinal);
            Assert.Contains("Add --force to overwrite it", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("-Force", run.Error, StringComparison.Ordinal);
        }

        /// <summary>
        /// A missing name with wildcard characters: the CLI takes names literally (the shell expands patterns), so the
        /// message must not send its user to PowerShell's -LiteralPath.
        /// </summary>
        [Fact]
        public void AMissingNameWithBracketsGetsNoPowerShellAdvice()
        {
            var run = ProcessRunner.Streamfiles(_dir.Path, "send", "miss[1]*.bin", "out/");

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("Cannot find the source '" + _dir.File("miss[1]*.bin") + "'. Check the path.", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("LiteralPath", run.Error, StringComparison.Ordinal);
        }

        /// <summary>
        /// Standard output that goes away or cannot be written, while a large file is still being copied: the work stops
        /// as at Ctrl+C, so nothing is left half-written (no .partial), instead of the process ending at once with the
        /// copy abandoned (| head, exit 141) or with an unhandled exception (>&amp;-, exit 134). Closed standard error
        /// (2>&amp;-) must not crash it either.
        /// </summary>
        [Fact]
        public void OutputThatGoesAwayStopsTheWorkCleanly()
        {
            _dir.RandomFile("small.bin", 10);
            _dir.RandomFile("big.bin", 200 * MiB);
            // sha512 in 1 MiB parts, one at a time, keeps the big copy going well after the small one's result line.
            string send = ProcessRunner.CliCommandLine() + " send --json --checksum sha512 --concurrency 1 --part-size 1MiB small.bin big.bin";

            // The reader exits without reading: the first result line meets a closed pipe (EPIPE).
            string piped = ProcessRunner.Shell("bash -c '" + send + " piped/ 2>piped.err | true; echo ${PIPESTATUS[0]}'", _dir.Path);
            Assert.Equal("141\n", piped);
            Assert.Equal(string.Empty, File.ReadAllText(_dir.File("piped.err")));
            Assert.False(File.Exists(_dir.File("piped/big.bin.partial")));
            Assert.False(File.Exists(_dir.File("piped/big.bin")));
            Assert.True(Coreutils.Same(_dir.File("small.bin"), _dir.File("piped/small.bin")));

            // Standard output closed: one message on standard error, exit 1.
            string closed = ProcessRunner.Shell("bash -c '" + send + " closed/ >&- 2>closed.err; echo $?'", _dir.Path);
            Assert.Equal("1\n", closed);
            Assert.StartsWith("streamfiles: [WriteError] Cannot write to standard output", File.ReadAllText(_dir.File("closed.err")), StringComparison.Ordinal);
            Assert.False(File.Exists(_dir.File("closed/big.bin.partial")));
            Assert.False(File.Exists(_dir.File("closed/big.bin")));

            // Standard error closed: the messages are lost, the run is not.
            string quiet = ProcessRunner.Shell("bash -c '" + ProcessRunner.CliCommandLine() + " send missing.bin small.bin quiet/ 2>&-; echo $?'", _dir.Path);
            Assert.EndsWith("1\n", quiet, StringComparison.Ordinal);
            Assert.True(Coreutils.Same(_dir.File("small.bin"), _dir.File("quiet/small.bin")));
        }

        [Fact]
        public void SkippedFilesExitWithZero()
        {
            _dir.RandomFile("a.bin", 1000);
            File.Copy(_dir.File("a.bin"), _dir.File("b.bin"));
            var run = ProcessRunner.Streamfiles(_dir.Path, "send", "--skip-unchanged", "a.bin", "b.bin");
            Assert.Equal(0, run.ExitCode);
            Assert.StartsWith("skipped ", run.Output, StringComparison.Ordinal);
            Assert.Contains("same size and CRC32C", run.Output, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("send", "a.bin")]
        [InlineData("send", "--checksum", "sha3", "a.bin", "b")]
        [InlineData("send", "--compare", "size", "a.bin", "b")]
        [InlineData("send", "--part-size", "1KiB", "a.bin", "b")]
        [InlineData("send", "--part-size", "lots", "a.bin", "b")]
        [InlineData("send", "--max-memory", "100TiB", "a.bin", "b")]
        [InlineData("send", "--max-memory", "17GiB", "a.bin", "b")]
        [InlineData("send", "--concurrency", "0", "a.bin", "b")]
        [InlineData("send", "--bogus", "a.bin", "b")]
        [InlineData("send", "a.bin", "s3:/bucket")]
        [InlineData("send", "a.bin", "ftp://host/x")]
        [InlineData("receive", "a.bin", "s3://bucket/x")]
        public void UsageErrorsExitWithTwo(params string[] arguments)
        {
            _dir.RandomFile("a.bin", 10);
            var run = ProcessRunner.Streamfiles(_dir.Path, arguments);
            Assert.Equal(2, run.ExitCode);
            Assert.StartsWith("streamfiles: ", run.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(_dir.File("b")));
        }

        /// <summary>--recurse too: the cmdlets' -Recurse, which PowerShell users type.</summary>
        [Theory]
        [InlineData("--recursive")]
        [InlineData("--recurse")]
        public void ReceiveRecursiveKeepsTheLayout(string recursive)
        {
            Directory.CreateDirectory(_dir.File("tree/x/y"));
            _dir.RandomFile("tree/x/y/deep ☃.bin", 5000);
            _dir.RandomFile("tree/top.bin", 7000);
            var run = ProcessRunner.Streamfiles(_dir.Path, "receive", recursive, "--no-progress", "tree", "copy");
            Assert.Equal(0, run.ExitCode);
            Assert.True(Coreutils.SameTree(_dir.File("tree"), _dir.File("copy")));
        }

        [Fact]
        public void SendRecursiveRecreatesEmptyDirectories()
        {
            Directory.CreateDirectory(_dir.File("tree/empty"));
            _dir.RandomFile("tree/a.bin", 3000);
            Directory.CreateDirectory(_dir.File("tree/deeper/still empty"));
            var run = ProcessRunner.Streamfiles(_dir.Path, "send", "--recursive", "--no-progress", "--json", "tree", "copy");
            Assert.Equal(0, run.ExitCode);
            Assert.Single(run.Output.TrimEnd('\n').Split('\n')); // one result per file; directories are just made
            Assert.True(Directory.Exists(_dir.File("copy/empty")));
            Assert.True(Directory.Exists(_dir.File("copy/deeper/still empty")));
            Assert.True(Coreutils.SameTree(_dir.File("tree"), _dir.File("copy")));
        }

        /// <summary>
        /// The process is killed (SIGKILL, no cleanup) in the middle of a transfer with --resume; the rerun
        /// continues from the journal instead of starting over, and the result is byte-identical.
        /// </summary>
        [Fact]
        public void AKilledTransferResumesInANewProcess()
        {
            // Large enough that a quiet machine cannot finish it before the journal lists two parts and the kill lands
            // (384 MiB once did: local copies go by copy_file_range and journal in batches).
            const long sizeMiB = 1024;
            string source = _dir.RandomFile("big.bin", sizeMiB * MiB);
            string destination = _dir.File("copy.bin");
            string[] arguments = { "send", "--resume", "--no-progress", "--checksum", "sha512", "--concurrency", "1", "--part-size", "1MiB", "big.bin", "copy.bin" };

            ProcessStartInfo start = ProcessRunner.CliStart(_dir.Path, arguments);

            using (Process child = Process.Start(start)!)
            {
                var clock = Stopwatch.StartNew();
                while (!child.HasExited && PartsInJournal(destination) < 2 && clock.Elapsed < TimeSpan.FromSeconds(60))
                {
                    Thread.Sleep(5);
                }

                // SIGKILL: no cleanup runs. (Read the child's output only afterwards: reading blocks until it exits.)
                bool finishedFirst = child.HasExited;
                child.Kill();
                child.WaitForExit();
                Assert.False(finishedFirst, "the transfer finished before it could be killed: " + child.StandardError.ReadToEnd());
            }

            Assert.False(File.Exists(destination));
            Assert.True(File.Exists(destination + ".partial"));
            int done = PartsInJournal(destination);
            Assert.InRange(done, 2, (int)sizeMiB - 1);

            var rerun = ProcessRunner.Streamfiles(_dir.Path, arguments.Concat(new[] { "--json" }).ToArray());
            Assert.Equal(0, rerun.ExitCode);
            JsonElement result = JsonDocument.Parse(rerun.Output).RootElement;
            Assert.Equal("resumed", result.GetProperty("status").GetString());
            Assert.True(result.GetProperty("bytesTransferred").GetInt64() <= (sizeMiB - done) * MiB);
            Assert.Equal(ProcessRunner.Shell("sha512sum big.bin", _dir.Path).Split(' ')[0], result.GetProperty("hash").GetString());
            Assert.True(Coreutils.Same(source, destination));
            Assert.False(File.Exists(destination + ".partial"));
            Assert.False(File.Exists(destination + ".partial.journal"));
        }

        private static int PartsInJournal(string destination)
        {
            try
            {
                return ResumeJournal.TryLoad(destination + ".partial.journal", out _)?.Parts.Count ?? 0;
            }
            catch (IOException)
            {
                return 0;
            }
        }

        private sealed class StraceFactAttribute : FactAttribute
        {
            public StraceFactAttribute()
            {
                if (ProcessRunner.Run("sh", new[] { "-c", "strace -f -o /dev/null true" }).ExitCode != 0)
                {
                    Skip = "strace cannot trace here: tests/run.sh installs it, and a container may forbid ptrace.";
                }
            }
        }
    }
}
