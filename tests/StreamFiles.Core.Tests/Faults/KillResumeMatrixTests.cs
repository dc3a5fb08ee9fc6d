using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Resume;
using StreamFiles.Core.Tests.Http;
using StreamFiles.Core.Tests.S3;
using StreamFiles.Core.Tests.Support;
using Xunit.Abstractions;

namespace StreamFiles.Core.Tests.Faults
{
    /// <summary>
    /// The streamfiles CLI killed with SIGKILL twice at random points of one large transfer (S3 upload, S3 download,
    /// HTTP download), each time rerun with --resume, through FaultProxy (which counts what each run sends and
    /// fetches): the end result is byte-identical (SHA256), a rerun re-sends no part the store had acknowledged before
    /// the kill beyond the parts in flight, fetches no more than the ranges its journal did not list, and no
    /// multipart upload is left. 256 MiB by default; STREAMFILES_TEST_FULL=1 uses 1 GiB (docs/reliability.md).
    /// An HTTP upload is one PUT, which cannot be resumed: it is not part of this matrix.
    /// </summary>
    public sealed class KillResumeMatrixTests : IDisposable
    {
        private const long MiB = 1024 * 1024;
        private const long PartSize = 8 * MiB;
        private const int Concurrency = 4;
        private static readonly long Size = Environment.GetEnvironmentVariable("STREAMFILES_TEST_FULL") == "1" ? 1024 * MiB : 256 * MiB;
        private static readonly int BaseSeed = int.TryParse(Environment.GetEnvironmentVariable("STREAMFILES_FAULT_SEED"), out int seed) ? seed : Environment.TickCount & 0xFFFF;

        private readonly ITestOutputHelper _output;
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();

        public KillResumeMatrixTests(ITestOutputHelper output) => _output = output;

        private static int PartCount => (int)((Size + PartSize - 1) / PartSize);

        public void Dispose()
        {
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        [S3Fact]
        public async Task AnS3UploadKilledTwiceResumesIdenticalAndResendsOnlyPartsInFlight()
        {
            var random = new Random(BaseSeed + 1);
            string source = _temp.RandomFile("up.bin", Size, BaseSeed);
            string key = _prefix + "up.bin";
            string url = "s3://" + S3TestServer.Bucket + "/" + key;
            string state = Path.Combine(_temp.Path, "state");
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!), seed: BaseSeed);
            string[] arguments = { "send", "--resume", "--no-progress", "--json", "--concurrency", Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), "--part-size", "8MiB", "--endpoint-url", proxy.Endpoint, source, url };
            Func<int> journaled = () => JournaledParts(Directory.Exists(Path.Combine(state, "StreamFiles", "journals")) ? Directory.GetFiles(Path.Combine(state, "StreamFiles", "journals"), "*.journal").FirstOrDefault() : null);

            int worst = 0;
            for (int run = 0; run < 3; run++)
            {
                HashSet<int> storedAtStart = run == 0 ? new HashSet<int>() : await StoredPartsAsync(key);
                int before = proxy.Requests.Count;
                if (run < 2)
                {
                    int target = journaled() + random.Next(2, Math.Max(3, (PartCount - journaled()) / 2));
                    Assert.True(RunAndKill(arguments, state, () => journaled() >= target, proxy), "the upload finished before it could be killed");
                    Assert.Single(await S3TestServer.UploadsUnderAsync(key));
                }
                else
                {
                    var rerun = Cli(state, arguments);
                    Assert.True(rerun.ExitCode == 0, rerun.Error);
                    Assert.Equal("resumed", JsonDocument.Parse(rerun.Output).RootElement.GetProperty("status").GetString());
                }

                // Parts this run sent that the store already held when it started: only the parts in flight at the kill.
                var sent = proxy.Requests.Skip(before).Where(r => r.Method == "PUT" && r.Query("partNumber") != null).Select(r => int.Parse(r.Query("partNumber")!, System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
                int resent = sent.Count(storedAtStart.Contains);
                worst = Math.Max(worst, resent);
                _output.WriteLine($"S3 upload run {run + 1}: the store held {storedAtStart.Count} of {PartCount} parts at its start; it sent {sent.Count}, {resent} of them again; journal lists {journaled()}");
                Assert.True(resent <= Concurrency, $"run {run + 1} sent {resent} parts again that the store already held");
            }

            Assert.Empty(await S3TestServer.UploadsUnderAsync(key));
            Assert.Equal(Sha256(source), await S3TestTransfers.StoredSha256Async(key));
            Report($"S3 upload\t{Size / MiB} MiB\t2\t{worst}\t{Concurrency}");
        }

        /// <summary>
        /// SIGKILL right after the store started the multipart upload, while the run's next request (the
        /// ListMultipartUploads of its lost-upload check) is held: the upload is already named in the state
        /// directory, so the rerun, with or without --resume, finishes the file and leaves no upload behind. Without
        /// that journal the killed run's upload stayed on the store (a probe: ~10 of its timed kills).
        /// </summary>
        [S3Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task AnS3UploadKilledJustAfterItStartedLeavesNoUploadAfterTheRerun(bool resume)
        {
            string source = _temp.RandomFile("started.bin", 20 * MiB, BaseSeed + 3);
            string key = _prefix + "started-" + resume + ".bin";
            string state = Path.Combine(_temp.Path, "state-" + resume);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!)) { Latency = TimeSpan.FromSeconds(30) };
            proxy.Script = request => request.Method == "GET" && request.Target.Contains("uploads", StringComparison.Ordinal) ? FaultKind.Latency : FaultKind.None;
            var arguments = new List<string> { "send", "--no-progress", "--json", "--part-size", "8MiB", "--endpoint-url", proxy.Endpoint, source, "s3://" + S3TestServer.Bucket + "/" + key };
            if (resume)
            {
                arguments.Insert(1, "--resume");
            }

            using (Process child = Start(state, arguments.ToArray()))
            {
                child.OutputDataReceived += (_, __) => { };
                child.ErrorDataReceived += (_, __) => { };
                child.BeginOutputReadLine();
                child.BeginErrorReadLine();
                var clock = Stopwatch.StartNew();
                while (!proxy.Requests.Any(r => r.Method == "GET" && r.Target.Contains("uploads", StringComparison.Ordinal)))
                {
                    Assert.False(child.HasExited, "the run ended before it listed the key's uploads");
                    Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "the run never listed the key's uploads");
                    Thread.Sleep(5);
                }

                child.Kill(entireProcessTree: true);
                child.WaitForExit();
            }

