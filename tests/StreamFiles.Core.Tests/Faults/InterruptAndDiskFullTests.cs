using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Tests.Http;
using StreamFiles.Core.Tests.S3;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Tests.Transfers.Support;
using Xunit;
using Xunit.Abstractions;

namespace StreamFiles.Core.Tests.Faults
{
    /// <summary>
    /// Ctrl+C (SIGINT) to the real CLI in the middle of an S3 upload, an S3 download and an HTTP download: it exits
    /// with 130 within 2 s of the signal (the one timing the requirement itself states), the resume journal is kept,
    /// and a --resume rerun completes byte-identical. (The Core operation's own cancellation is
    /// ResumeTests.CancellingStopsWithinASecondAndKeepsResumableStateOnlyWithResume.) And a destination disk that
    /// fills up (a 16 MiB tmpfs, root only): DiskFull, exit 1, the older file under the final name untouched.
    /// </summary>
    public sealed class InterruptAndDiskFullTests : IAsyncLifetime
    {
        private const long MiB = 1024 * 1024;
        private static readonly TimeSpan Allowed = TimeSpan.FromSeconds(2);
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();
        private readonly ITestOutputHelper _output;
        private HttpTestServer _http = null!;

        public InterruptAndDiskFullTests(ITestOutputHelper output) => _output = output;

        public async Task InitializeAsync() => _http = await HttpTestServer.StartAsync();

        public async Task DisposeAsync()
        {
            await _http.DisposeAsync();
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        private string S3Url(string key) => "s3://" + S3TestServer.Bucket + "/" + _prefix + key;

        [S3Fact]
        public async Task CtrlCDuringAnS3UploadStopsAndResumes()
        {
            string source = _temp.RandomFile("big.bin", 200 * MiB, seed: 5);
            var environment = FaultCli.S3Environment();
            string state = _temp.File("state");
            environment["STREAMFILES_STATE_DIR"] = state;
            string journals = Path.Combine(state, "StreamFiles", "journals");
            string[] arguments = { "send", "--resume", "--json", "--no-progress", "--concurrency", "2", "--part-size", "5MiB", "big.bin", S3Url("big.bin") };

            Interrupt(environment, arguments, () => Directory.Exists(journals) && Directory.GetFiles(journals, "*.journal").Sum(SourceChangeTests.JournalParts) >= 2);

            Assert.NotEmpty(Directory.GetFiles(journals, "*.journal"));
            Assert.Single(await S3TestServer.UploadsUnderAsync(_prefix));
            Rerun(environment, arguments);
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
            var back = FaultCli.Run(_temp.Path, environment, "receive", S3Url("big.bin"), "back.bin");
            Assert.True(back.ExitCode == 0, back.Error);
            Assert.True(Coreutils.Same(source, _temp.File("back.bin")));
        }

        /// <summary>
        /// SIGTERM (a CI job's timeout, systemd, docker stop) or SIGHUP during an upload without --resume: the CLI stops
        /// as for Ctrl+C, exits 128 + the signal, and aborts its multipart upload instead of dying with it orphaned —
        /// once the store holds two of its parts. (Signalled the moment the store lists the upload, RGW may hold the abort about a
        /// minute for a part cut by the stop; the abort then gets 10 s and the upload is left to a lifecycle rule.)
        /// So also when the stop comes twice at once, as GNU timeout sends it (to the command, then to its process
        /// group): the second used to end the process at once, leaving the upload (a probe: 4 runs in 10).
        /// </summary>
        [S3Theory]
        [InlineData(FaultCli.SigTerm, 2, false)]
        [InlineData(FaultCli.SigHup, 2, false)]
        [InlineData(FaultCli.SigTerm, 2, true)]
        public async Task SigtermDuringAnS3UploadAbortsTheMultipartUpload(int signal, int afterParts, bool twice)
        {
            _temp.RandomFile("big.bin", 200 * MiB, seed: 7);
            var environment = FaultCli.S3Environment();
            string state = _temp.File("state");
            environment["STREAMFILES_STATE_DIR"] = state;
            string[] arguments = { "send", "--json", "--no-progress", "--concurrency", "2", "--part-size", "5MiB", "big.bin", S3Url("big.bin") };
            var checkedAt = Stopwatch.StartNew();

            // Signalled as soon as the store lists the upload, or once it holds some parts (by the store's own count, as
            // a run without --resume keeps no journal to count them in).
            Interrupt(environment, arguments, () =>
            {
                if (checkedAt.ElapsedMilliseconds < 20)
                {
                    return false;
                }

                checkedAt.Restart();
                var upload = S3TestServer.UploadsUnderAsync(_prefix).GetAwaiter().GetResult().FirstOrDefault();
                if (upload is null)
                {
                    return false;
                }

                return afterParts == 0 || (S3TestServer.Raw.ListPartsAsync(S3TestServer.Bucket, upload.Key, upload.UploadId).GetAwaiter().GetResult().Parts?.Count ?? 0) >= afterParts;
            }, signal, twice);

            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
            string journals = Path.Combine(state, "StreamFiles", "journals");
            Assert.False(Directory.Exists(journals) && Directory.GetFiles(journals).Length > 0, "a journal was kept without --resume");
            var listed = await S3TestServer.Raw.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = S3TestServer.Bucket, Prefix = _prefix });
            Assert.Empty(listed.S3Objects ?? new System.Collections.Generic.List<Amazon.S3.Model.S3Object>());
        }

