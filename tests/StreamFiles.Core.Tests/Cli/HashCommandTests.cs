using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using StreamFiles.Core.Tests.Support;

namespace StreamFiles.Core.Tests.Cli
{
    /// <summary>`streamfiles hash` as a user runs it: a real process, its output checked by coreutils.</summary>
    public sealed class HashCommandTests : IDisposable
    {
        private readonly TempDirectory _dir = new TempDirectory();

        public void Dispose() => _dir.Dispose();

        [Theory]
        [InlineData("sha256", "sha256sum")]
        [InlineData("md5", "md5sum")]
        [InlineData("sha1", "sha1sum")]
        [InlineData("sha512", "sha512sum")]
        public void PlainOutputIsWhatCoreutilsWritesAndChecks(string algorithm, string coreutil)
        {
            _dir.RandomFile("a.bin", 3 * 1024 * 1024 + 5, seed: 1);
            _dir.RandomFile("with space.bin", 1000, seed: 2);
            File.WriteAllBytes(_dir.File("empty"), Array.Empty<byte>());

            var run = ProcessRunner.Streamfiles(_dir.Path, "hash", "-a", algorithm, "a.bin", "with space.bin", "empty");

            Assert.Equal(0, run.ExitCode);
            Assert.Equal(ProcessRunner.Shell($"{coreutil} a.bin 'with space.bin' empty", _dir.Path), run.Output);
            File.WriteAllText(_dir.File("SUMS"), run.Output);
            Assert.Contains("a.bin: OK", ProcessRunner.Shell($"{coreutil} -c SUMS", _dir.Path));
        }

