using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Tests.Faults;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// Many small new files to a prefix: the batch lists the destination once and sends each new key with one
    /// conditional PutObject (If-None-Match: *), where it used to cost a HEAD, a listing, a HEAD and the PUT. The store
    /// still has the last word on a key written since the listing, and on its own support for the header.
    /// </summary>
    public sealed class S3NewKeyTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();

        public void Dispose()
        {
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        private string S3(string key) => "s3://" + S3TestServer.Bucket + "/" + _prefix + key;

        /// <summary>The S3 backend through the proxy, with a pool of its own: what the store said of its headers stays in this test.</summary>
        private static StorageRegistry Through(FaultProxy proxy) =>
            StorageRegistry.CreateDefault().RegisterS3(
                new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), pool: new S3ClientPool());

        /// <summary>A directory of small files, a.bin b.bin ... and sub/n.bin, each of its own bytes.</summary>
        private string Tree(int count)
        {
            string root = Path.Combine(_temp.Path, "tree");
            Directory.CreateDirectory(Path.Combine(root, "sub"));
            for (int i = 0; i < count; i++)
            {
                File.WriteAllBytes(Path.Combine(root, NameOf(i)), Bytes(i, 1000 + i));
            }

            return root;
        }

        /// <summary>The name of Tree's file i below the tree, with '/': the key it gets below the destination.</summary>
        private static string NameOf(int i) => i % 4 == 3 ? "sub/f" + i + ".bin" : "f" + i + ".bin";

        private static byte[] Bytes(int seed, int length)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        private static bool IsPutOf(Faults.ProxiedRequest request, string name) =>
            request.Method == "PUT" && request.Target.Split('?')[0].EndsWith("/" + name, StringComparison.Ordinal);

        private static List<Faults.ProxiedRequest> ToKeysUnder(FaultProxy proxy, string prefix) =>
            proxy.Requests.Where(r => Uri.UnescapeDataString(r.Target.Split('?')[0]).Contains("/" + prefix, StringComparison.Ordinal)).ToList();

        [S3Fact]
        public void ATreeOfNewFilesCostsOneConditionalPutEachAndNoHead()
        {
            string root = Tree(12);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));

            var sink = S3TransferTests.Run(TransferDirection.Send, S3("new/"), new[] { root + "/" }, recurse: true, registry: Through(proxy));

            Assert.Empty(sink.Errors);
            Assert.Equal(12, sink.Transfers.Count(t => t.Status == TransferStatus.Completed));
            List<Faults.ProxiedRequest> puts = proxy.Requests.Where(r => r.Method == "PUT").ToList();
            Assert.Equal(12, puts.Count);
            Assert.All(puts, put => Assert.Equal("*", put.IfNoneMatch));
            Assert.DoesNotContain(proxy.Requests, r => r.Method == "HEAD");
            Assert.InRange(proxy.Requests.Count(r => r.Method == "GET"), 1, 2); // the destination's own look, and the batch's listing
            for (int i = 0; i < 12; i++)
            {
                Assert.Equal(Bytes(i, 1000 + i), S3TestServer.GetAsync(_prefix + "new/" + NameOf(i)).GetAwaiter().GetResult());
            }
        }

        [S3Fact]
        public void WhatTheListingFoundIsStillRefusedAndAVerifiedCopyIsReadBack()
        {
            // The listing answers for keys it did not find; a key it found is a HEAD as before (DestinationExists), a
            // prefix it found is a directory (DestinationIsDirectory), and -Verify's stat after the write asks the store.
            string root = Tree(3);
            File.WriteAllBytes(Path.Combine(root, "taken.bin"), Bytes(50, 300));
            File.WriteAllBytes(Path.Combine(root, "folder"), Bytes(51, 300));
            S3TestServer.PutAsync(_prefix + "dest/taken.bin", Bytes(60, 10)).GetAwaiter().GetResult();
            S3TestServer.PutAsync(_prefix + "dest/folder/inside.bin", Bytes(61, 10)).GetAwaiter().GetResult();
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));

            var sink = S3TransferTests.Run(TransferDirection.Send, S3("dest/"), new[] { root + "/" }, new TransferOptions(verify: true), recurse: true, registry: Through(proxy));

            Assert.Equal(new[] { "DestinationExists", "DestinationIsDirectory" }, sink.Errors.Select(e => e.Condition).OrderBy(c => c, StringComparer.Ordinal));
            Assert.Equal(3, sink.Transfers.Count(t => t.Status == TransferStatus.Completed && t.Verified));
            Assert.Equal(Bytes(60, 10), S3TestServer.GetAsync(_prefix + "dest/taken.bin").GetAwaiter().GetResult());
            Assert.DoesNotContain(proxy.Requests, r => IsPutOf(r, "taken.bin") || IsPutOf(r, "folder"));
        }

        /// <summary>
        /// Also when the other writer's bytes are the very bytes of the file (a probe): its object is not this upload's
        /// (no mtime of the source), so the file is not reported completed.
        /// </summary>
        [S3Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void AKeyWrittenAfterTheListingIsNotReplaced(bool sameBytes)
        {
            string root = Tree(4);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            byte[] theirs = sameBytes ? Bytes(1, 1001) : Encoding.UTF8.GetBytes("written by someone else while the batch ran");
            int written = 0;
            proxy.Script = request =>
            {
                if (IsPutOf(request, "f1.bin") && System.Threading.Interlocked.Exchange(ref written, 1) == 0)
                {
                    S3TestServer.PutAsync(_prefix + "race/f1.bin", theirs).GetAwaiter().GetResult();
                }

                return FaultKind.None;
            };

            var sink = S3TransferTests.Run(TransferDirection.Send, S3("race/"), new[] { root + "/" }, recurse: true, registry: Through(proxy));

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("DestinationExists", error.Condition);
            Assert.Contains("f1.bin", error.Target, StringComparison.Ordinal);
            Assert.Contains("appeared while the file was being copied, written by someone else", error.Message, StringComparison.Ordinal);
            Assert.Equal(theirs, S3TestServer.GetAsync(_prefix + "race/f1.bin").GetAwaiter().GetResult());
            Assert.Equal(3, sink.Transfers.Count(t => t.Status == TransferStatus.Completed));
        }

        /// <summary>
        /// Several sources named (or piped) with -Verify (a probe): the first file's stat was made before the listing,
        /// so the listing answered the read-back's stat instead, with nothing, and the file failed VerifyFailed.
        /// </summary>
        [S3Fact]
        public void SeveralNamedSourcesWithVerifyAreAllReadBack()
        {
            string root = Tree(3);
            string[] sources = { Path.Combine(root, "f0.bin"), Path.Combine(root, "f1.bin"), Path.Combine(root, "f2.bin") };
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!)) { Latency = TimeSpan.FromSeconds(1) };

            // The first file's upload held back, so that the listing is in before its read-back (as under load).
            proxy.Script = request => IsPutOf(request, "f0.bin") ? FaultKind.Latency : FaultKind.None;
            var sink = S3TransferTests.Run(TransferDirection.Send, S3("verified/"), sources, new TransferOptions(verify: true), registry: Through(proxy));

            Assert.Empty(sink.Errors);
            Assert.Equal(3, sink.Transfers.Count(t => t.Status == TransferStatus.Completed && t.Verified));
        }

        /// <summary>
        /// An object replaced by another writer between the upload and -Verify's read-back: the object is under its name,
        /// so the error says it was left as it is (it said "the copy was discarded", as of a local .partial).
        /// </summary>
        /// <remarks>
        /// Replaced after the read-back's HEAD, before its GET (another probe), the read-back's own error said
        /// SourceChanged, "nothing was written": it is the same VerifyFailed.
        /// </remarks>
        [S3Theory]
        [InlineData("HEAD")]
        [InlineData("GET")]
        public void AnObjectReplacedBeforeTheReadBackIsVerifyFailedAndLeftAsItIs(string replacedBefore)
        {
            string root = Tree(1);
            byte[] other = Bytes(99, 1000);
            string key = _prefix + "replaced/f0.bin";
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            bool written = false;
            bool replaced = false;
            proxy.Script = request =>
            {
                if (IsPutOf(request, "f0.bin"))
                {
                    written = true;
                }
                else if (written && !replaced && request.Method == replacedBefore)
                {
                    // The read-back begins: someone else writes the key first, straight to the store.
                    replaced = true;
                    S3TestServer.PutAsync(key, other).GetAwaiter().GetResult();
                }

                return FaultKind.None;
            };

            var sink = S3TransferTests.Run(TransferDirection.Send, S3("replaced/f0.bin"), new[] { Path.Combine(root, "f0.bin") }, new TransferOptions(verify: true), registry: Through(proxy));

            Assert.True(replaced);
            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("VerifyFailed", error.Condition);
            Assert.Contains("left as it is", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("discarded", error.Message, StringComparison.Ordinal);
            using var stored = new MemoryStream();
            using (var response = S3TestServer.Raw.GetObjectAsync(S3TestServer.Bucket, key).GetAwaiter().GetResult())
            {
                response.ResponseStream.CopyTo(stored);
            }

            Assert.Equal(other, stored.ToArray());
        }

        /// <summary>
        /// The endpoint gone once the batch's listing was answered (a probe): each PutObject was refused a connection, and
        /// every file said UnexpectedError, where a HEAD used to say S3EndpointUnreachable first.
        /// </summary>
        [S3Fact]
        public void AnEndpointGoneAfterTheListingIsS3EndpointUnreachable()
        {
            string root = Tree(2);
            var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            proxy.Script = request =>
            {
                if (request.Method == "PUT")
                {
                    System.Threading.Tasks.Task.Run(proxy.Dispose);
                    return FaultKind.ResetRequest;
                }

                return FaultKind.None;
            };

            var sink = S3TransferTests.Run(TransferDirection.Send, S3("gone/"), new[] { root + "/" }, new TransferOptions(retryDelay: TimeSpan.FromMilliseconds(10)), recurse: true, registry: Through(proxy));
            proxy.Dispose();

            Assert.Equal(2, sink.Errors.Count);
            Assert.All(sink.Errors, error =>
            {
                Assert.Equal("S3EndpointUnreachable", error.Condition);
                Assert.Equal(FailureCategory.ConnectionError, error.Category);
                Assert.StartsWith("s3://", error.Target, StringComparison.Ordinal);

                // The object is named once, in the copy's own words ("Cannot copy 'a' to 's3://b/k': could not reach
                // ..."); the backend's lead repeated it ("...: upload to s3://b/k: could not reach ...").
                Assert.Single(System.Text.RegularExpressions.Regex.Matches(error.Message, System.Text.RegularExpressions.Regex.Escape(error.Target)));
                Assert.Contains("': could not reach the S3 endpoint", error.Message, StringComparison.Ordinal);
            });
        }

        /// <summary>
        /// A multipart upload's CompleteMultipartUpload asks If-None-Match: * too (a probe: an object written between
        /// the HEAD before it and the Complete was replaced, on stores that honour the header); a store that answers
        /// it NotImplemented gets the Complete again without it.
        /// </summary>
        [S3Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void AMultipartUploadIsCompletedOnlyIfNoObjectIsThere(bool storeRefusesTheHeader)
        {
            string file = _temp.RandomFile("large.bin", 12 * 1024 * 1024 + 5, seed: 33);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            if (storeRefusesTheHeader)
            {
                proxy.Script = request => request.Method == "POST" && request.IfNoneMatch != null ? FaultKind.NotImplemented : FaultKind.None;
            }

            var sink = S3TransferTests.Run(TransferDirection.Send, S3("large.bin"), new[] { file }, new TransferOptions(partSize: 5 * 1024 * 1024), registry: Through(proxy));

            Assert.Empty(sink.Errors);
            Assert.Equal(File.ReadAllBytes(file), S3TestServer.GetAsync(_prefix + "large.bin").GetAwaiter().GetResult());
            List<Faults.ProxiedRequest> completes = proxy.Requests.Where(r => r.Method == "POST" && r.Query("uploadId") != null).ToList();
            Assert.Equal("*", completes[0].IfNoneMatch);
            Assert.Equal(storeRefusesTheHeader ? 2 : 1, completes.Count);
            if (storeRefusesTheHeader)
            {
                Assert.Null(completes[1].IfNoneMatch);
            }
        }

        [S3Fact]
        public void APutWhoseAnswerWasLostMeetsItsOwnObjectAndCompletes()
        {
            string root = Tree(2);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            int cut = 0;
            proxy.Script = request => IsPutOf(request, "f0.bin") && System.Threading.Interlocked.Exchange(ref cut, 1) == 0 ? FaultKind.ResetResponse : FaultKind.None;

            var sink = S3TransferTests.Run(TransferDirection.Send, S3("lost/"), new[] { root + "/" }, recurse: true, registry: Through(proxy));

            Assert.Empty(sink.Errors);
            Assert.Equal(2, sink.Transfers.Count(t => t.Status == TransferStatus.Completed));
            Assert.Equal(2, proxy.Requests.Count(r => IsPutOf(r, "f0.bin"))); // the store had it after the first; the second got 412
            Assert.Equal(Bytes(0, 1000), S3TestServer.GetAsync(_prefix + "lost/f0.bin").GetAwaiter().GetResult());
        }

        /// <summary>
        /// A key over S3's 1,024 bytes (UTF-8) is refused before any request, as PathTooLong with its length, where the
        /// store's bare 400 (InvalidObjectName here) said S3RequestFailed and nothing of the length (a probe). The other
        /// files of the batch still go; a download of such a key finds nothing (its HEAD was a 400 too).
        /// </summary>
        [S3Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void AKeyOverTheLimitIsPathTooLongBeforeAnyRequest(bool force)
        {
            string root = Path.Combine(_temp.Path, "long");
            string[] segments = { new string('d', 200), new string('e', 200), new string('\u00e9', 120), new string('g', 200), new string('h', 200) }; // é: 240 bytes
            string below = string.Join("/", segments) + "/f.bin";
            string deep = Path.Combine(root, Path.Combine(segments));
            Directory.CreateDirectory(deep);
            File.WriteAllBytes(Path.Combine(deep, "f.bin"), Bytes(1, 10));
            File.WriteAllBytes(Path.Combine(root, "short.bin"), Bytes(2, 10));
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));

            var sink = S3TransferTests.Run(TransferDirection.Send, S3("long/"), new[] { root + "/" }, new TransferOptions(overwrite: force), recurse: true, registry: Through(proxy));

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("PathTooLong", error.Condition);
            Assert.Equal(FailureCategory.InvalidArgument, error.Category);
            int keyBytes = Encoding.UTF8.GetByteCount(_prefix + "long/" + below);
            Assert.True(keyBytes > 1024, keyBytes.ToString());
            Assert.Contains($"its key is {keyBytes} bytes long in UTF-8, and S3 allows at most 1024", error.Message, StringComparison.Ordinal);
            Assert.Equal(Bytes(2, 10), S3TestServer.GetAsync(_prefix + "long/short.bin").GetAwaiter().GetResult());
            Assert.DoesNotContain(proxy.Requests, r => Uri.UnescapeDataString(r.Target).Contains("f.bin", StringComparison.Ordinal));

            var received = S3TransferTests.Run(TransferDirection.Receive, Path.Combine(_temp.Path, "back"), new[] { S3("long/" + below) }, registry: Through(proxy));
            Assert.Equal("SourceNotFound", Assert.Single(received.Errors).Condition);
        }

        /// <summary>
        /// -WhatIf tells of a key over the limit as the real run would (a probe: the dry run listed it as one it would
        /// send), and asks nothing about it; the file beside it is asked about and nothing is sent.
        /// </summary>
        [S3Fact]
        public void WhatIfReportsAKeyOverTheLimitAsPathTooLong()
        {
            string root = Path.Combine(_temp.Path, "long");
            string deep = Path.Combine(root, new string('d', 250), new string('e', 250), new string('f', 250), new string('g', 250));
            Directory.CreateDirectory(deep);
            File.WriteAllBytes(Path.Combine(deep, "f.bin"), Bytes(1, 10));
            File.WriteAllBytes(Path.Combine(root, "short.bin"), Bytes(2, 10));
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            var sink = new Transfers.Support.CollectingSink(approve: false, whatIf: true);

            using (var operation = new TransferOperation(TransferDirection.Send, Location.Parse(S3("long/")), true, new TransferOptions(), new OperationSettings(throttleLimit: 4), System.Threading.CancellationToken.None, Through(proxy)))
            {
                operation.SubmitSource(new TransferRequest(root + "/"), sink);
                operation.Complete(sink);
            }

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("PathTooLong", error.Condition);
            Assert.Contains("f.bin", error.Message, StringComparison.Ordinal);
            string question = Assert.Single(sink.Questions);
            Assert.Contains("short.bin", question, StringComparison.Ordinal);
            Assert.DoesNotContain(proxy.Requests, r => r.Method == "PUT" || Uri.UnescapeDataString(r.Target).Contains("f.bin", StringComparison.Ordinal));
        }

        /// <summary>
        /// A writer opened while the store was still thought to honour If-None-Match skipped its HEAD; when another
        /// upload's 501 says otherwise before this one's PUT, the PUT goes without the header, so the HEAD is made then.
        /// The full-run version of this (AStoreWithoutConditionalPutsIsAskedWithAHeadInstead) lost the race now and
        /// then, and the object written behind the batch's back was replaced.
        /// </summary>
        [S3Fact]
        public void AWriterOpenedBeforeTheStoreRefusedTheHeaderStillLooksBeforeItsPut()
        {
            string first = _temp.RandomFile("first.bin", 1000, seed: 1);
            string second = _temp.RandomFile("second.bin", 1000, seed: 2);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            proxy.Script = request => request.Method == "PUT" && request.IfNoneMatch != null ? FaultKind.NotImplemented : FaultKind.None;
            var storage = new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), new S3ClientPool());

            IObjectWriter Open(string path, string key)
            {
                var file = new FileInfo(path);
                var source = new ObjectInfo(Location.Parse(file.FullName), file.Length, DateTimeOffset.UtcNow);
                TransferPlan plan = TransferPlan.Plan(file.Length, null, storage.PartLimits, sourceSupportsRanges: true);
                var request = new WriteRequest(Location.Parse(S3(key)), source, plan, overwrite: false, resume: false, resumeToken: null) { SeenAbsent = true };
                return storage.OpenWriterAsync(request, System.Threading.CancellationToken.None).GetAwaiter().GetResult();
            }

            PartReceipt Send(IObjectWriter writer, string path)
            {
                PartSpec part = TransferPlan.Plan(new FileInfo(path).Length, null, storage.PartLimits, sourceSupportsRanges: true).Part(1);
                return ((IPartUploader)writer).UploadPartAsync(new PartContent(part, _ => System.Threading.Tasks.Task.FromResult(S3TestTransfers.OpenWindow(path, part))), System.Threading.CancellationToken.None).GetAwaiter().GetResult();
            }

            using IObjectWriter early = Open(first, "first.bin");
            using IObjectWriter late = Open(second, "second.bin");
            Assert.Empty(proxy.Requests); // both trusted the header: no HEAD yet
            Assert.ThrowsAny<Exception>(() => Send(early, first)); // its 501: the store does not know If-None-Match
            byte[] theirs = Encoding.UTF8.GetBytes("someone else's");
            S3TestServer.PutAsync(_prefix + "second.bin", theirs).GetAwaiter().GetResult();

            Assert.Throws<DestinationExistsException>(() => Send(late, second));
            Assert.Equal(theirs, S3TestServer.GetAsync(_prefix + "second.bin").GetAwaiter().GetResult());
        }

        [S3Fact]
        public void AStoreWithoutConditionalPutsIsAskedWithAHeadInstead()
        {
            // Stores that do not know If-None-Match answer 501 NotImplemented: the file is sent again without it, after a
            // HEAD that still finds a key written since the listing, and later files go the old way from the start.
            string root = Tree(6);
            using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
            byte[] theirs = Encoding.UTF8.GetBytes("someone else's");
            int written = 0;
            proxy.Script = request =>
            {
                // At its first request, whichever it is: a conditional PUT (501), or the HEAD of a writer after the 501.
                if (request.Target.Split('?')[0].EndsWith("/f2.bin", StringComparison.Ordinal) && System.Threading.Interlocked.Exchange(ref written, 1) == 0)
                {
                    S3TestServer.PutAsync(_prefix + "old/f2.bin", theirs).GetAwaiter().GetResult();
                }

                return request.Method == "PUT" && request.IfNoneMatch != null ? FaultKind.NotImplemented : FaultKind.None;
            };

            var sink = S3TransferTests.Run(TransferDirection.Send, S3("old/"), new[] { root + "/" }, recurse: true, registry: Through(proxy));

            Assert.Equal("DestinationExists", Assert.Single(sink.Errors).Condition);
            Assert.Equal(theirs, S3TestServer.GetAsync(_prefix + "old/f2.bin").GetAwaiter().GetResult());
            Assert.Equal(5, sink.Transfers.Count(t => t.Status == TransferStatus.Completed));
            for (int i = 0; i < 6; i++)
            {
                if (i != 2)
                {
                    Assert.Equal(Bytes(i, 1000 + i), S3TestServer.GetAsync(_prefix + "old/" + NameOf(i)).GetAwaiter().GetResult());
                }
            }

            List<Faults.ProxiedRequest> puts = proxy.Requests.Where(r => r.Method == "PUT").ToList();
            Assert.Contains(puts, r => r.Fault == FaultKind.NotImplemented);
            Assert.Null(puts.Last().IfNoneMatch);
            Assert.True(puts.Count(r => r.IfNoneMatch != null) <= 4, "at most the uploads already in flight (throttle limit 4) tried the header");
        }
    }
}
