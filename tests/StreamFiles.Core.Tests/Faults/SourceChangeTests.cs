using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.S3;
using StreamFiles.Core.Resume;
using StreamFiles.Core.Tests.Http;
using StreamFiles.Core.Tests.S3;
using StreamFiles.Core.Tests.Support;
using Xunit;

namespace StreamFiles.Core.Tests.Faults
{
    /// <summary>
    /// A source file modified in place, truncated or deleted while the real CLI uploads or copies it: the transfer
    /// fails with SourceChanged (exit 1) and nothing completes — no file under the final name (and no .partial), no
    /// object at the S3 key and no multipart upload left, nothing stored by the HTTP server. A deleted file stays
    /// readable on Linux through the open handle, so it is caught by the check of the source before the copy is
    /// given its name ("it was deleted").
    /// </summary>
    public sealed class SourceChangeTests : IAsyncLifetime
    {
        private const long MiB = 1024 * 1024;
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();
        private HttpTestServer _http = null!;

        public enum Change
        {
            Modify,
            Truncate,
            Delete,
        }

        public async Task InitializeAsync() => _http = await HttpTestServer.StartAsync();

        public async Task DisposeAsync()
        {
            await _http.DisposeAsync();
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        [Theory]
        [InlineData(Change.Modify)]
        [InlineData(Change.Truncate)]
        [InlineData(Change.Delete)]
        public void ALocalCopyOfAChangingFileFails(Change change)
        {
            string source = _temp.RandomFile("big.bin", 256 * MiB);
            string destination = _temp.File("copy.bin");
            // sha512, one part at a time, keeps it slow enough to be changed while it runs.
            using Process child = FaultCli.Start(_temp.Path, null, new[] { "send", "--resume", "--json", "--no-progress", "--checksum", "sha512", "--concurrency", "1", "--part-size", "1MiB", "big.bin", "copy.bin" });
            // Copies of local files go fast (copy_file_range beside a separate hashing pass) and journal in batches:
            // the source is changed as soon as the copy has begun, which is what the check at the end must catch.
            WaitFor(child, () => File.Exists(destination + ".partial"));
            Apply(change, source);

            var run = Finish(child);
            Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Error}");
            Assert.StartsWith("streamfiles: [SourceChanged] ", run.Error, StringComparison.Ordinal);
            Assert.Equal(new[] { "SourceChanged" }, FaultCli.Conditions(run.Output));
            Assert.False(File.Exists(destination));
            Assert.False(File.Exists(destination + ".partial"));
            Assert.False(File.Exists(destination + ".partial.journal"));
        }

        [S3Theory]
        [InlineData(Change.Modify, false)]
        [InlineData(Change.Truncate, false)]
        [InlineData(Change.Delete, false)]
        [InlineData(Change.Modify, true)]
        public async Task AnS3MultipartUploadOfAChangingFileFails(Change change, bool resume)
        {
            // 64 parts: enough that a quiet machine is still uploading when two are stored (96 MiB once finished first).
            string source = _temp.RandomFile("big.bin", 320 * MiB);
            string state = _temp.File("state");
            var environment = FaultCli.S3Environment();
            environment["STREAMFILES_STATE_DIR"] = state;
            string key = _prefix + "big.bin";
            string[] arguments = new[] { "send", "--json", "--no-progress", "--concurrency", "1", "--part-size", "5MiB", "big.bin", "s3://" + S3TestServer.Bucket + "/" + key }
                .Concat(resume ? new[] { "--resume" } : Array.Empty<string>()).ToArray();
            using Process child = FaultCli.Start(_temp.Path, environment, arguments);
            if (resume)
            {
                WaitFor(child, () => Directory.Exists(Path.Combine(state, "StreamFiles", "journals")) && Directory.GetFiles(Path.Combine(state, "StreamFiles", "journals"), "*.journal").Sum(JournalParts) >= 2);
            }
            else
            {
                WaitFor(child, () => S3TestServer.UploadsUnderAsync(_prefix).GetAwaiter().GetResult().Count > 0 && PartsUploaded(key) >= 2);
            }

            Apply(change, source);
            var run = Finish(child);

            await AssertSourceChangedAndNothingStoredAsync(run, key); // a changed source is not resumable: aborted even with --resume
        }

