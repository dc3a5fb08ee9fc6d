using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Tests.Support;

namespace StreamFiles.Core.Tests.Http
{
    /// <summary>
    /// A download killed mid-way (SIGKILL, no cleanup) and run again in a new process with resume: the rerun
    /// continues the same version with Range + If-Range, or starts over when the file changed meanwhile.
    /// The child is the streamfiles CLI (streamfiles.dll built beside the tests, or STREAMFILES_TEST_CLI).
    /// </summary>
    public sealed class HttpKillResumeTests : IAsyncLifetime
    {
        private const int Size = 24 * 1024 * 1024;
        private const int MiB = 1024 * 1024;
        private readonly TempDirectory _temp = new TempDirectory();
        private HttpTestServer _server = null!;

        public async Task InitializeAsync() => _server = await HttpTestServer.StartAsync();

        public async Task DisposeAsync()
        {
            await _server.DisposeAsync();
            _temp.Dispose();
        }

        private static string[] ChildArguments(string url, string destination) =>
            new[] { "receive", "--resume", "--force", "--no-progress", "--concurrency", "2", "--part-size", "1MiB", url, destination };

        /// <summary>Starts the child and kills it once its journal lists at least `parts` finished parts.</summary>
        private static void StartAndKill(string url, string destination, int parts)
        {
            ProcessStartInfo start = ProcessRunner.CliStart(null, ChildArguments(url, destination));

            using Process child = Process.Start(start)!;
            child.OutputDataReceived += (_, __) => { };
            child.ErrorDataReceived += (_, __) => { };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            string journal = destination + ".partial.journal";
            var clock = Stopwatch.StartNew();
            try
            {
                while (DoneParts(journal) < parts)
                {
                    Assert.False(child.HasExited, $"the child ended (exit {(child.HasExited ? child.ExitCode : 0)}) before it was killed");
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), "the child made no progress");
                    Thread.Sleep(20);
                }
            }
            finally
            {
                child.Kill(entireProcessTree: true);
                child.WaitForExit();
            }
        }

        private static long SettledServed(TestResource resource)
        {
            long served = resource.Served;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(250);
                long now = resource.Served;
                if (now == served)
                {
                    return now;
                }

                served = now;
            }

            return served;
        }

        private static int DoneParts(string journal)
        {
            try
            {
                return File.Exists(journal) ? File.ReadAllLines(journal).Count(l => l.StartsWith("part ", StringComparison.Ordinal)) : 0;
            }
            catch (IOException)
            {
                return 0; // being replaced at this moment
            }
        }

        private static string Sha256Sum(string path) => ProcessRunner.Shell($"sha256sum '{path}'").Split(' ')[0];

        [Fact]
        public void A_killed_download_resumes_the_same_version_in_a_new_process()
        {
            byte[] content = HttpTestServer.RandomBytes(Size, seed: 11);
            TestResource resource = _server.Add("/big.bin", content);
            resource.ChunkDelay = TimeSpan.FromMilliseconds(3);
            string url = _server.Url("/big.bin?token=abc").ToString();
            string destination = _temp.File("big.bin");

            StartAndKill(url, destination, parts: 4);
            Assert.False(File.Exists(destination));
            Assert.True(File.Exists(destination + ".partial"));

            resource.ChunkDelay = TimeSpan.Zero;
            // The server may still be writing the killed child's responses until it sees their sockets close:
            // count the rerun's bytes only from when that has settled.
            long servedBefore = SettledServed(resource);
            int requestsBefore = _server.Requests.Count;
            ProcessRunner.Outcome rerun = ProcessRunner.Streamfiles(Environment.CurrentDirectory, ChildArguments(url, destination));

            Assert.True(rerun.ExitCode == 0, rerun.Output + rerun.Error);
            Assert.StartsWith("resumed ", rerun.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("token=abc", rerun.Output, StringComparison.Ordinal);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant(), Sha256Sum(destination));
            Assert.False(File.Exists(destination + ".partial.journal"));
            long servedAgain = resource.Served - servedBefore;
            // At most what the journal did not list, the source fingerprint (first and last 64 KiB) and the range
            // probes (bytes=0-0, one byte each): 131,074 bytes beyond the missing parts when the kill came right
            // after the fourth part (CI saw exactly that, 2 bytes over a bound without the probes).
            Assert.True(servedAgain <= Size - (4 * MiB) + (2 * 64 * 1024) + 16, $"the rerun fetched {servedAgain} of {Size} bytes");
            var ranged = _server.Requests.Skip(requestsBefore).Where(r => r.Header("Range") is string range && range != "bytes=0-0").ToList();
            Assert.NotEmpty(ranged);
            Assert.All(ranged, r => Assert.Equal("\"v1\"", r.Header("If-Range")));
        }

        [Fact]
        public void A_killed_download_of_a_file_that_changed_starts_over()
        {
            TestResource resource = _server.Add("/moving.bin", HttpTestServer.RandomBytes(Size, seed: 12));
            resource.ChunkDelay = TimeSpan.FromMilliseconds(3);
            string url = _server.Url("/moving.bin").ToString();
            string destination = _temp.File("moving.bin");
            StartAndKill(url, destination, parts: 4);

            byte[] replaced = HttpTestServer.RandomBytes(Size, seed: 13);
            resource.Replace(replaced, "\"v2\"");
            resource.ChunkDelay = TimeSpan.Zero;
            ProcessRunner.Outcome rerun = ProcessRunner.Streamfiles(Environment.CurrentDirectory, ChildArguments(url, destination));

            Assert.True(rerun.ExitCode == 0, rerun.Output + rerun.Error);
            Assert.StartsWith("completed ", rerun.Output, StringComparison.Ordinal);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(replaced)).ToLowerInvariant(), Sha256Sum(destination));
        }
    }
}