        /// <summary>
        /// Ctrl+C stops `hash -` and `base64 -` while standard input is open but sends nothing: the blocked read ignored
        /// SIGINT and SIGTERM until the process was killed.
        /// </summary>
        /// <remarks>
        /// The same for a named pipe that has no writer (`hash fifo`, `base64 fifo`): its open waits in the kernel, deaf to
        /// signals, so it runs on its own and the stop stops waiting for it.
        /// </remarks>
        [Theory]
        [InlineData("hash", "-")]
        [InlineData("base64", "-", "out.b64")]
        [InlineData("hash", "fifo")]
        [InlineData("base64", "fifo", "out.b64")]
        [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
        public async System.Threading.Tasks.Task ASignalStopsAReadOfIdleStandardInput(params string[] arguments)
        {
            if (arguments[1] == "fifo")
            {
                ProcessRunner.Shell("mkfifo fifo", _dir.Path);
            }

            var start = ProcessRunner.CliStart(_dir.Path, arguments);
            Faults.FaultCli.MakeInterruptible(start);
            start.RedirectStandardInput = true;
            using var process = System.Diagnostics.Process.Start(start)!;
            await System.Threading.Tasks.Task.Delay(1500); // started, and blocked in the read
            Assert.False(process.HasExited);
            Faults.FaultCli.Interrupt(process);
            using var limit = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(limit.Token);
            Assert.Equal(130, process.ExitCode);
            Assert.Contains("[Interrupted]", await process.StandardError.ReadToEndAsync(), StringComparison.Ordinal);
            Assert.False(File.Exists(_dir.File("out.b64")));
        }

        /// <summary>
        /// Ctrl+C reaches the whole pipeline, so the writer of standard input dies and its pipe ends as the signal comes.
        /// Found by a probe: that end was taken as the end of the data, so `base64 - out` put the cut input under its
        /// final name (over the file already there) and `hash -` printed a digest of it, before exiting 130. Now the
        /// file already there is kept and nothing is printed.
        /// </summary>
        [Theory]
        [InlineData("hash", "-")]
        [InlineData("base64", "-", "out.txt")]
        [InlineData("base64", "-d", "-", "out.txt")]
        [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
        public async System.Threading.Tasks.Task AStopThatEndsStandardInputCommitsNothing(params string[] arguments)
        {
            File.WriteAllText(_dir.File("out.txt"), "ORIGINAL");
            var start = ProcessRunner.CliStart(_dir.Path, arguments.Append("--no-progress"));
            Faults.FaultCli.MakeInterruptible(start);
            start.RedirectStandardInput = true;
            using var process = System.Diagnostics.Process.Start(start)!;
            System.Threading.Tasks.Task<string> output = process.StandardOutput.ReadToEndAsync();
            await process.StandardInput.WriteAsync(new string('Q', 3000)); // base64 text, and bytes to hash or encode
            await process.StandardInput.FlushAsync();
            await System.Threading.Tasks.Task.Delay(1500); // read, and waiting for more
            Assert.False(process.HasExited);
            Faults.FaultCli.Interrupt(process);
            process.StandardInput.Close(); // the writer, stopped by the same Ctrl+C
            using var limit = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(limit.Token);
            Assert.Equal(130, process.ExitCode);
            Assert.Equal(string.Empty, await output);
            Assert.Equal("ORIGINAL", File.ReadAllText(_dir.File("out.txt")));
            Assert.Empty(Directory.GetFiles(_dir.Path, "*.partial"));
        }

        /// <summary>
        /// Found by a probe: a URL given to hash or base64 (which read and write local files) was FileNotFound ("check
        /// the path"), and as base64's output OutFileDirectoryNotFound for a directory 's3:'. Both now say it is a URL
        /// and what to use, as the cmdlets do (NotFileSystemPath).
        /// </summary>
        [Fact]
        public void AUrlWhereALocalFileIsNeededIsSaidToBeOne()
        {
            _dir.RandomFile("a.bin", 100);
            var hashed = ProcessRunner.Streamfiles(_dir.Path, "hash", "https://example.invalid/x.iso");
            Assert.Equal(1, hashed.ExitCode);
            Assert.StartsWith("streamfiles: [NotFileSystemPath] 'https://example.invalid/x.iso' is an HTTP URL;", hashed.Error, StringComparison.Ordinal);
            Assert.Contains("first with streamfiles receive.", hashed.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("Receive-StreamFile", hashed.Error, StringComparison.Ordinal); // the shell's words only

            var encoded = ProcessRunner.Streamfiles(_dir.Path, "base64", "a.bin", "s3://bucket/a.b64");
            Assert.Equal(1, encoded.ExitCode);
            Assert.StartsWith("streamfiles: [NotFileSystemPath] 's3://bucket/a.b64' is an S3 URL; base64 writes local files only.", encoded.Error, StringComparison.Ordinal);
            Assert.False(Directory.Exists(_dir.File("s3:")));
        }

        /// <summary>'--' ends the options, so scripts can name any file (`streamfiles hash -- "$f"`); it was "Unknown option '--'".</summary>
        [Fact]
        public void DoubleDashEndsTheOptions()
        {
            _dir.RandomFile("-dash", 100, seed: 3);
            var run = ProcessRunner.Streamfiles(_dir.Path, "hash", "--", "-dash");
            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Equal(ProcessRunner.Shell("sha256sum -- -dash", _dir.Path), run.Output); // the name as typed, "-dash", not "./-dash"
            var copied = ProcessRunner.Streamfiles(_dir.Path, "send", "--", "-dash", "copy.bin");
            Assert.True(copied.ExitCode == 0, copied.Error);
            Assert.True(Transfers.Support.Coreutils.Same(_dir.File("-dash"), _dir.File("copy.bin")));
        }

        /// <summary>
        /// "@x" is a file, not a response file of more arguments, and "/h" a path, not help (a probe: `hash *` hashed
        /// the file @x named, `send x @f dir/` took --force from f, and `send -r dir /h` printed help with exit 0).
        /// </summary>
        [Fact]
        public void AtNamesAndSlashHAreFiles()
        {
            _dir.RandomFile("@x", 100, seed: 4);
            File.WriteAllText(_dir.File("x"), "/etc/hostname\n");
            File.WriteAllText(_dir.File("f"), "--force\n");
            _dir.RandomFile("@f", 10, seed: 5);
            File.WriteAllText(_dir.File("existing"), "old");

            var hashed = ProcessRunner.Streamfiles(_dir.Path, "hash", "@x");
            Assert.True(hashed.ExitCode == 0, hashed.Error);
            Assert.Equal(ProcessRunner.Shell("sha256sum @x", _dir.Path), hashed.Output);

            var sent = ProcessRunner.Streamfiles(_dir.Path, "send", "--no-progress", "@f", "existing");
            Assert.Equal(1, sent.ExitCode);
            Assert.Contains("[DestinationExists]", sent.Error, StringComparison.Ordinal);
            Assert.Equal("old", File.ReadAllText(_dir.File("existing")));

            var slash = ProcessRunner.Streamfiles(_dir.Path, "hash", "--", "/h");
            Assert.Equal(1, slash.ExitCode);
            Assert.Contains("[FileNotFound]", slash.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("Description:", slash.Output, StringComparison.Ordinal);
        }

        /// <summary>
        /// Standard input closed at the start (<c>&lt;&amp;-</c>): hash and base64 fail at once with ReadError, exit 1, as
        /// sha256sum and base64 do ("Bad file descriptor"); they waited for ever on the runtime's own pipe (a probe), and
        /// the native AOT build said AccessDenied, reading a file of its runtime's.
        /// </summary>
        [Fact]
        public void AClosedStandardInputFailsAtOnce()
        {
            string cli = ProcessRunner.CliCommandLine();
            string result = ProcessRunner.Shell(
                $"timeout 60 {cli} hash <&- 2>hash.err; echo $?; timeout 60 {cli} base64 -d - out.bin <&- 2>b64.err; echo $?; echo hi | {cli} hash",
                _dir.Path);
            string[] lines = result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("1", lines[0]);
            Assert.Equal("1", lines[1]);
            Assert.Equal(ProcessRunner.Shell("echo hi | sha256sum", _dir.Path).Trim(), lines[2]);
            Assert.StartsWith("streamfiles: [ReadError] Cannot read '-': standard input is closed", File.ReadAllText(_dir.File("hash.err")), StringComparison.Ordinal);
            Assert.Contains("[ReadError]", File.ReadAllText(_dir.File("b64.err")), StringComparison.Ordinal);
            Assert.False(File.Exists(_dir.File("out.bin")));
        }

        /// <summary>
        /// A relative name in a working directory that was deleted is FileNotFound, exit 1, as for sha256sum and cp (a
        /// probe: every verb ended with .NET's stack trace and 134); absolute names still work there.
        /// </summary>
        [Fact]
        public void A_relative_name_in_a_deleted_working_directory_is_file_not_found()
        {
            _dir.RandomFile("a.txt", 10);
            string cli = ProcessRunner.CliCommandLine();
            string result = ProcessRunner.Shell(
                $"mkdir gone && cd gone && rmdir ../gone && {{ {cli} hash a.txt 2>../hash.err; echo $?; {cli} send '{_dir.File("a.txt")}' copy.txt 2>../send.err; echo $?; {cli} hash '{_dir.File("a.txt")}' >/dev/null; echo $?; }}",
                _dir.Path);

            Assert.Equal(new[] { "1", "1", "0" }, result.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("streamfiles: [FileNotFound] The current directory no longer exists", File.ReadAllText(_dir.File("hash.err")), StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", File.ReadAllText(_dir.File("send.err")), StringComparison.Ordinal);
        }

        /// <summary>
        /// A stop while standard output's reader has stopped reading (the pipe full, the write blocked in the kernel):
        /// the process still ends about a second after the signal, dropping the rest of its output (a probe: it lived
        /// until the reader exited, for ever under one that never does).
        /// </summary>
        [Fact]
        public void AStopEndsTheProcessWhileItsReaderHasStoppedReading()
        {
            Directory.CreateDirectory(_dir.File("many"));
            for (int i = 0; i < 2000; i++)
            {
                File.WriteAllText(_dir.File($"many/f{i}"), i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            string cli = ProcessRunner.CliCommandLine();
            ProcessRunner.Shell(
                $"start=$(date +%s%N); ( timeout -s TERM 2 {cli} hash many/* many/* many/* many/* 2>err.txt; echo \"$? $(( ($(date +%s%N) - start) / 1000000 ))\" > ended.txt ) | sleep 14",
                _dir.Path);

            string[] ended = File.ReadAllText(_dir.File("ended.txt")).Trim().Split(' ');
            Assert.Equal("124", ended[0]); // timeout's code for a command it stopped
            Assert.True(int.Parse(ended[1], System.Globalization.CultureInfo.InvariantCulture) < 10_000, $"the process ended {ended[1]} ms after its start, with the reader still asleep");
            Assert.Contains("[Interrupted] Stopped by SIGTERM", File.ReadAllText(_dir.File("err.txt")), StringComparison.Ordinal);
        }

        [Fact]
        public void NameWithBackslashIsEscapedAsCoreutilsDoes()
        {
            _dir.RandomFile("back\\slash", 10);
            var run = ProcessRunner.Streamfiles(_dir.Path, "hash", "back\\slash");
            Assert.Equal(0, run.ExitCode);
            Assert.Equal(ProcessRunner.Shell("sha256sum 'back\\slash'", _dir.Path), run.Output);
        }

        [Fact]
        public void OutputKeepsInputOrderWithSeveralFilesInFlight()
        {
            string[] names = Enumerable.Range(0, 12).Select(i => $"f{i}.bin").ToArray();
            for (int i = 0; i < names.Length; i++)
            {
                _dir.RandomFile(names[i], (12 - i) * 100_000, seed: i);
            }

            var run = ProcessRunner.Streamfiles(_dir.Path, new[] { "hash", "--throttle-limit", "4" }.Concat(names).ToArray());
            Assert.Equal(0, run.ExitCode);
            Assert.Equal(ProcessRunner.Shell("sha256sum " + string.Join(" ", names), _dir.Path), run.Output);
        }

        [Fact]
        public void SeveralAlgorithmsWriteTaggedLinesThatCoreutilsChecks()
        {
            _dir.RandomFile("a.bin", 2_000_000);
            var run = ProcessRunner.Streamfiles(_dir.Path, "hash", "-a", "sha256,md5", "a.bin");
            Assert.Equal(0, run.ExitCode);
            string[] lines = run.Output.TrimEnd('\n').Split('\n');
            Assert.Equal(ProcessRunner.Shell("sha256sum --tag a.bin", _dir.Path).TrimEnd('\n'), lines[0]);
            Assert.Equal(ProcessRunner.Shell("md5sum --tag a.bin", _dir.Path).TrimEnd('\n'), lines[1]);

            // The option repeated means the same as the list.
            var repeated = ProcessRunner.Streamfiles(_dir.Path, "hash", "-a", "sha256", "-a", "md5", "a.bin");
            Assert.Equal(0, repeated.ExitCode);
            Assert.Equal(run.Output, repeated.Output);
        }

        [Fact]
        public void JsonHasLengthHashesInLowerCaseAndChunksWhenAsked()
        {
            _dir.RandomFile("a.bin", 5 * 1024 * 1024 + 1);
            var run = ProcessRunner.Streamfiles(_dir.Path, "hash", "--json", "--chunks", "--chunk-size", "2MiB", "-a", "md5,crc32", "a.bin");
            Assert.Equal(0, run.ExitCode);
            using JsonDocument json = JsonDocument.Parse(run.Output);
            JsonElement root = json.RootElement;
            Assert.Equal("a.bin", root.GetProperty("path").GetString());
            Assert.Equal(5 * 1024 * 1024 + 1, root.GetProperty("length").GetInt64());
            Assert.Equal(ProcessRunner.Shell("md5sum a.bin", _dir.Path).Split(' ')[0], root.GetProperty("hashes").GetProperty("md5").GetString());
            string crc = ProcessRunner.Shell("python3 -c \"import zlib;print('%08x' % zlib.crc32(open('a.bin','rb').read()))\"", _dir.Path).Trim();
            Assert.Equal(crc, root.GetProperty("hashes").GetProperty("crc32").GetString());
            Assert.Equal(2 * 1024 * 1024, root.GetProperty("chunkSize").GetInt64());
            Assert.Equal("md5", root.GetProperty("chunkAlgorithm").GetString()); // the first algorithm's, named (a probe)
            JsonElement[] chunks = root.GetProperty("chunks").EnumerateArray().ToArray();
            Assert.Equal(3, chunks.Length);
            string lastChunk = ProcessRunner.Shell("tail -c 1048577 a.bin | md5sum", _dir.Path).Split(' ')[0];
            Assert.Equal(lastChunk, chunks[2].GetProperty("hash").GetString());
            Assert.Equal(1024 * 1024 + 1, chunks[2].GetProperty("length").GetInt64());

            var etag = ProcessRunner.Streamfiles(_dir.Path, "hash", "--json", "--chunks", "--chunk-size", "2MiB", "-a", "sha1,s3etag", "a.bin");
            Assert.Equal("sha1", JsonDocument.Parse(etag.Output).RootElement.GetProperty("chunkAlgorithm").GetString());
            var parts = ProcessRunner.Streamfiles(_dir.Path, "hash", "--json", "--chunks", "--chunk-size", "2MiB", "-a", "s3etag", "a.bin");
            JsonElement partsRoot = JsonDocument.Parse(parts.Output).RootElement;
            Assert.Equal("md5", partsRoot.GetProperty("chunkAlgorithm").GetString());
            Assert.Equal(lastChunk, partsRoot.GetProperty("chunks")[2].GetProperty("hash").GetString());
        }

        [Fact]
        public void Crc64nvmeIsWhatCrcmodComputesAndWhatS3Prints()
        {
            string path = _dir.RandomFile("a.bin", (2 * 1024 * 1024) + 9, seed: 5);
            ulong expected = TestSupport.ExternalTool.CrcmodCrc64Nvme(path);

            var run = ProcessRunner.Streamfiles(_dir.Path, "hash", "--json", "-a", "crc64nvme", "a.bin");

            Assert.Equal(0, run.ExitCode);
            using JsonDocument json = JsonDocument.Parse(run.Output);
            Assert.Equal(expected.ToString("x16"), json.RootElement.GetProperty("hashes").GetProperty("crc64nvme").GetString());
        }

        [Fact]
        public void MissingFileAndDirectoryAreNamedOnStderrAndTheRestIsHashed()
        {
            _dir.RandomFile("good.bin", 100);
            Directory.CreateDirectory(_dir.File("folder"));
            var run = ProcessRunner.Streamfiles(_dir.Path, "hash", "missing.bin", "good.bin", "folder");
            Assert.Equal(1, run.ExitCode);
            Assert.Equal(ProcessRunner.Shell("sha256sum good.bin", _dir.Path), run.Output);
            Assert.Contains("missing.bin", run.Error);
            Assert.Contains("folder", run.Error);
            Assert.Contains("directory", run.Error);
        }

        /// <summary>As sha256sum: no PATH, or '-', hashes standard input, named '-' (here beside a file, and in the S3 ETag's lanes' place).</summary>
        [Fact]
        public void StandardInputIsHashedWithoutAPathOrAsDashLikeSha256sum()
        {
            _dir.RandomFile("a.bin", 3 * 1024 * 1024 + 7);
            string cli = ProcessRunner.CliCommandLine();
            Assert.Equal(ProcessRunner.Shell("sha256sum < a.bin", _dir.Path), ProcessRunner.Shell(cli + " hash < a.bin", _dir.Path));
            Assert.Equal(ProcessRunner.Shell("cat a.bin | md5sum - a.bin", _dir.Path), ProcessRunner.Shell("cat a.bin | " + cli + " hash -a md5 - a.bin", _dir.Path));
            string fromFile = ProcessRunner.Shell(cli + " hash -a s3etag --chunk-size 1MiB a.bin", _dir.Path);
            Assert.Equal(fromFile.Replace("a.bin", "-", StringComparison.Ordinal), ProcessRunner.Shell(cli + " hash -a s3etag --chunk-size 1MiB - < a.bin", _dir.Path));
        }

        /// <summary>With --json every file named gets its line, in order: a failed one carries its error, as send and receive write it.</summary>
        [Fact]
        public void JsonHasALineForEachFileNamedFailedOrNot()
        {
            _dir.RandomFile("good.bin", 100);
            Directory.CreateDirectory(_dir.File("folder"));
            var run = ProcessRunner.Streamfiles(_dir.Path, "hash", "--json", "missing.bin", "good.bin", "folder");

            Assert.Equal(1, run.ExitCode);
            JsonElement[] lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
            Assert.Equal(new[] { "missing.bin", "good.bin", "folder" }, lines.Select(l => l.GetProperty("path").GetString()));
            Assert.Equal("FileNotFound", lines[0].GetProperty("error").GetProperty("condition").GetString());
            Assert.Equal("ObjectNotFound", lines[0].GetProperty("error").GetProperty("category").GetString());
            Assert.EndsWith("missing.bin", lines[0].GetProperty("error").GetProperty("target").GetString(), StringComparison.Ordinal);
            Assert.False(lines[1].TryGetProperty("error", out _));
            Assert.Equal(ProcessRunner.Shell("sha256sum good.bin", _dir.Path).Substring(0, 64), lines[1].GetProperty("hashes").GetProperty("sha256").GetString());
            Assert.Equal("PathIsDirectory", lines[2].GetProperty("error").GetProperty("condition").GetString());
            Assert.Contains("[FileNotFound]", run.Error, StringComparison.Ordinal);
        }

        /// <summary>
        /// A name that is not UTF-8 (a probe): .NET made 'r\xffe' into 'r\uFFFDe', and the CLI hashed that other file,
        /// exit 0 (send copied it, and overwrote one so named). It is a usage error now, and nothing is read.
        /// </summary>
        [Fact]
        public void AnArgumentThatIsNotUtf8IsRefusedNotTakenForAnotherName()
        {
            File.WriteAllText(_dir.File("r\uFFFDe"), "BBBB-other-file");
            ProcessRunner.Shell("printf 'AAAA-the-real-file' > \"$(printf 'r\\377e')\"", _dir.Path);
            var run = ProcessRunner.Run("/bin/sh", new[] { "-c", ProcessRunner.CliCommandLine() + " hash \"$(printf 'r\\377e')\"" }, _dir.Path);

            Assert.Equal(2, run.ExitCode);
            Assert.Equal(string.Empty, run.Output);
            Assert.Contains("[Usage] Argument 2", run.Error, StringComparison.Ordinal);
            Assert.Contains("is not valid UTF-8", run.Error, StringComparison.Ordinal);
        }

        /// <summary>A name outside ASCII is written as it is (grep finds it), not as \u escapes; a quote is still escaped.</summary>
        [Fact]
        public void JsonWritesNamesAsTheyAre()
        {
            _dir.RandomFile("café \"q\".bin", 10);
            var run = ProcessRunner.Streamfiles(_dir.Path, "hash", "--json", "café \"q\".bin");

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("\"path\":\"café \\\"q\\\".bin\"", run.Output, StringComparison.Ordinal);
            Assert.Equal("café \"q\".bin", JsonDocument.Parse(run.Output).RootElement.GetProperty("path").GetString());
        }

        [Theory]
        [InlineData("hash", "-a", "sha3", "x")]
        [InlineData("hash", "--chunk-size", "12 bananas", "x")]
        [InlineData("hash", "--throttle-limit", "0", "x")]
        [InlineData("hash", "--frobnicate", "x")]
        [InlineData("hash", "-", "-")]
        [InlineData("hash", "--chunks", "x")]
        [InlineData("nosuchverb")]
        public void UsageErrorsExitWithTwoAndSayWhatIsWrong(params string[] arguments)
        {
            var run = ProcessRunner.Streamfiles(_dir.Path, arguments);
            Assert.Equal(2, run.ExitCode);
            Assert.StartsWith("streamfiles: ", run.Error);
            Assert.Empty(run.Output);
        }

        /// <summary>A missing or unknown verb is one [Usage] line that lists the verbs, not the parser's two.</summary>
        [Theory]
        [InlineData("Unknown command 'nosuchverb'.", "nosuchverb", "a.bin")]
        [InlineData("Unknown option '--frobnicate'.", "--frobnicate")]
        [InlineData("Name a command first:")]
        public void AMissingOrUnknownVerbIsOneLineThatListsTheVerbs(string expected, params string[] arguments)
        {
            var run = ProcessRunner.Streamfiles(_dir.Path, arguments);
            Assert.Equal(2, run.ExitCode);
            string usage = Assert.Single(run.Error.Split('\n'), line => line.StartsWith("streamfiles: [Usage] ", StringComparison.Ordinal));
            Assert.Contains(expected, usage, StringComparison.Ordinal);
            Assert.EndsWith("hash, send, receive, base64.", usage, StringComparison.Ordinal);
        }

        /// <summary>Usage errors in the user's words: no .NET type names, no "(Parameter 'path')".</summary>
        [Theory]
        [InlineData("--throttle-limit 'many' is not a whole number; 'streamfiles hash --help' gives its range.", "hash", "--throttle-limit", "many", "x")]
        [InlineData("--concurrency 'abc' is not a whole number; 'streamfiles send --help' gives its range.", "send", "--concurrency", "abc", "a", "b")]
        [InlineData("--wrap '7.5' is not a whole number; 'streamfiles base64 --help' gives its range.", "base64", "-w", "7.5", "x")]
        [InlineData("An empty string is not a file path. Name a file.", "hash", "")]
        public void UsageErrorsNameWhatIsExpectedInPlainWords(string expected, params string[] arguments)
        {
            var run = ProcessRunner.Streamfiles(_dir.Path, arguments);
            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains(expected, run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("System.", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("(Parameter", run.Error, StringComparison.Ordinal);
        }

        /// <summary>Ranges are in --help, where the usage errors point.</summary>
        [Theory]
        [InlineData("hash", "(1-1024;")]
        [InlineData("send", "(1-1024)")]
        [InlineData("send", "(1-64)")]
        [InlineData("receive", "64KiB to 5GiB")]
        public void HelpGivesTheRangesOfNumericOptions(string verb, string expected)
        {
            var run = ProcessRunner.Streamfiles(_dir.Path, verb, "--help");
            Assert.Equal(0, run.ExitCode);
            Assert.Contains(expected, run.Output, StringComparison.Ordinal);
        }

        /// <summary>
        /// The command list of `streamfiles --help` shows no "[default: -]" after the descriptions of hash and base64
        /// (a probe), and neither command's missing argument stops meaning standard input.
        /// </summary>
        [Fact]
        public void TheCommandListShowsNoArgumentDefaults()
        {
            var run = ProcessRunner.Streamfiles(_dir.Path, "--help");
            Assert.Equal(0, run.ExitCode);
            Assert.Contains("Hash files in one read each", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("[default", run.Output, StringComparison.Ordinal);

            string expected = ProcessRunner.Shell("printf abc | sha256sum", _dir.Path);
            Assert.Equal(expected, ProcessRunner.Shell("printf abc | " + ProcessRunner.CliCommandLine() + " hash", _dir.Path));
            Assert.Equal("YWJj", ProcessRunner.Shell("printf abc | " + ProcessRunner.CliCommandLine() + " base64", _dir.Path));
        }

        [Fact]
        public void S3ETagForSeveralPartsMatchesAnIndependentComputation()
        {
            _dir.RandomFile("a.bin", 5 * 1024 * 1024 + 3);
            var run = ProcessRunner.Streamfiles(_dir.Path, "hash", "-a", "s3etag", "--chunk-size", "2MiB", "a.bin");
            Assert.Equal(0, run.ExitCode);
            // md5 of the concatenated binary md5s of each 2 MiB part, then "-<parts>"
            string expected = ProcessRunner.Shell(
                "split -b 2097152 -d a.bin part. && for p in part.*; do md5sum $p | cut -c1-32; done | python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().replace(chr(10), \"\")))' | md5sum | cut -c1-32", _dir.Path).Trim() + "-3";
            Assert.Equal(expected + "  a.bin\n", run.Output);
        }
    }
}