        /// <summary>
        /// A source changed while its parts go out fails at the end of the part in flight, not after every other part
        /// has been sent: the local file is looked at again after each part. The change is made when the proxy sees
        /// part 3's request, so parts 1-3 (and at most one more) reach the store, of 12.
        /// </summary>
        [S3Theory]
        [InlineData(Change.Modify)]
        [InlineData(Change.Delete)]
        public async Task AChangedSourceStopsTheUploadAfterThePartInFlight(Change change)
        {
            string source = _temp.RandomFile("early.bin", 60 * MiB);
            string key = _prefix + "early-" + change + ".bin";
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            int changed = 0;
            proxy.Script = request =>
            {
                if (request.Method == "PUT" && System.Text.RegularExpressions.Regex.IsMatch(request.Target, "[?&]partNumber=3(&|$)"))
                {
                    if (Interlocked.Exchange(ref changed, 1) == 0)
                    {
                        Apply(change, source);
                    }
                }

                return null;
            };
            using var pool = new StreamFiles.Core.Storage.S3.S3ClientPool();
            var storage = new StreamFiles.Core.Storage.S3.S3Storage(new StreamFiles.Core.Storage.S3.S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), pool);
            var registry = StreamFiles.Core.Storage.StorageRegistry.CreateDefault().Register(StreamFiles.Core.Locations.LocationKind.S3, storage);

            var run = S3TransferTests.Run(
                StreamFiles.Core.Operations.TransferDirection.Send,
                "s3://" + S3TestServer.Bucket + "/" + key,
                new[] { source },
                new StreamFiles.Core.Transfers.TransferOptions(concurrency: 1, partSize: 5 * MiB),
                registry: registry);

            Assert.Equal(1, changed);
            Assert.Equal("SourceChanged", Assert.Single(run.Errors).Condition);
            int parts = proxy.Requests.Count(r => r.Method == "PUT" && r.Target.Contains("partNumber=", StringComparison.Ordinal));
            Assert.InRange(parts, 3, 4);

            // The failed result says how far the copy got: the parts read and sent, its plan (it said 0 and 0).
            var failed = Assert.Single(run.Transfers);
            Assert.Equal(StreamFiles.Core.Transfers.TransferStatus.Failed, failed.Status);
            Assert.InRange(failed.BytesTransferred, 2 * 5 * MiB, parts * 5 * MiB);
            Assert.True(failed.Parts > parts, $"{failed.Parts} parts planned");
            Assert.Equal(5 * MiB, failed.PartSize);
            Assert.True(failed.Duration > TimeSpan.Zero);
            var missing = await Assert.ThrowsAsync<AmazonS3Exception>(() => S3TestServer.Raw.GetObjectMetadataAsync(S3TestServer.Bucket, key));
            Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Empty(await S3TestServer.UploadsUnderAsync(key));
        }

        [S3Theory]
        [InlineData(Change.Modify)]
        [InlineData(Change.Truncate)]
        [InlineData(Change.Delete)]
        public async Task AnS3SinglePutOfAChangingFileStoresNothing(Change change)
        {
            // One PutObject publishes the object when its body ends: the change lands while the body is going out
            // (the part's checksum pre-pass has read the file once, and a quarter of the second reading is done).
            const long size = 256 * MiB;
            string source = _temp.RandomFile("single.bin", size);
            string key = _prefix + "single.bin";
            using Process child = FaultCli.Start(_temp.Path, FaultCli.S3Environment(), new[] { "send", "--json", "--no-progress", "--part-size", "512MiB", "single.bin", "s3://" + S3TestServer.Bucket + "/" + key });
            var started = Stopwatch.StartNew();
            WaitFor(child, () => OperatingSystem.IsLinux() ? BytesRead(child) >= size + (size / 4) : started.Elapsed > TimeSpan.FromSeconds(1.5));
            Apply(change, source);
            var run = Finish(child);

            await AssertSourceChangedAndNothingStoredAsync(run, key);
        }

