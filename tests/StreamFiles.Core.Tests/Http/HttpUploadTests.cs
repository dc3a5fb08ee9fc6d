using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Http;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.Http
{
    /// <summary>Uploads through the transfer engine: one streaming PUT with Content-Length, checksums on request.</summary>
    [Collection(AllocationSensitive.Name)]
    public sealed class HttpUploadTests : IAsyncLifetime
    {
        private readonly TempDirectory _temp = new TempDirectory();
        private HttpTestServer _server = null!;

        public async Task InitializeAsync() => _server = await HttpTestServer.StartAsync();

        public async Task DisposeAsync()
        {
            await _server.DisposeAsync();
            _temp.Dispose();
        }

        private static async Task<TransferResult> UploadAsync(string file, Uri url, HttpSettings settings, bool overwrite = true)
        {
            using var http = new HttpStorage(settings);
            StorageRegistry registry = StorageRegistry.CreateDefault().Register(LocationKind.Http, http);
            Location source = Location.Parse(file);
            IStorage local = registry.Resolve<IStorage>(source, "as a source");
            ObjectInfo info = (await local.StatAsync(source, CancellationToken.None))!;
            var engine = new TransferEngine(new TransferOptions(overwrite: overwrite, retryDelay: TimeSpan.FromMilliseconds(10)), registry);
            return await engine.TransferAsync(new TransferJob(info, Location.Parse(url.ToString()), null), null, CancellationToken.None);
        }

        /// <summary>
        /// A probe: a stop while a file's one PUT was on its way let the request finish (the grace a part of a
        /// multipart upload gets), so the whole file was stored while the run said it was interrupted, and the stop
        /// took up to 3 s. A file sent in one request is now cut at once, and nothing is stored.
        /// </summary>
        [Fact]
        public async Task A_stop_cuts_a_single_put_at_once_and_nothing_is_stored()
        {
            string file = _temp.RandomFile("slow.bin", 2 * 1024 * 1024);
            TestResource target = _server.AcceptUploads("/bucket/slow.bin");
            target.UploadChunkDelay = TimeSpan.FromMilliseconds(50);
            using var http = new HttpStorage(new HttpSettings());
            StorageRegistry registry = StorageRegistry.CreateDefault().Register(LocationKind.Http, http);
            ObjectInfo info = (await registry.Resolve<IStorage>(Location.Parse(file), "as a source").StatAsync(Location.Parse(file), CancellationToken.None))!;
            var engine = new TransferEngine(new TransferOptions(overwrite: true), registry);
            using var stop = new CancellationTokenSource();
            var stoppedAt = new System.Diagnostics.Stopwatch();
            Task stopper = Task.Run(async () =>
            {
                while (Interlocked.Read(ref target.BytesReceived) < 256 * 1024)
                {
                    await Task.Delay(5);
                }

                stoppedAt.Start();
                stop.Cancel();
            });

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.TransferAsync(new TransferJob(info, Location.Parse(_server.Url("/bucket/slow.bin").ToString()), null), null, stop.Token));

            Assert.True(stopper.IsCompleted);
            Assert.InRange(stoppedAt.Elapsed.TotalSeconds, 0, 1);
            await Task.Delay(500); // whatever the server still had of the body
            Assert.False(_server.Uploads.ContainsKey("/bucket/slow.bin"));
            Assert.True(Interlocked.Read(ref target.BytesReceived) < 2 * 1024 * 1024);
        }

        [Fact]
        public async Task A_file_is_put_whole_with_content_length_and_type()
        {
            string file = _temp.RandomFile("data.bin", 20 * 1024 * 1024 + 17);
            _server.AcceptUploads("/bucket/data.bin");

            TransferResult result = await UploadAsync(file, _server.Url("/bucket/data.bin?X-Amz-Signature=SIGSECRET"), new HttpSettings(contentType: "application/x-test"));

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(File.ReadAllBytes(file), _server.Uploads["/bucket/data.bin"]);
            RecordedRequest put = _server.RequestsTo("/bucket/data.bin").Single(r => r.Method == "PUT");
            Assert.Equal((20 * 1024 * 1024 + 17).ToString(System.Globalization.CultureInfo.InvariantCulture), put.Header("Content-Length"));
            Assert.Null(put.Header("Transfer-Encoding"));
            Assert.Equal("application/x-test", put.Header("Content-Type"));
            Assert.Null(put.Header("Content-MD5"));
            Assert.DoesNotContain("SECRET", result.Destination, StringComparison.Ordinal);
        }

        /// <summary>A Content-Type given among the headers (-H, -Headers) is the content type; it was dropped without a word (a probe).</summary>
        [Fact]
        public async Task A_content_type_given_as_a_header_is_sent()
        {
            string file = _temp.RandomFile("typed.bin", 1000);
            _server.AcceptUploads("/typed.bin");

            await UploadAsync(file, _server.Url("/typed.bin"), new HttpSettings(headers: new Dictionary<string, string> { ["content-type"] = "text/x-from-headers" }));

            Assert.Equal("text/x-from-headers", _server.RequestsTo("/typed.bin").Single(r => r.Method == "PUT").Header("Content-Type"));
            Assert.Throws<ArgumentException>(() => new HttpSettings(headers: new Dictionary<string, string> { ["Content-Type"] = "text/a" }, contentType: "text/b"));
        }

        [Theory]
        [InlineData(UploadChecksum.Md5, "Content-MD5")]
        [InlineData(UploadChecksum.Sha256, "x-amz-checksum-sha256")]
        public async Task A_checksum_is_sent_when_asked(UploadChecksum checksum, string header)
        {
            string file = _temp.RandomFile("sum.bin", 3 * 1024 * 1024);
            _server.AcceptUploads("/sum.bin");

            await UploadAsync(file, _server.Url("/sum.bin"), new HttpSettings(uploadChecksum: checksum));

            byte[] bytes = File.ReadAllBytes(file);
            string expected = Convert.ToBase64String(checksum == UploadChecksum.Md5 ? MD5.HashData(bytes) : SHA256.HashData(bytes));
            Assert.Equal(expected, _server.RequestsTo("/sum.bin").Single().Header(header));
            Assert.Equal(bytes, _server.Uploads["/sum.bin"]);
        }

        [Fact]
        public async Task An_empty_file_is_put_as_an_empty_body()
        {
            string file = _temp.File("empty.bin");
            File.WriteAllBytes(file, Array.Empty<byte>());
            _server.AcceptUploads("/empty.bin");

            TransferResult result = await UploadAsync(file, _server.Url("/empty.bin"), HttpTransportTests.Fast());

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Empty(_server.Uploads["/empty.bin"]);
            Assert.Equal("0", _server.RequestsTo("/empty.bin").Single().Header("Content-Length"));
        }

        [Fact]
        public async Task A_busy_server_gets_the_body_again()
        {
            string file = _temp.RandomFile("retry.bin", 2 * 1024 * 1024);
            TestResource resource = _server.AcceptUploads("/retry.bin");
            resource.FailTimes = 1;
            resource.RetryAfter = "0";

            TransferResult result = await UploadAsync(file, _server.Url("/retry.bin"), HttpTransportTests.Fast());

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(File.ReadAllBytes(file), _server.Uploads["/retry.bin"]);
            Assert.Equal(2, _server.RequestsTo("/retry.bin").Count);
        }

        [Fact]
        public async Task An_upload_follows_307_and_308_but_no_redirect_that_would_drop_its_body()
        {
            string file = _temp.RandomFile("moved.bin", 2 * 1024 * 1024);
            _server.AcceptUploads("/new/moved.bin");
            _server.Redirect("/old/moved.bin", "/new/moved.bin", 307);
            _server.Redirect("/perm/moved.bin", "/new/moved.bin", 308);
            _server.Redirect("/found/moved.bin", "/new/moved.bin", 302);

            TransferResult temporary = await UploadAsync(file, _server.Url("/old/moved.bin"), HttpTransportTests.Fast());
            Assert.Equal(File.ReadAllBytes(file), _server.Uploads["/new/moved.bin"]);
            _server.Uploads.Clear();
            TransferResult permanent = await UploadAsync(file, _server.Url("/perm/moved.bin"), HttpTransportTests.Fast());
            Assert.Equal(File.ReadAllBytes(file), _server.Uploads["/new/moved.bin"]);
            _server.Uploads.Clear();
            var refused = await Assert.ThrowsAsync<CommandFailureException>(() => UploadAsync(file, _server.Url("/found/moved.bin"), HttpTransportTests.Fast()));

            Assert.Equal(TransferStatus.Completed, temporary.Status);
            Assert.Equal(TransferStatus.Completed, permanent.Status);
            Assert.Equal("HttpBadRedirect", refused.Error.Condition);
            Assert.Empty(_server.Uploads);
            Assert.All(_server.RequestsTo("/new/moved.bin"), r => Assert.Equal("PUT", r.Method));
        }

        [Fact]
        public async Task Without_overwrite_an_existing_object_is_not_replaced()
        {
            string file = _temp.RandomFile("keep.bin", 1024);
            _server.AcceptUploads("/keep.bin");
            _server.Uploads["/keep.bin"] = new byte[] { 1, 2, 3 };

            var error = await Assert.ThrowsAsync<CommandFailureException>(() => UploadAsync(file, _server.Url("/keep.bin"), HttpTransportTests.Fast(), overwrite: false));

            Assert.Equal("DestinationExists", error.Error.Condition);
            Assert.Equal(new byte[] { 1, 2, 3 }, _server.Uploads["/keep.bin"]);
            Assert.Equal("*", _server.RequestsTo("/keep.bin").Single().Header("If-None-Match"));
        }

        /// <summary>
        /// A source that changes after its last byte went out, while the server is still to answer: the PUT stored the
        /// file as it was read, so SourceChanged says that, not "Nothing was written" (a probe: the rerun that message
        /// advised met the object, DestinationExists).
        /// </summary>
        [Fact]
        public async Task A_source_changed_after_a_single_put_stored_it_says_what_was_stored()
        {
            string file = _temp.RandomFile("late.bin", 64 * 1024, seed: 3);
            byte[] sent = File.ReadAllBytes(file);
            TestResource resource = _server.AcceptUploads("/late.bin");
            resource.AfterUploadStored = () => File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-5));

            var error = await Assert.ThrowsAsync<CommandFailureException>(() => UploadAsync(file, _server.Url("/late.bin"), HttpTransportTests.Fast(), overwrite: false));

            Assert.Equal("SourceChanged", error.Error.Condition);
            Assert.Contains("was stored whole, with the file as it was read", error.Error.Message, StringComparison.Ordinal);
            Assert.Contains("-Force (--force)", error.Error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Nothing was written", error.Error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("checked", error.Error.Message, StringComparison.Ordinal); // no checksum went with this PUT
            Assert.Equal(sent, _server.Uploads["/late.bin"]);
        }

        [Fact]
        public async Task The_body_is_streamed_not_buffered()
        {
            const int Size = 96 * 1024 * 1024;
            string file = _temp.RandomFile("stream.bin", Size);
            TestResource resource = _server.AcceptUploads("/stream.bin");
            resource.DiscardUploads = true;

            // A small upload first, so that JIT compilation and connection setup are not counted.
            string warmup = _temp.RandomFile("warmup.bin", 1024 * 1024);
            _server.AcceptUploads("/warmup.bin").DiscardUploads = true;
            await UploadAsync(warmup, _server.Url("/warmup.bin"), HttpTransportTests.Fast());

            long before = GC.GetTotalAllocatedBytes(precise: true);
            await UploadAsync(file, _server.Url("/stream.bin"), HttpTransportTests.Fast());
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

            Assert.Equal(Size, resource.BytesReceived);
            Assert.True(allocated < Size / 4, $"uploading {Size} bytes allocated {allocated} bytes");
        }
    }

    /// <summary>Tests that count the process's allocations run alone, after the parallel ones.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class AllocationSensitive
    {
        public const string Name = "Allocation-sensitive";
    }
}