        /// <summary>SIGTERM while the source is still being looked at (a slow HEAD): exit 143, no stack trace, nothing written.</summary>
        [Fact]
        public void SigtermWhileTheSourceIsLookedAtExitsCleanly()
        {
            TestResource resource = _http.Add("/slow.bin", new byte[] { 1, 2, 3 });
            resource.HeaderDelay = TimeSpan.FromSeconds(60);
            string[] arguments = { "receive", "--json", "--no-progress", _http.Url("/slow.bin").ToString(), "down/" };
            var clock = Stopwatch.StartNew();

            Interrupt(null, arguments, () => clock.ElapsedMilliseconds > 1500, FaultCli.SigTerm);

            Assert.False(Directory.Exists(_temp.File("down")) && Directory.EnumerateFileSystemEntries(_temp.File("down")).Any());
        }

        /// <summary>
        /// A --json line goes out when its file is done, not when 64 KiB of them have piled up or the run ends: a log
        /// follows the work, and a job killed hard keeps the record of what it finished.
        /// </summary>
        [Fact]
        public async Task EachResultLineIsWrittenWhenItsFileIsDone()
        {
            _http.Add("/first.bin", new byte[] { 1, 2, 3 });
            // Slow in its body, not its headers: looking at a source (its headers) is part of taking it in, and the
            // lines of earlier files go out once it has been taken in.
            _http.Add("/second.bin", HttpTestServer.RandomBytes(4 * 1024 * 1024)).ChunkDelay = TimeSpan.FromSeconds(2);
            string[] arguments = { "receive", "--json", "--no-progress", "--throttle-limit", "1", _http.Url("/first.bin").ToString(), _http.Url("/second.bin").ToString(), "down/" };

            using Process child = FaultCli.Start(_temp.Path, null, arguments, interruptible: true);
            try
            {
                string? first = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)); // TimeoutException: nothing in 30 s
                Assert.False(child.HasExited);
                using JsonDocument line = JsonDocument.Parse(first!);
                Assert.Equal("completed", line.RootElement.GetProperty("status").GetString());
                Assert.EndsWith("first.bin", line.RootElement.GetProperty("destination").GetString(), StringComparison.Ordinal);
            }
            finally
            {
                FaultCli.Interrupt(child, FaultCli.SigTerm);
                if (!child.WaitForExit(30_000))
                {
                    child.Kill(entireProcessTree: true);
                }
            }
        }

        [S3Fact]
        public void CtrlCDuringAnS3DownloadStopsAndResumes()
        {
            string source = _temp.RandomFile("big.bin", 200 * MiB, seed: 6);
            var environment = FaultCli.S3Environment();
            var up = FaultCli.Run(_temp.Path, environment, "send", "--part-size", "8MiB", "big.bin", S3Url("big.bin"));
            Assert.True(up.ExitCode == 0, up.Error);
            string destination = _temp.File("down/big.bin");
            string[] arguments = { "receive", "--resume", "--json", "--no-progress", "--concurrency", "2", S3Url("big.bin"), "down/" };

            Interrupt(environment, arguments, () => SourceChangeTests.JournalParts(destination + ".partial.journal") >= 2);

            Assert.True(File.Exists(destination + ".partial.journal"));
            Assert.False(File.Exists(destination));
            Rerun(environment, arguments);
            Assert.True(Coreutils.Same(source, destination));
        }

        [Fact]
        public void CtrlCDuringAnHttpDownloadStopsAndResumes()
        {
            byte[] content = HttpTestServer.RandomBytes(160 * (int)MiB, seed: 8);
            File.WriteAllBytes(_temp.File("expected.bin"), content);
            TestResource resource = _http.Add("/big.bin", content);
            resource.ChunkDelay = TimeSpan.FromMilliseconds(2);
            string destination = _temp.File("down/big.bin");
            string[] arguments = { "receive", "--resume", "--json", "--no-progress", "--concurrency", "2", "--part-size", "4MiB", _http.Url("/big.bin").ToString(), "down/" };

            Interrupt(null, arguments, () => SourceChangeTests.JournalParts(destination + ".partial.journal") >= 2);

            Assert.True(File.Exists(destination + ".partial.journal"));
            Assert.False(File.Exists(destination));
            resource.ChunkDelay = TimeSpan.Zero;
            Rerun(null, arguments);
            Assert.True(Coreutils.Same(_temp.File("expected.bin"), destination));
        }

        /// <summary>
        /// A read-only file system as the destination (a probe): the message says so and what to do, without .NET's
        /// text and the '.partial' name; the file there is kept. Full as well (a squashfs, an ISO image), it said
        /// DiskFull, "free some space" (another probe).
        /// </summary>
        [RootTheory]
        [InlineData(false)]
        [InlineData(true)]
        public void AReadOnlyDestinationFileSystemSaysSo(bool full)
        {
            string mount = _temp.File("readonly");
            Directory.CreateDirectory(mount);
            var mounted = ProcessRunner.Run("mount", new[] { "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount });
            Assert.True(mounted.ExitCode == 0, "mount -t tmpfs failed as root: " + mounted.Error);
            try
            {
                File.WriteAllText(Path.Combine(mount, "kept.bin"), "already there");
                if (full)
                {
                    ProcessRunner.Run("/bin/sh", new[] { "-c", "dd if=/dev/zero of=fill bs=4096 2>/dev/null; true" }, mount);
                    Assert.Equal(0, new DriveInfo(mount).AvailableFreeSpace);
                }

                var remounted = ProcessRunner.Run("mount", new[] { "-o", "remount,ro", mount });
                Assert.True(remounted.ExitCode == 0, "remount read-only failed: " + remounted.Error);
                _temp.RandomFile("small.bin", full ? 2_000_000 : 1000, seed: 3); // larger than the space: preallocated

                var run = FaultCli.Run(_temp.Path, null, "send", "--force", "--no-progress", "small.bin", Path.Combine(mount, "kept.bin"));

                Assert.Equal(1, run.ExitCode);
                Assert.StartsWith("streamfiles: [WriteError] ", run.Error, StringComparison.Ordinal);
                Assert.Contains("is mounted read-only", run.Error, StringComparison.Ordinal);
                Assert.DoesNotContain(".partial", run.Error, StringComparison.Ordinal);
                Assert.Equal("already there", File.ReadAllText(Path.Combine(mount, "kept.bin")));
            }
            finally
            {
                ProcessRunner.Run("umount", new[] { mount });
            }
        }

        /// <summary>A 16 MiB tmpfs as the destination of a 40 MiB file from each kind of source: DiskFull, exit 1, the older file kept.</summary>
        [RootTheory]
        [InlineData("local")]
        [InlineData("http")]
        [InlineData("s3")]
        public async Task AFullDestinationDiskIsDiskFullAndKeepsTheOlderFile(string from)
        {
            string mount = _temp.File("small");
            Directory.CreateDirectory(mount);
            var mounted = ProcessRunner.Run("mount", new[] { "-t", "tmpfs", "-o", "size=16m", "tmpfs", mount });
            Assert.True(mounted.ExitCode == 0, "mount -t tmpfs failed as root: " + mounted.Error);
            try
            {
                string source = _temp.RandomFile("big.bin", 40 * MiB, seed: 9);
                File.WriteAllText(Path.Combine(mount, "big.bin"), "the older version");
                DateTime olderTime = File.GetLastWriteTimeUtc(Path.Combine(mount, "big.bin"));
                string input = from;
                var environment = FaultCli.S3Environment();
                switch (from)
                {
                    case "local":
                        input = "big.bin";
                        break;
                    case "http":
                        _http.Add("/big.bin", File.ReadAllBytes(source));
                        input = _http.Url("/big.bin").ToString();
                        break;
                    case "s3":
                        if (!S3TestServer.Available)
                        {
                            _output.WriteLine(S3TestServer.SkipReason);
                            return;
                        }

                        var up = FaultCli.Run(_temp.Path, environment, "send", "big.bin", S3Url("big.bin"));
                        Assert.True(up.ExitCode == 0, up.Error);
                        input = S3Url("big.bin");
                        break;
                }

                var run = FaultCli.Run(_temp.Path, environment, "receive", "--force", "--json", "--no-progress", input, Path.Combine(mount, "big.bin"));

                _output.WriteLine(run.Error);
                Assert.Equal(1, run.ExitCode);
                Assert.StartsWith("streamfiles: [DiskFull] ", run.Error, StringComparison.Ordinal);
                Assert.Equal(new[] { "DiskFull" }, FaultCli.Conditions(run.Output));
                Assert.Equal("the older version", File.ReadAllText(Path.Combine(mount, "big.bin")));
                Assert.Equal(olderTime, File.GetLastWriteTimeUtc(Path.Combine(mount, "big.bin")));
                Assert.Equal(new[] { "big.bin" }, Directory.GetFileSystemEntries(mount).Select(Path.GetFileName)); // no .partial left without --resume
            }
            finally
            {
                ProcessRunner.Run("umount", new[] { mount });
            }
        }

        private void Interrupt(System.Collections.Generic.IDictionary<string, string?>? environment, string[] arguments, Func<bool> started, int signal = FaultCli.SigInt, bool twice = false)
        {
            using Process child = FaultCli.Start(_temp.Path, environment, arguments, interruptible: true);
            Task<string> output = child.StandardOutput.ReadToEndAsync();
            Task<string> error = child.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (!child.HasExited && !started())
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), "no journaled progress in 120 s");
                Thread.Sleep(5);
            }

            if (child.HasExited)
            {
                // Say how it ended: a failed run exits early too, and its error is the lead.
                Assert.Fail($"the transfer finished before it could be interrupted (exit {child.ExitCode}): {error.Result}{output.Result}");
            }
            var signalled = Stopwatch.StartNew();
            FaultCli.Interrupt(child, signal);
            if (twice)
            {
                Thread.Sleep(1);
                FaultCli.Interrupt(child, signal);
            }

            bool stopped = child.WaitForExit((int)TimeSpan.FromSeconds(30).TotalMilliseconds);
            TimeSpan took = signalled.Elapsed;
            if (!stopped)
            {
                child.Kill(entireProcessTree: true);
            }

            child.WaitForExit();
            var run = ProcessRunner.Captured("streamfiles", new ProcessRunner.Outcome(child.ExitCode, output.Result, error.Result));
            _output.WriteLine($"signal {signal} to exit: {took.TotalMilliseconds:F0} ms, exit {run.ExitCode}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
            Assert.True(stopped, $"the process did not stop within 30 s of signal {signal}");
            Assert.Equal(128 + signal, run.ExitCode); // as a shell reports a process the signal ended
            Assert.True(took <= Allowed, $"signal {signal} to exit took {took.TotalMilliseconds:F0} ms, more than {Allowed.TotalSeconds} s");
            Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
            Assert.Contains("streamfiles: [Interrupted] Stopped by SIG", run.Error, StringComparison.Ordinal); // a line for the job's log
        }

        private void Rerun(System.Collections.Generic.IDictionary<string, string?>? environment, string[] arguments)
        {
            var rerun = FaultCli.Run(_temp.Path, environment, arguments);
            Assert.True(rerun.ExitCode == 0, rerun.Error);
            Assert.Equal("resumed", JsonDocument.Parse(rerun.Output).RootElement.GetProperty("status").GetString());
        }
    }

    /// <summary>A theory that needs root (mount); skipped, saying so, otherwise.</summary>
    public sealed class RootTheoryAttribute : TheoryAttribute
    {
        public RootTheoryAttribute()
        {
            if (!FaultCli.IsRoot)
            {
                Skip = "needs root to mount a small tmpfs (mount -t tmpfs -o size=16m); the injected ENOSPC of LocalTransferTests.AFullDiskIsDiskFull covers the engine without it.";
            }
        }
    }

    /// <summary>A fact that needs root (mount); skipped, saying so, otherwise.</summary>
    public sealed class RootFactAttribute : FactAttribute
    {
        public RootFactAttribute()
        {
            if (!FaultCli.IsRoot)
            {
                Skip = "needs root to mount a tmpfs and remount it read-only.";
            }
        }
    }
}