        /// <summary>The run failed as SourceChanged, and the store holds neither the object nor an upload under the prefix.</summary>
        private async Task AssertSourceChangedAndNothingStoredAsync(ProcessRunner.Outcome run, string key)
        {
            Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Error}");
            Assert.StartsWith("streamfiles: [SourceChanged] ", run.Error, StringComparison.Ordinal);
            Assert.Equal(new[] { "SourceChanged" }, FaultCli.Conditions(run.Output));
            var missing = await Assert.ThrowsAsync<AmazonS3Exception>(() => S3TestServer.Raw.GetObjectMetadataAsync(S3TestServer.Bucket, key));
            Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
        }

        /// <summary>Bytes the process has read through read calls so far (rchar in /proc/PID/io), or 0 when unknown.</summary>
        private static long BytesRead(Process process)
        {
            try
            {
                foreach (string line in File.ReadLines($"/proc/{process.Id}/io"))
                {
                    if (line.StartsWith("rchar:", StringComparison.Ordinal))
                    {
                        return long.Parse(line.Substring(6).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            return 0;
        }

        [Theory]
        [InlineData(Change.Modify)]
        [InlineData(Change.Truncate)]
        [InlineData(Change.Delete)]
        public void AnHttpPutOfAChangingFileStoresNothing(Change change)
        {
            string source = _temp.RandomFile("up.bin", 16 * MiB);
            TestResource target = _http.AcceptUploads("/put/up.bin");
            target.UploadChunkDelay = TimeSpan.FromMilliseconds(4);
            using Process child = FaultCli.Start(_temp.Path, null, new[] { "send", "--json", "--no-progress", "up.bin", _http.Url("/put/up.bin").ToString() });
            WaitFor(child, () => Interlocked.Read(ref target.BytesReceived) >= 2 * MiB);
            Apply(change, source);

            string after = File.Exists(source) ? new FileInfo(source).Length + " " + Interlocked.Read(ref target.BytesReceived) : "gone";
            var run = Finish(child);
            Assert.True(run.ExitCode == 1, $"exit {run.ExitCode} ({after}): {run.Error} {run.Output}");
            Assert.StartsWith("streamfiles: [SourceChanged] ", run.Error, StringComparison.Ordinal);
            Assert.Equal(new[] { "SourceChanged" }, FaultCli.Conditions(run.Output));
            Assert.False(_http.Uploads.ContainsKey("/put/up.bin"), "the server stored a complete PUT of a changed file");
        }

        private static void Apply(Change change, string path)
        {
            switch (change)
            {
                case Change.Modify:
                    using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
                    {
                        stream.Write(new byte[4096].Select(_ => (byte)0xFF).ToArray());
                    }

                    break;
                case Change.Truncate:
                    using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
                    {
                        stream.SetLength(3 * MiB);
                    }

                    break;
                case Change.Delete:
                    File.Delete(path);
                    break;
            }
        }

        private static void WaitFor(Process child, Func<bool> condition)
        {
            var clock = Stopwatch.StartNew();
            while (!child.HasExited && !condition())
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), "the transfer made no visible progress in 90 s");
                Thread.Sleep(5);
            }

            if (child.HasExited)
            {
                Assert.Fail("the transfer finished before the source could be changed: " + child.StandardError.ReadToEnd());
            }
        }

        private static ProcessRunner.Outcome Finish(Process child)
        {
            Task<string> output = child.StandardOutput.ReadToEndAsync();
            Task<string> error = child.StandardError.ReadToEndAsync();
            if (!child.WaitForExit(120_000))
            {
                child.Kill(entireProcessTree: true);
                throw new TimeoutException("streamfiles did not stop within 2 minutes of the change");
            }

            child.WaitForExit();
            return ProcessRunner.Captured("streamfiles", new ProcessRunner.Outcome(child.ExitCode, output.Result, error.Result));
        }

        internal static int JournalParts(string path)
        {
            try
            {
                return File.Exists(path) ? ResumeJournal.TryLoad(path, out _)?.Parts.Count ?? 0 : 0;
            }
            catch (IOException)
            {
                return 0; // being replaced right now
            }
        }

        private static int PartsUploaded(string key)
        {
            var upload = S3TestServer.UploadsUnderAsync(key).GetAwaiter().GetResult().FirstOrDefault();
            if (upload is null)
            {
                return 0;
            }

            var parts = S3TestServer.Raw.ListPartsAsync(S3TestServer.Bucket, key, upload.UploadId).GetAwaiter().GetResult();
            return parts.Parts?.Count ?? 0;
        }
    }
}