            Assert.Single(await S3TestServer.UploadsUnderAsync(key));
            proxy.Script = null;
            var rerun = Cli(state, arguments.ToArray());
            Assert.True(rerun.ExitCode == 0, rerun.Error);
            Assert.Equal("completed", JsonDocument.Parse(rerun.Output).RootElement.GetProperty("status").GetString());
            Assert.Empty(await S3TestServer.UploadsUnderAsync(key));
            Assert.Equal(Sha256(source), await S3TestTransfers.StoredSha256Async(key));
        }

        [S3Fact]
        public async Task AnS3DownloadKilledTwiceResumesIdenticalAndFetchesOnlyWhatIsMissing()
        {
            string source = _temp.RandomFile("down.bin", Size, BaseSeed + 2);
            string key = _prefix + "down.bin";
            await S3TestTransfers.UploadAsync(S3TestServer.Storage(), source, new StreamFiles.Core.Locations.S3Location(S3TestServer.Bucket, key), partSize: PartSize);
            File.Move(source, source + ".orig");
            source += ".orig";
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!), seed: BaseSeed);
            string destination = _temp.File("down.bin");
            string[] arguments = { "receive", "--resume", "--force", "--no-progress", "--json", "--concurrency", Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), "--part-size", "8MiB", "--endpoint-url", proxy.Endpoint, "s3://" + S3TestServer.Bucket + "/" + key, destination };

            // The journal advances a range (up to four parts) at a time, and the rest of a run can land in the moment
            // between seeing the target and the kill: while a run is to be killed, each GET's answer is held back.
            await KillTwiceAndFinishDownloadAsync(proxy, arguments, destination, Sha256(source), "S3 download", slow => proxy.Script = slow ? request => request.Method == "GET" ? FaultKind.Latency : FaultKind.None : null);
        }

        [Fact]
        public async Task AnHttpDownloadKilledTwiceResumesIdenticalAndFetchesOnlyWhatIsMissing()
        {
            await using HttpTestServer server = await HttpTestServer.StartAsync();
            byte[] content = HttpTestServer.RandomBytes((int)Size, BaseSeed + 3);
            string expected = Convert.ToHexString(SHA256.HashData(content));
            TestResource resource = server.Add("/big.bin", content);
            resource.ETag = "\"big-v1\"";
            using var proxy = new FaultProxy(server.BaseUri, seed: BaseSeed);
            string destination = _temp.File("http.bin");
            string[] arguments = { "receive", "--resume", "--force", "--no-progress", "--json", "--concurrency", Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), "--part-size", "8MiB", proxy.Rewrite(server.Url("/big.bin")).ToString(), destination };
            
            // The in-process server is faster than the disk: slowed down while a run is to be killed, so it can be.
            await KillTwiceAndFinishDownloadAsync(proxy, arguments, destination, expected, "HTTP download", slow => resource.ChunkDelay = slow ? TimeSpan.FromMilliseconds(2) : TimeSpan.Zero);
        }

        private async Task KillTwiceAndFinishDownloadAsync(FaultProxy proxy, string[] arguments, string destination, string expected, string label, Action<bool>? slow = null)
        {
            var random = new Random(BaseSeed + label.Length);
            string journal = destination + ".partial.journal";
            long worst = 0;
            for (int kill = 0; kill < 3; kill++)
            {
                int atStart = JournaledParts(journal);
                long missing = Size - (atStart * PartSize);
                long fetchedBefore = proxy.ResponseBodyBytes;
                ProcessRunner.Outcome? finished = null;
                slow?.Invoke(kill < 2);
                if (kill < 2)
                {
                    int target = atStart + random.Next(2, Math.Max(3, (PartCount - atStart) / 2));
                    Assert.True(RunAndKill(arguments, null, () => JournaledParts(journal) >= target, proxy), "the download finished before it could be killed");
                    Assert.False(File.Exists(destination), "a file is under the final name after the kill");
                }
                else
                {
                    finished = Cli(null, arguments);
                    Assert.True(finished.ExitCode == 0, finished.Error);
                    Assert.Equal("resumed", JsonDocument.Parse(finished.Output).RootElement.GetProperty("status").GetString());
                }

                long fetched = proxy.ResponseBodyBytes - fetchedBefore;
                int journaledNow = JournaledParts(journal);
                _output.WriteLine($"{label} run {kill + 1}: started with {atStart} parts journaled, fetched {fetched} bytes, journal now lists {journaledNow}");

                // A run fetches the ranges its journal did not list (the parts in flight at a kill are among them),
                // plus the source's fingerprint (its first and last 64 KiB) and a probe: 256 KiB at most.
                Assert.True(fetched <= missing + (256 * 1024), $"run {kill + 1} fetched {fetched} bytes, more than the {missing} missing at its start");
                worst = Math.Max(worst, fetched - missing);
            }

            Assert.Equal(expected, Sha256(destination));
            Assert.False(File.Exists(destination + ".partial"));
            Assert.False(File.Exists(journal));
            Report($"{label}\t{Size / MiB} MiB\t2\t{worst}\t{Concurrency}");
            await Task.CompletedTask;
        }

        /// <summary>
        /// Starts the CLI and kills it (SIGKILL) once ready() says so; false when it finished first. Then waits until
        /// the proxy has closed the dead client's connections: a response cut by the kill is counted when its
        /// connection ends, which must not fall into the next run's count.
        /// </summary>
        private bool RunAndKill(string[] arguments, string? stateDirectory, Func<bool> ready, FaultProxy proxy)
        {
            using Process child = Start(stateDirectory, arguments);
            child.OutputDataReceived += (_, __) => { };
            child.ErrorDataReceived += (_, __) => { };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (!child.HasExited && !ready())
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(5), "the transfer made no progress");
                Thread.Sleep(10);
            }

            bool killed = !child.HasExited;
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
            Assert.True(proxy.WaitUntilIdle(TimeSpan.FromSeconds(40)), "the proxy still has connections open 40 s after the kill");
            return killed;
        }

        private ProcessRunner.Outcome Cli(string? stateDirectory, string[] arguments)
        {
            using Process process = Start(stateDirectory, arguments);
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(600_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("streamfiles " + string.Join(" ", arguments) + " did not finish in 10 minutes");
            }

            process.WaitForExit();
            return new ProcessRunner.Outcome(process.ExitCode, output.Result, error.Result);
        }

        private Process Start(string? stateDirectory, string[] arguments)
        {
            ProcessStartInfo start = ProcessRunner.CliStart(_temp.Path, arguments);

            start.Environment["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey;
            start.Environment["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey;
            start.Environment["AWS_REGION"] = S3TestServer.Region;
            start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
            start.Environment[ResumeJournal.StateDirectoryVariable] = stateDirectory ?? Path.Combine(_temp.Path, "state");
            return Process.Start(start)!;
        }

        private static int JournaledParts(string? journal)
        {
            try
            {
                return journal != null && File.Exists(journal) ? ResumeJournal.TryLoad(journal, out _)?.Parts.Count ?? 0 : 0;
            }
            catch (IOException)
            {
                return 0; // being replaced right now
            }
        }

        private static async Task<HashSet<int>> StoredPartsAsync(string key)
        {
            var upload = (await S3TestServer.UploadsUnderAsync(key)).Single(u => u.Key == key);
            var parts = new HashSet<int>();
            var request = new Amazon.S3.Model.ListPartsRequest { BucketName = S3TestServer.Bucket, Key = key, UploadId = upload.UploadId };
            while (true)
            {
                var page = await S3TestServer.Raw.ListPartsAsync(request);
                foreach (var part in page.Parts ?? new List<Amazon.S3.Model.PartDetail>())
                {
                    parts.Add(part.PartNumber ?? 0);
                }

                if (page.IsTruncated != true)
                {
                    return parts;
                }

                request.PartNumberMarker = page.NextPartNumberMarker?.ToString();
            }
        }

        private static string Sha256(string path)
        {
            using FileStream stream = File.OpenRead(path);
            return Convert.ToHexString(SHA256.HashData(stream));
        }

        private static void Report(string line)
        {
            string? path = Environment.GetEnvironmentVariable("STREAMFILES_FAULT_REPORT");
            if (!string.IsNullOrEmpty(path))
            {
                lock (typeof(KillResumeMatrixTests))
                {
                    File.AppendAllText(path, "kill\t" + line + Environment.NewLine);
                }
            }
        }
    }
}
