using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Tests.S3;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.Faults
{
    /// <summary>S3 responses lost or cut short: a retry recovers, and leaves no second, orphaned thing behind.</summary>
    public sealed class S3ResponseFaultTests : IDisposable
    {
        private const long MiB = 1024 * 1024;
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();
        private readonly S3ClientPool _pool = new S3ClientPool();

        public void Dispose()
        {
            _pool.Dispose();
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        /// <summary>
        /// Found by the fault matrix: the store created a multipart upload, the response never arrived, the SDK
        /// created another, and the upload completed while the first one stayed in ListMultipartUploads for good.
        /// </summary>
        [S3Theory]
        [InlineData(FaultKind.ResetResponse)]
        [InlineData(FaultKind.Stall)]
        public async Task ALostCreateMultipartUploadResponseLeavesNoOrphanedUpload(FaultKind fault)
        {
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!)) { StallFor = TimeSpan.FromSeconds(1) };
            int creates = 0;
            proxy.Script = request => request.Method == "POST" && request.Target.EndsWith("?uploads", StringComparison.Ordinal) && System.Threading.Interlocked.Increment(ref creates) == 1
                ? fault
                : FaultKind.None;
            string path = _temp.RandomFile("a.bin", 11 * MiB, seed: 5);
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), _pool);
            string url = "s3://" + S3TestServer.Bucket + "/" + _prefix + "a.bin";

            var run = S3TransferTests.Run(TransferDirection.Send, url, new[] { path }, new TransferOptions(partSize: 5 * MiB), registry: StorageRegistry.CreateDefault().Register(LocationKind.S3, storage));

            Assert.True(run.Errors.Count == 0, string.Join("\n", run.Errors.Select(e => e.Message)));
            Assert.True(creates >= 2, $"the create was not retried ({creates} requests; {proxy.Describe()})");
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
            Assert.Equal(File.ReadAllBytes(path), await S3TestServer.GetAsync(_prefix + "a.bin"));
        }

        /// <summary>
        /// Found by the fault matrix: a GET body that ended early (a clean close before Content-Length bytes) failed
        /// the download at once as a ReadError, where a reset was retried; now the range is read again from where it
        /// stopped. And found by a probe (ShortLength): a range answered with a Content-Length shorter than the range,
        /// whole by its own framing, was read to its end and failed as SourceChanged ("it ended at byte ..."), never
        /// retried, though If-Match pinned the version; it is read again too.
        /// </summary>
        [S3Theory]
        [InlineData(FaultKind.TruncateResponse)]
        [InlineData(FaultKind.ShortLength)]
        public async Task ADownloadWhoseBodyIsCutShortReadsTheRestAgain(FaultKind fault)
        {
            string name = "cut-" + fault + ".bin";
            string path = _temp.RandomFile(name, 11 * MiB, seed: 6);
            await S3TestTransfers.UploadAsync(S3TestServer.Storage(), path, new S3Location(S3TestServer.Bucket, _prefix + name), partSize: 5 * MiB);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            int gets = 0;
            proxy.Script = request => request.Method == "GET" && request.Range != null && System.Threading.Interlocked.Increment(ref gets) <= 2 ? fault : FaultKind.None;
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), _pool);
            string copy = _temp.File("copy-" + name);

            var run = S3TransferTests.Run(TransferDirection.Receive, copy, new[] { "s3://" + S3TestServer.Bucket + "/" + _prefix + name }, new TransferOptions(partSize: 5 * MiB, retryDelay: TimeSpan.FromMilliseconds(20)), registry: StorageRegistry.CreateDefault().Register(LocationKind.S3, storage));

            Assert.True(run.Errors.Count == 0, string.Join("\n", run.Errors.Select(e => e.Condition + ": " + e.Message)));
            Assert.Equal(2, proxy.Injected(fault));
            Assert.True(Assert.Single(run.Transfers).Attempts > 1);
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)), System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(copy)));
        }

        /// <summary>
        /// A store that goes silent mid-body (the connection stays open, no data, no reset for a minute): the request
        /// timeout no longer applies once the response head came, so only the stall watchdog ends the read. The range
        /// is read again and the download completes long before the proxy would give up on its own.
        /// </summary>
        [S3Fact]
        public async Task ADownloadWhoseBodyGoesSilentIsReadAgainAfterTheStallTimeout()
        {
            string path = _temp.RandomFile("s.bin", 11 * MiB, seed: 8);
            await S3TestTransfers.UploadAsync(S3TestServer.Storage(), path, new S3Location(S3TestServer.Bucket, _prefix + "s.bin"), partSize: 5 * MiB);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!)) { StallFor = TimeSpan.FromSeconds(60) };
            int gets = 0;
            proxy.Script = request => request.Method == "GET" && request.Range != null && System.Threading.Interlocked.Increment(ref gets) == 1 ? FaultKind.Stall : FaultKind.None;
            using var pool = new S3ClientPool(stallTimeout: TimeSpan.FromSeconds(1));
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), pool);
            string copy = _temp.File("stalled.bin");

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var run = S3TransferTests.Run(TransferDirection.Receive, copy, new[] { "s3://" + S3TestServer.Bucket + "/" + _prefix + "s.bin" }, new TransferOptions(partSize: 5 * MiB, retryDelay: TimeSpan.FromMilliseconds(20)), registry: StorageRegistry.CreateDefault().Register(LocationKind.S3, storage));
            clock.Stop();

            Assert.True(run.Errors.Count == 0, string.Join("\n", run.Errors.Select(e => e.Message)));
            Assert.Equal(1, proxy.Injected(FaultKind.Stall));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the download took {clock.Elapsed.TotalSeconds:0.0} s: the silent body was not given up after the 1 s stall timeout");
            Assert.True(Assert.Single(run.Transfers).Attempts > 1);
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)), System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(copy)));
        }

        [Fact]
        public void AStallTimeoutMustBePositive() =>
            Assert.Throws<ArgumentOutOfRangeException>(() => new S3ClientPool(stallTimeout: TimeSpan.Zero));

        /// <summary>
        /// Found by the fault matrix: with Resume, the source's fingerprint (its first and last bytes) is read before
        /// any part, and a network hiccup there failed the transfer without a retry.
        /// </summary>
        [S3Fact]
        public async Task AResumableDownloadRetriesTheFingerprintRead()
        {
            string path = _temp.RandomFile("c.bin", 11 * MiB, seed: 7);
            await S3TestTransfers.UploadAsync(S3TestServer.Storage(), path, new S3Location(S3TestServer.Bucket, _prefix + "c.bin"), partSize: 5 * MiB);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            int gets = 0;
            proxy.Script = request => request.Method == "GET" && request.Range != null && System.Threading.Interlocked.Increment(ref gets) == 1 ? FaultKind.ResetResponse : FaultKind.None;
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), _pool);
            string copy = _temp.File("copy.bin");

            var run = S3TransferTests.Run(TransferDirection.Receive, copy, new[] { "s3://" + S3TestServer.Bucket + "/" + _prefix + "c.bin" }, new TransferOptions(partSize: 5 * MiB, resume: true, retryDelay: TimeSpan.FromMilliseconds(20)), registry: StorageRegistry.CreateDefault().Register(LocationKind.S3, storage));

            Assert.True(run.Errors.Count == 0, string.Join("\n", run.Errors.Select(e => e.Message)));
            Assert.Equal(1, proxy.Injected(FaultKind.ResetResponse));
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)), System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(copy)));
        }

        /// <summary>
        /// Found by the fault matrix: a 503 SlowDown burst longer than the SDK's retries on the HEAD that asks whether
        /// the destination is a folder escaped the operation as an exception, where it should be one file's problem.
        /// </summary>
        [S3Fact]
        public void ABusyStoreWhileLookingAtTheDestinationFailsNoMoreThanTheFile()
        {
            string path = _temp.RandomFile("d.bin", 1000, seed: 8);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            int heads = 0;
            proxy.Script = request => request.Method == "HEAD" && System.Threading.Interlocked.Increment(ref heads) <= 3 ? FaultKind.SlowDown : FaultKind.None;
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), _pool);

            var run = S3TransferTests.Run(TransferDirection.Send, "s3://" + S3TestServer.Bucket + "/" + _prefix + "d.bin", new[] { path }, new TransferOptions(), registry: StorageRegistry.CreateDefault().Register(LocationKind.S3, storage));

            Assert.True(proxy.Injected(FaultKind.SlowDown) >= 3, proxy.Describe());
            Assert.True(run.Errors.Count == 0, string.Join("\n", run.Errors.Select(e => e.Message)));
            Assert.Equal(TransferStatus.Completed, Assert.Single(run.Transfers).Status);
        }

        /// <summary>
        /// Found by the fault matrix: a SlowDown burst longer than the SDK's own retries on a request that is not a
        /// part (CreateMultipartUpload, CompleteMultipartUpload, the HEAD that checks the result) failed a file whose
        /// parts were all stored. Those requests now get retries of their own.
        /// </summary>
        [S3Theory]
        [InlineData("POST", "?uploads")]
        [InlineData("POST", "?uploadId=")]
        [InlineData("HEAD", null)]
        public async Task ABusyStoreAroundTheMultipartUploadIsWaitedOut(string method, string? target)
        {
            string path = _temp.RandomFile("w.bin", 11 * MiB, seed: 9);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            int hits = 0;
            bool uploading = false;
            proxy.Script = request =>
            {
                if (request.Method == "PUT")
                {
                    uploading = true; // the HEADs before the upload are the engine's own look at the destination
                }

                bool matches = request.Method == method && (target is null ? uploading : request.Target.Contains(target, StringComparison.Ordinal));
                return matches && System.Threading.Interlocked.Increment(ref hits) <= 4 ? FaultKind.SlowDown : FaultKind.None;
            };
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), _pool);
            string key = _prefix + "w-" + method + (target is null ? "head" : target.Trim('?', '=')) + ".bin";

            var run = UploadInFiveMiBParts(storage, path, key);

            Assert.True(proxy.Injected(FaultKind.SlowDown) == 4, string.Join("\n", proxy.Requests.Select(r => r.Method + " " + r.Target + " " + r.Fault)));
            await AssertUploadedWholeAsync(run, path, key);
        }

        /// <summary>
        /// A CompleteMultipartUpload whose response is lost after the store completed the upload, three times over:
        /// the upload is done, not failed, and nothing is left behind. (RGW answers a repeated Complete with the object
        /// again; AWS S3 answers NoSuchUpload, which the writer accepts only when the object's size and multipart ETag
        /// are those of the parts sent.)
        /// </summary>
        [S3Fact]
        public async Task ALostCompleteResponseIsRecognisedAsDone()
        {
            string path = _temp.RandomFile("x.bin", 11 * MiB, seed: 10);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            int completes = 0;
            proxy.Script = request => request.Method == "POST" && request.Target.Contains("?uploadId=", StringComparison.Ordinal) && System.Threading.Interlocked.Increment(ref completes) <= 3 ? FaultKind.ResetResponse : FaultKind.None;
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), _pool);
            string key = _prefix + "x.bin";

            var run = UploadInFiveMiBParts(storage, path, key);

            Assert.True(proxy.Injected(FaultKind.ResetResponse) >= 1, proxy.Describe());
            await AssertUploadedWholeAsync(run, path, key);
        }

        /// <summary>
        /// The answer to every CompleteMultipartUpload try is lost (a probe: the run failed WriteError after the retries,
        /// and aborted the upload the store had completed): the object under the key, made of these parts, settles it.
        /// </summary>
        [S3Fact]
        public async Task ACompleteWhoseAnswerNeverComesIsSettledByTheKey()
        {
            string path = _temp.RandomFile("never.bin", 11 * MiB, seed: 13);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            proxy.Script = request => request.Method == "POST" && request.Query("uploadId") != null ? FaultKind.ResetResponse : FaultKind.None;
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), _pool);
            string key = _prefix + "never.bin";

            var run = UploadInFiveMiBParts(storage, path, key);

            Assert.True(proxy.Injected(FaultKind.ResetResponse) >= 2, proxy.Describe());
            Assert.DoesNotContain(proxy.Requests, r => r.Method == "DELETE");
            await AssertUploadedWholeAsync(run, path, key);
        }

        /// <summary>
        /// A part refused for good and an abort refused too: the file fails with the part's error, and a warning (not
        /// only a verbose line) says the upload is still on the store and that the next run removes it.
        /// </summary>
        [S3Fact]
        public async Task AnUploadThatCannotBeAbortedIsWarnedOf()
        {
            string path = _temp.RandomFile("stuck.bin", 11 * MiB, seed: 15);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            proxy.Script = request => (request.Method == "PUT" && request.Query("partNumber") == "2") || request.Method == "DELETE" ? FaultKind.NotImplemented : FaultKind.None;
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), _pool);
            string key = _prefix + "stuck.bin";

            var run = UploadInFiveMiBParts(storage, path, key);

            Assert.Single(run.Errors);
            Assert.Contains(run.Warnings, w => w.Contains("the unfinished upload could not be removed", StringComparison.Ordinal) && w.Contains("the next run of this transfer removes it", StringComparison.Ordinal));
            Assert.Single(await S3TestServer.UploadsUnderAsync(key));
            foreach (var upload in await S3TestServer.UploadsUnderAsync(key))
            {
                await S3TestServer.Raw.AbortMultipartUploadAsync(S3TestServer.Bucket, upload.Key, upload.UploadId);
            }
        }

        /// <summary>Sends <paramref name="path"/> to <paramref name="key"/> through <paramref name="storage"/> in 5 MiB parts.</summary>
        private static S3TransferTests.Sink UploadInFiveMiBParts(S3Storage storage, string path, string key) =>
            S3TransferTests.Run(TransferDirection.Send, "s3://" + S3TestServer.Bucket + "/" + key, new[] { path }, new TransferOptions(partSize: 5 * MiB), registry: StorageRegistry.CreateDefault().Register(LocationKind.S3, storage));

        /// <summary>The upload completed without errors, the stored object is the file, and no multipart upload is left.</summary>
        private static async Task AssertUploadedWholeAsync(S3TransferTests.Sink run, string path, string key)
        {
            Assert.True(run.Errors.Count == 0, string.Join("\n", run.Errors.Select(e => e.Message)));
            Assert.Equal(TransferStatus.Completed, Assert.Single(run.Transfers).Status);
            Assert.Equal(S3TestTransfers.Sha256Hex(File.ReadAllBytes(path)), await S3TestTransfers.StoredSha256Async(key));
            Assert.DoesNotContain(await S3TestServer.UploadsUnderAsync(key), u => u.Key == key);
        }

        /// <summary>
        /// In process (as in a PowerShell session), a single PutObject whose source is touched while its body is on the
        /// wire fails as SourceChanged with no object stored, and the next uploads on the same pooled client are not
        /// disturbed by the request that was broken off.
        /// </summary>
        [S3Fact]
        public async Task ASinglePutBrokenOffBySourceChangeLeavesNothingAndTheClientHealthy()
        {
            string path = _temp.RandomFile("p.bin", 24 * MiB, seed: 11);
            string other = _temp.RandomFile("q.bin", 3 * MiB, seed: 12);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            int touched = 0;
            proxy.Script = request =>
            {
                if (request.Method == "PUT" && request.Target.Contains("p.bin", StringComparison.Ordinal) && System.Threading.Interlocked.Increment(ref touched) == 1)
                {
                    File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-5)); // the body is still on its way
                }

                return FaultKind.None;
            };
            using var pool = new S3ClientPool();
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), pool);
            var registry = StorageRegistry.CreateDefault().Register(LocationKind.S3, storage);

            var broken = S3TransferTests.Run(TransferDirection.Send, "s3://" + S3TestServer.Bucket + "/" + _prefix + "p.bin", new[] { path }, new TransferOptions(partSize: 64 * MiB), registry: registry);
            var next = S3TransferTests.Run(TransferDirection.Send, "s3://" + S3TestServer.Bucket + "/" + _prefix + "q.bin", new[] { other }, new TransferOptions(partSize: 64 * MiB), registry: registry);

            Assert.Equal(1, touched); // sent once: the request is cancelled as the body fails, so the SDK does not retry it
            Assert.Equal("SourceChanged", Assert.Single(broken.Errors).Condition);
            Assert.Null(await S3TestTransfers.StoredSha256Async(_prefix + "p.bin"));
            Assert.True(next.Errors.Count == 0, string.Join("\n", next.Errors.Select(e => e.Message)));
            Assert.Equal(1, Assert.Single(next.Transfers).Attempts);
            Assert.Equal(S3TestTransfers.Sha256Hex(File.ReadAllBytes(other)), await S3TestTransfers.StoredSha256Async(_prefix + "q.bin"));
        }

        /// <summary>
        /// Found by a probe: another writer's object written under the key just after this upload was completed was taken
        /// for this upload assembled wrong (its size differed) and deleted. It is another ETag than the completion's:
        /// it is left as it is, and the file is DestinationExists.
        /// </summary>
        [S3Fact]
        public async Task AnObjectWrittenByAnotherJustAfterTheCompletionIsLeftAsItIs()
        {
            string key = _prefix + "theirs-after.bin";
            byte[] theirs = System.Text.Encoding.ASCII.GetBytes("theirs now");
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            bool completed = false;
            bool replaced = false;
            proxy.Script = request =>
            {
                if (request.Method == "POST" && request.Query("uploadId") != null)
                {
                    completed = true;
                }
                else if (completed && !replaced && request.Method == "HEAD")
                {
                    // The check after the completion: someone else writes the key first, straight to the store.
                    replaced = true;
                    S3TestServer.PutAsync(key, theirs).GetAwaiter().GetResult();
                }

                return FaultKind.None;
            };
            string path = _temp.RandomFile("mine.bin", 11 * MiB, seed: 14);
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), _pool);
            var registry = StorageRegistry.CreateDefault().Register(LocationKind.S3, storage);
            ObjectInfo source = await new StreamFiles.Core.Storage.Local.LocalStorage().StatAsync(Location.Parse(path), default) ?? throw new InvalidOperationException("no source");
            var engine = new TransferEngine(new TransferOptions(partSize: 5 * MiB), registry);

            var failure = await Assert.ThrowsAsync<CommandFailureException>(() => engine.TransferAsync(new TransferJob(source, Location.Parse("s3://" + S3TestServer.Bucket + "/" + key), null), null, default));

            Assert.True(replaced);
            Assert.Equal("DestinationExists", failure.Error.Condition);
            Assert.Contains("was left as it is", failure.Error.Message, StringComparison.Ordinal);
            Assert.Equal(theirs, await S3TestServer.GetAsync(key));
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
        }

        /// <summary>
        /// Found by a probe: Ctrl+C while CompleteMultipartUpload was on its way cut the request, the store completed the
        /// object anyway, the abort that followed found no upload, and the run reported the file interrupted (a rerun
        /// without -Force then met DestinationExists). A stop at that point now lets the completion finish: the object
        /// is complete, no upload is left, and the transfer reports it Completed.
        /// </summary>
        [S3Fact]
        public async Task AStopWhileTheUploadIsCompletedLetsTheCompletionFinish()
        {
            var (result, requests, path) = await UploadStoppedDuringTheCompletionAsync("done.bin", TimeSpan.FromSeconds(2), seed: 12);

            Assert.Equal(1, requests.Count(r => r.Method == "POST" && r.Query("uploadId") != null));
            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
            Assert.Equal(S3TestTransfers.Sha256Hex(File.ReadAllBytes(path)), await S3TestTransfers.StoredSha256Async(_prefix + "done.bin"));
        }

        /// <summary>
        /// The same stop while the completion's answer takes longer than the 5 s grace (a probe: the store completed the
        /// object, the run said Interrupted and aborted an upload that was no more): the key settles it, Completed.
        /// </summary>
        [S3Fact]
        public async Task AStopWhoseGraceRunsOutWhileTheUploadIsCompletedIsSettledByTheKey()
        {
            var (result, requests, path) = await UploadStoppedDuringTheCompletionAsync("late.bin", TimeSpan.FromSeconds(9), seed: 14);

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.DoesNotContain(requests, r => r.Method == "DELETE");
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix + "late.bin"));
            Assert.Equal(S3TestTransfers.Sha256Hex(File.ReadAllBytes(path)), await S3TestTransfers.StoredSha256Async(_prefix + "late.bin"));
        }

        /// <summary>
        /// Uploads an 11 MiB file in 5 MiB parts, stopping the transfer as its CompleteMultipartUpload goes out, whose
        /// answer the proxy holds back for <paramref name="latency"/>; returns the result, the requests made and the file.
        /// </summary>
        private async Task<(TransferResult Result, IReadOnlyList<ProxiedRequest> Requests, string Path)> UploadStoppedDuringTheCompletionAsync(string name, TimeSpan latency, int seed)
        {
            using var stop = new System.Threading.CancellationTokenSource();
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!)) { Latency = latency };
            proxy.Script = request =>
            {
                if (request.Method == "POST" && request.Query("uploadId") != null)
                {
                    _ = Task.Run(stop.Cancel); // the stop arrives while the store completes the object
                    return FaultKind.Latency;
                }

                return FaultKind.None;
            };
            string path = _temp.RandomFile(name, 11 * MiB, seed: seed);
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), _pool);
            var registry = StorageRegistry.CreateDefault().Register(LocationKind.S3, storage);
            ObjectInfo source = await new StreamFiles.Core.Storage.Local.LocalStorage().StatAsync(Location.Parse(path), default) ?? throw new InvalidOperationException("no source");
            var engine = new TransferEngine(new TransferOptions(partSize: 5 * MiB), registry);
            var destination = Location.Parse("s3://" + S3TestServer.Bucket + "/" + _prefix + name);

            TransferResult result = await engine.TransferAsync(new TransferJob(source, destination, null), null, stop.Token);

            Assert.True(stop.IsCancellationRequested);
            return (result, proxy.Requests, path);
        }
    }
}
