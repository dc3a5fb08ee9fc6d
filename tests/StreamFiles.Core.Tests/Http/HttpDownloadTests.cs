using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Http;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.Http
{
    /// <summary>
    /// Downloads through the transfer engine from a real Kestrel that misbehaves on purpose. Every completed
    /// download is checked with sha256sum, independently of StreamFiles' own hashing.
    /// </summary>
    public sealed class HttpDownloadTests : IAsyncLifetime
    {
        private const int Size = 6 * 1024 * 1024 + 12345;
        private const long PartSize = 1024 * 1024;
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly List<string> _log = new List<string>();
        private HttpTestServer _server = null!;

        public async Task InitializeAsync() => _server = await HttpTestServer.StartAsync();

        public async Task DisposeAsync()
        {
            await _server.DisposeAsync();
            _temp.Dispose();
        }

        internal static TransferOptions Options(bool resume = false, int maxAttempts = 3, bool overwrite = false, int concurrency = 4) =>
            new TransferOptions(concurrency: concurrency, partSize: PartSize, maxMemory: 8L * 1024 * 1024, resume: resume, overwrite: overwrite, maxAttempts: maxAttempts, retryDelay: TimeSpan.FromMilliseconds(10));

        private HttpStorage Storage(HttpSettings? settings = null) =>
            new HttpStorage(settings ?? HttpTransportTests.Fast(), line => { lock (_log) { _log.Add(line); } });

        private async Task<TransferResult> DownloadAsync(Uri url, string destination, TransferOptions? options = null, HttpStorage? storage = null, CancellationToken cancellationToken = default)
        {
            using HttpStorage http = storage ?? Storage();
            var registry = StorageRegistry.CreateDefault().Register(LocationKind.Http, http);
            Location location = Location.Parse(url.ToString());
            ObjectInfo source = await http.StatAsync(location, cancellationToken) ?? throw new CommandFailureException(TransferErrors.SourceNotFound(location.Display));
            var engine = new TransferEngine(options ?? Options(), registry);
            return await engine.TransferAsync(new TransferJob(source, Location.Parse(destination), null), null, cancellationToken);
        }

        private static string Sha256Sum(string path) => ProcessRunner.Shell($"sha256sum '{path}'").Split(' ')[0];

        private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

        [Fact]
        public async Task Parallel_ranges_pinned_with_if_range_give_the_exact_bytes()
        {
            byte[] content = HttpTestServer.RandomBytes(Size);
            _server.Add("/big.bin", content);
            string destination = _temp.File("big.bin");

            TransferResult result = await DownloadAsync(_server.Url("/big.bin"), destination);

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(Sha256(content), Sha256Sum(destination));
            Assert.False(File.Exists(destination + ".partial"));
            var ranged = _server.RequestsTo("/big.bin").Where(r => r.Header("Range") != null && r.Header("Range") != "bytes=0-0").ToList();
            Assert.Equal(7, ranged.Count);
            Assert.All(ranged, r => Assert.Equal("\"v1\"", r.Header("If-Range")));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task An_ordered_checksum_of_parallel_ranges_is_the_whole_files(bool resumed)
        {
            // SHA256 needs the bytes in file order while the ranges arrive in any order: it follows the download,
            // reading each part back once it and those before it are written, and after a resume it takes in the parts
            // the first run wrote too.
            byte[] content = HttpTestServer.RandomBytes(Size);
            TestResource resource = _server.Add("/ordered.bin", content);
            string destination = _temp.File("ordered.bin");
            TransferOptions Sha256Options(int attempts, int concurrency = 4) => new TransferOptions(concurrency: concurrency, partSize: PartSize, maxMemory: 8L * 1024 * 1024, resume: resumed, maxAttempts: attempts, retryDelay: TimeSpan.FromMilliseconds(10), checksum: ChecksumAlgorithm.SHA256);
            if (resumed)
            {
                // One range at a time, so parts 1-3 are written (and journaled) before part 4 is cut: with four at once,
                // part 4 could be cut before any other had finished, and the rerun had nothing to resume.
                resource.DropAfter = 3 * PartSize;
                await Assert.ThrowsAsync<CommandFailureException>(() => DownloadAsync(_server.Url("/ordered.bin"), destination, Sha256Options(1, concurrency: 1)));
                Assert.True(File.Exists(destination + ".partial.journal"));
                resource.DropAfter = null;
            }

            TransferResult result = await DownloadAsync(_server.Url("/ordered.bin"), destination, Sha256Options(3));

            Assert.Equal(resumed ? TransferStatus.Resumed : TransferStatus.Completed, result.Status);
            Assert.Equal("SHA256", result.Algorithm);
            Assert.Equal(Sha256Sum(destination).ToUpperInvariant(), result.Hash);
            Assert.Equal(Sha256(content), Sha256Sum(destination));
        }

        [Fact]
        public async Task An_ordered_checksum_with_a_memory_budget_of_one_buffer_still_finishes()
        {
            // The hasher that follows the parts takes a buffer only to read: holding the only one while it waited for a
            // part would leave that part none.
            byte[] content = HttpTestServer.RandomBytes(Size);
            _server.Add("/tight.bin", content);
            string destination = _temp.File("tight.bin");
            var options = new TransferOptions(concurrency: 4, partSize: PartSize, maxMemory: 256 * 1024, checksum: ChecksumAlgorithm.SHA1, bufferSize: 256 * 1024);

            TransferResult result = await DownloadAsync(_server.Url("/tight.bin"), destination, options).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(ProcessRunner.Shell($"sha1sum '{destination}'").Split(' ')[0].ToUpperInvariant(), result.Hash);
        }

        [Fact]
        public async Task Without_an_etag_if_range_carries_last_modified()
        {
            byte[] content = HttpTestServer.RandomBytes(Size);
            TestResource resource = _server.Add("/dated.bin", content);
            resource.ETag = null;

            await DownloadAsync(_server.Url("/dated.bin"), _temp.File("dated.bin"));

            var ranged = _server.RequestsTo("/dated.bin").Where(r => r.Header("Range") != null && r.Header("Range") != "bytes=0-0").ToList();
            Assert.NotEmpty(ranged);
            Assert.All(ranged, r => Assert.Equal("Wed, 01 May 2024 12:00:00 GMT", r.Header("If-Range")));
            Assert.Equal(Sha256(content), Sha256Sum(_temp.File("dated.bin")));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task A_server_without_ranges_is_read_in_one_stream(bool chunked)
        {
            byte[] content = HttpTestServer.RandomBytes(Size);
            TestResource resource = _server.Add("/plain.bin", content);
            resource.AcceptRanges = false;
            resource.Chunked = chunked;

            TransferResult result = await DownloadAsync(_server.Url("/plain.bin"), _temp.File("plain.bin"));

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(Sha256(content), Sha256Sum(_temp.File("plain.bin")));
            Assert.Equal(3, _server.RequestsTo("/plain.bin").Count); // the probe, one GET, the probe that checks it did not change
        }

        [Fact]
        public async Task An_empty_file_downloads_as_an_empty_file()
        {
            _server.Add("/empty", Array.Empty<byte>());

            TransferResult result = await DownloadAsync(_server.Url("/empty"), _temp.File("empty"));

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(0, new FileInfo(_temp.File("empty")).Length);
        }

        [Fact]
        public async Task A_dropped_connection_continues_from_where_it_broke()
        {
            byte[] content = HttpTestServer.RandomBytes(Size);
            TestResource resource = _server.Add("/drop.bin", content);
            resource.DropAfter = 2 * PartSize + 300_000;
            resource.DropOnce = true;

            TransferResult result = await DownloadAsync(_server.Url("/drop.bin"), _temp.File("drop.bin"));

            Assert.Equal(Sha256(content), Sha256Sum(_temp.File("drop.bin")));
            Assert.Equal(1, resource.DropsDone);
            Assert.True(result.Attempts > 1);
            // The part that broke is asked for again from its last whole buffer, not from byte 0 of the file.
            var third = _server.RequestsTo("/drop.bin").Select(r => r.Header("Range")).Where(r => r != null && r.EndsWith($"-{(3 * PartSize) - 1}", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, third.Count);
            long retryFrom = long.Parse(third[1]!.Substring(6, third[1]!.IndexOf('-', StringComparison.Ordinal) - 6), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(retryFrom, 2 * PartSize, resource.DropAfter ?? (2 * PartSize) + 300_000);
        }

        [Fact]
        public async Task A_dropped_connection_without_ranges_starts_over_and_succeeds()
        {
            byte[] content = HttpTestServer.RandomBytes(Size);
            TestResource resource = _server.Add("/once.bin", content);
            resource.AcceptRanges = false;
            resource.DropAfter = 3_000_000;
            resource.DropOnce = true;
            resource.DropFromRequest = 2; // not the stat's probe, which reads only the headers

            TransferResult result = await DownloadAsync(_server.Url("/once.bin"), _temp.File("once.bin"));

            Assert.Equal(Sha256(content), Sha256Sum(_temp.File("once.bin")));
            Assert.Equal(1, resource.DropsDone);
            Assert.True(result.Attempts > 1);
        }

        /// <summary>A 206 whose Content-Range cannot be parsed is named as it came, not as missing (a probe).</summary>
        [Fact]
        public async Task A_content_range_that_cannot_be_parsed_is_quoted_as_it_came()
        {
            TestResource resource = _server.Add("/badrange.bin", HttpTestServer.RandomBytes(Size));
            resource.ContentRangeText = "bytes 9-3/10";
            string destination = _temp.File("badrange.bin");

            var error = await Assert.ThrowsAsync<CommandFailureException>(() => DownloadAsync(_server.Url("/badrange.bin"), destination));

            Assert.Equal("HttpBadRange", error.Error.Condition);
            Assert.Contains("'bytes 9-3/10'", error.Error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("without Content-Range", error.Error.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(destination));
        }

        [Theory]
        [InlineData("drop")]
        [InlineData("lie")]
        [InlineData("chunked-drop")]
        public async Task A_body_cut_short_without_ranges_fails_and_leaves_no_file(string fault)
        {
            byte[] content = HttpTestServer.RandomBytes(Size);
            TestResource resource = _server.Add("/cut.bin", content);
            resource.AcceptRanges = false;
            resource.Chunked = fault == "chunked-drop";
            if (fault == "lie")
            {
                resource.ExtraClaimedLength = 4096;
            }
            else
            {
                resource.DropAfter = 3_000_000;
            }

            string destination = _temp.File("cut.bin");
            File.WriteAllText(destination, "older copy");

            var error = await Assert.ThrowsAsync<CommandFailureException>(() => DownloadAsync(_server.Url("/cut.bin"), destination, Options(overwrite: true)));

            Assert.Equal("older copy", File.ReadAllText(destination));
            Assert.False(File.Exists(destination + ".partial"));
            Assert.True(error.Message.Contains("ended after", StringComparison.Ordinal) || error.Message.Contains("broke off", StringComparison.Ordinal), error.Message);
        }

        [Fact]
        public async Task A_file_that_changes_during_the_download_is_never_spliced()
        {
            await AssertChangeMidDownloadIsNeverSplicedAsync("moving.bin", withETag: true, seed: 1);
        }

        [Fact]
        public async Task A_stalled_server_fails_the_download_in_bounded_time()
        {
            TestResource resource = _server.Add("/stall.bin", HttpTestServer.RandomBytes(Size));
            resource.StallAfter = 500_000;
            using HttpStorage storage = Storage(HttpTransportTests.Fast(stall: TimeSpan.FromMilliseconds(300)));

            var error = await Assert.ThrowsAsync<CommandFailureException>(() => DownloadAsync(_server.Url("/stall.bin"), _temp.File("stall.bin"), Options(maxAttempts: 2), storage));

            Assert.Contains("stalled", error.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(_temp.File("stall.bin")));
        }

        [Fact]
        public async Task Busy_servers_and_redirects_are_handled()
        {
            byte[] content = HttpTestServer.RandomBytes(Size);
            TestResource resource = _server.Add("/real.bin", content);
            resource.FailTimes = 2;
            resource.FailStatus = 503;
            resource.RetryAfter = "0";
            _server.Redirect("/link", "/real.bin", 302);

            TransferResult result = await DownloadAsync(_server.Url("/link"), _temp.File("real.bin"));

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(Sha256(content), Sha256Sum(_temp.File("real.bin")));
        }

        [Fact]
        public async Task Resume_continues_the_same_version_with_range_and_if_range()
        {
            byte[] content = HttpTestServer.RandomBytes(Size);
            TestResource resource = _server.Add("/resume.bin", content);
            resource.DropAfter = 4 * PartSize + 1000;
            string destination = _temp.File("resume.bin");

            var interrupted = await Assert.ThrowsAsync<CommandFailureException>(() => DownloadAsync(_server.Url("/resume.bin"), destination, Options(resume: true, maxAttempts: 1, concurrency: 1)));
            Assert.True(File.Exists(destination + ".partial"), interrupted.Message);
            Assert.True(File.Exists(destination + ".partial.journal"), interrupted.Message);
            Assert.False(File.Exists(destination));
            string journal = File.ReadAllText(destination + ".partial.journal");

            resource.DropAfter = null;
            long servedBefore = resource.Served;
            int requestsBefore = _server.Requests.Count;
            TransferResult result = await DownloadAsync(_server.Url("/resume.bin"), destination, Options(resume: true, concurrency: 1));

            Assert.True(TransferStatus.Resumed == result.Status, journal);
            Assert.Equal(Sha256(content), Sha256Sum(destination));
            long servedAgain = resource.Served - servedBefore;
            Assert.True(servedAgain < Size - 3 * PartSize, $"the rerun fetched {servedAgain} of {Size} bytes");
            var resumed = RangedSince(requestsBefore, "/resume.bin");
            Assert.NotEmpty(resumed);
            Assert.All(resumed, r => Assert.Equal("\"v1\"", r.Header("If-Range")));
            Assert.DoesNotContain(resumed, r => r.Header("Range") == $"bytes=0-{PartSize - 1}"); // the first part was not fetched again
        }

        /// <summary>Serves <paramref name="content"/> without an ETag, and has a resumable download of it break off after four parts.</summary>
        private async Task<(TestResource Resource, string Destination)> InterruptedDownloadWithoutETagAsync(string name, byte[] content)
        {
            TestResource resource = _server.Add("/" + name, content);
            resource.ETag = null;
            resource.DropAfter = 4 * PartSize + 1000;
            string destination = _temp.File(name);
            await Assert.ThrowsAsync<CommandFailureException>(() => DownloadAsync(_server.Url("/" + name), destination, Options(resume: true, maxAttempts: 1, concurrency: 1)));
            return (resource, destination);
        }

        [Fact]
        public async Task Resume_without_an_etag_pins_the_rest_with_last_modified()
        {
            byte[] content = HttpTestServer.RandomBytes(Size, seed: 5);
            (TestResource resource, string destination) = await InterruptedDownloadWithoutETagAsync("dated-resume.bin", content);
            Assert.True(File.Exists(destination + ".partial.journal"));

            resource.DropAfter = null;
            long servedBefore = resource.Served;
            int requestsBefore = _server.Requests.Count;
            TransferResult result = await DownloadAsync(_server.Url("/dated-resume.bin"), destination, Options(resume: true, concurrency: 1));

            Assert.Equal(TransferStatus.Resumed, result.Status);
            Assert.Equal(Sha256(content), Sha256Sum(destination));
            Assert.True(resource.Served - servedBefore < Size - 3 * PartSize, $"the rerun fetched {resource.Served - servedBefore} of {Size} bytes");
            var resumed = RangedSince(requestsBefore, "/dated-resume.bin");
            Assert.NotEmpty(resumed);
            Assert.All(resumed, r => Assert.Equal("Wed, 01 May 2024 12:00:00 GMT", r.Header("If-Range")));
        }

        [Fact]
        public async Task Resume_without_an_etag_restarts_when_last_modified_changed()
        {
            byte[] first = HttpTestServer.RandomBytes(Size, seed: 6);
            (TestResource resource, string destination) = await InterruptedDownloadWithoutETagAsync("dated-changed.bin", first);

            // Same size, new bytes, a later Last-Modified, still no ETag.
            byte[] second = HttpTestServer.RandomBytes(Size, seed: 8);
            resource.DropAfter = null;
            resource.Replace(second, null, new DateTimeOffset(2024, 5, 2, 8, 0, 0, TimeSpan.Zero));
            TransferResult result = await DownloadAsync(_server.Url("/dated-changed.bin"), destination, Options(resume: true, concurrency: 1));

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(Sha256(second), Sha256Sum(destination));
            Assert.False(File.Exists(destination + ".partial.journal"));
        }

        [Fact]
        public async Task A_file_without_an_etag_that_changes_during_the_download_is_never_spliced()
        {
            await AssertChangeMidDownloadIsNeverSplicedAsync("dated-moving.bin", withETag: false, seed: 9);
        }

        /// <summary>
        /// Only a weak ETag, which If-Range may not carry, and no Last-Modified (a probe: six parallel ranges with
        /// nothing pinning them): nothing to pin ranges to, so the file is read as one stream.
        /// </summary>
        [Fact]
        public async Task A_file_with_only_a_weak_ETag_is_read_as_one_stream()
        {
            byte[] content = HttpTestServer.RandomBytes(Size, seed: 25);
            await AssertReadAsOneVersionInOneStreamAsync("weak.bin", content, "W/\"v1\"", changeTo: null);
            Assert.Contains(_server.RequestsTo("/weak.bin"), r => r.Header("Range") is null);
        }

        /// <summary>
        /// A server with ranges but neither ETag nor Last-Modified, whose file changes after two parts were served (a
        /// probe): parallel ranges, which nothing can pin to one version, made a file of both, completed with exit 0.
        /// It is read as one stream, so the copy is one version whole.
        /// </summary>
        [Fact]
        public async Task A_file_without_any_validator_is_read_as_one_stream_and_never_spliced()
        {
            byte[] first = HttpTestServer.RandomBytes(Size, seed: 21);
            await AssertReadAsOneVersionInOneStreamAsync("unpinned.bin", first, etag: null, changeTo: HttpTestServer.RandomBytes(Size, seed: 22));
        }

        /// <summary>Serves content without Last-Modified (and with the ETag given), changed to changeTo after two parts: the copy is the first version, read without a range.</summary>
        private async Task AssertReadAsOneVersionInOneStreamAsync(string name, byte[] content, string? etag, byte[]? changeTo)
        {
            TestResource resource = _server.Add("/" + name, content);
            resource.ETag = etag;
            resource.LastModified = null;
            resource.ChangeAfterServed = changeTo is null ? (long?)null : 2 * PartSize;
            resource.ChangeTo = changeTo;
            string destination = _temp.File(name);
            int requestsBefore = _server.Requests.Count;

            TransferResult result = await DownloadAsync(_server.Url("/" + name), destination, Options(concurrency: 8));

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(Sha256(content), Sha256Sum(destination));
            Assert.Empty(RangedSince(requestsBefore, "/" + name));
        }

        /// <summary>
        /// A 416 to the first byte's range without Content-Range (a probe): it was taken for an empty file, and -Force
        /// replaced a 5,000-byte file with an empty one. The file is asked for whole instead.
        /// </summary>
        [Fact]
        public async Task A_416_that_gives_no_size_is_not_an_empty_file()
        {
            byte[] content = HttpTestServer.RandomBytes(5000, seed: 23);
            TestResource resource = _server.Add("/no-size-416.bin", content);
            resource.FailStatus = 416;
            resource.FailTimes = 1;
            string destination = _temp.File("no-size-416.bin");
            File.WriteAllText(destination, "OLD");

            TransferResult result = await DownloadAsync(_server.Url("/no-size-416.bin"), destination, Options(overwrite: true));

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(5000, result.Length);
            Assert.Equal(Sha256(content), Sha256Sum(destination));
        }

        /// <summary>
        /// A file with no ETag and no date is read as one stream; its connection breaks in part 3 and the file changes
        /// meanwhile. Read again from the start, the first two parts differ from those already written: SourceChanged
        /// and no file, instead of the new bytes spliced after the old ones (a probe: "completed", exit 0, a SHA-256
        /// of neither version), whether or not the server takes ranges.
        /// </summary>
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task An_unpinned_file_that_changes_across_a_broken_connection_is_never_spliced(bool acceptRanges)
        {
            string name = "unpinned-dropped-" + acceptRanges + ".bin";
            byte[] first = HttpTestServer.RandomBytes(Size, seed: 31);
            byte[] second = HttpTestServer.RandomBytes(Size, seed: 32);
            TestResource resource = _server.Add("/" + name, first);
            resource.ETag = null;
            resource.LastModified = null;
            resource.AcceptRanges = acceptRanges;
            resource.DropAfter = (2 * PartSize) + 300_000;
            resource.DropOnce = true;
            resource.ChangeAfterServed = (2 * PartSize) + 100_000;
            resource.ChangeTo = second;
            string destination = _temp.File(name);

            TransferResult? result = null;
            try
            {
                result = await DownloadAsync(_server.Url("/" + name), destination, Options());
            }
            catch (CommandFailureException error)
            {
                Assert.Equal("SourceChanged", error.Error.Condition);
                Assert.Contains("read again from the start after its connection broke", error.Error.Message, StringComparison.Ordinal);
                Assert.False(File.Exists(destination));
            }

            // Where the break falls against the reader's buffers, the retry may also read the new version whole from
            // its first byte: a copy of one version or the other, never of both.
            Assert.Equal(1, resource.DropsDone);
            Assert.False(File.Exists(destination + ".partial"));
            if (result != null)
            {
                Assert.Equal(TransferStatus.Completed, result.Status);
                Assert.Contains(Sha256Sum(destination), new[] { Sha256(first), Sha256(second) });
            }
        }

        /// <summary>A dropped connection of an unpinned file that did not change: read again, checked, and completed whole.</summary>
        [Fact]
        public async Task An_unpinned_file_read_again_after_a_broken_connection_completes_when_unchanged()
        {
            byte[] content = HttpTestServer.RandomBytes(Size, seed: 33);
            TestResource resource = _server.Add("/unpinned-same.bin", content);
            resource.ETag = null;
            resource.LastModified = null;
            resource.AcceptRanges = false;
            resource.DropAfter = (2 * PartSize) + 300_000;
            resource.DropOnce = true;
            string destination = _temp.File("unpinned-same.bin");

            TransferResult result = await DownloadAsync(_server.Url("/unpinned-same.bin"), destination, Options());

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(1, resource.DropsDone);
            Assert.Equal(Sha256(content), Sha256Sum(destination));
        }

        /// <summary>The file changes after two parts were served: the download fails SourceChanged and leaves no file, whole or partial.</summary>
        private async Task AssertChangeMidDownloadIsNeverSplicedAsync(string name, bool withETag, int seed)
        {
            TestResource resource = _server.Add("/" + name, HttpTestServer.RandomBytes(Size, seed));
            if (!withETag)
            {
                resource.ETag = null;
            }

            resource.ChangeAfterServed = 2 * PartSize;
            resource.ChangeTo = HttpTestServer.RandomBytes(Size, seed + 1);
            string destination = _temp.File(name);

            var error = await Assert.ThrowsAsync<CommandFailureException>(() => DownloadAsync(_server.Url("/" + name), destination, Options(concurrency: 1)));

            Assert.Equal("SourceChanged", error.Error.Condition);
            Assert.False(File.Exists(destination));
            Assert.False(File.Exists(destination + ".partial"));
            if (!withETag)
            {
                Assert.Null(resource.ETag);
            }
        }

        private List<RecordedRequest> RangedSince(int requestsBefore, string path) =>
            _server.Requests.Skip(requestsBefore).Where(r => r.Path == path && r.Header("Range") is string range && range != "bytes=0-0").ToList();

        [Fact]
        public async Task Resume_restarts_when_the_file_changed_in_between()
        {
            byte[] first = HttpTestServer.RandomBytes(Size, seed: 3);
            TestResource resource = _server.Add("/changed.bin", first);
            resource.DropAfter = 4 * PartSize + 1000;
            string destination = _temp.File("changed.bin");
            await Assert.ThrowsAsync<CommandFailureException>(() => DownloadAsync(_server.Url("/changed.bin"), destination, Options(resume: true, maxAttempts: 1, concurrency: 1)));

            byte[] second = HttpTestServer.RandomBytes(Size, seed: 4);
            resource.DropAfter = null;
            resource.Replace(second, "\"v2\"");
            TransferResult result = await DownloadAsync(_server.Url("/changed.bin"), destination, Options(resume: true, concurrency: 1));

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(Sha256(second), Sha256Sum(destination));
        }

        [Fact]
        public async Task Missing_urls_are_not_found()
        {
            using HttpStorage http = Storage();

            Assert.Null(await http.StatAsync(Location.Parse(_server.Url("/nothing").ToString()), CancellationToken.None));
        }

        [Theory]
        [InlineData("attachment; filename=\"../../etc/cron.d/evil\"", "evil")]
        [InlineData("attachment; filename=\"x.txt\"; filename*=UTF-8''%E2%82%AC.txt", "€.txt")]
        [InlineData(null, "report.csv")]
        public async Task The_name_comes_from_content_disposition_or_the_url(string? disposition, string expected)
        {
            _server.Add("/files/report.csv", HttpTestServer.RandomBytes(10)).ContentDisposition = disposition;
            using HttpStorage http = Storage();

            ObjectInfo? info = await http.StatAsync(Location.Parse(_server.Url("/files/report.csv?sig=SECRET").ToString()), CancellationToken.None);

            Assert.Equal(expected, info!.Location.Name);
        }

        [Theory]
        [InlineData("attachment; filename=\"CON\"")]
        [InlineData("attachment; filename=\"..\"")]
        [InlineData("attachment; filename*=UTF-8''evil%0Aname.txt")]
        public async Task A_hostile_name_is_an_error_not_a_guess(string disposition)
        {
            _server.Add("/files/x", HttpTestServer.RandomBytes(10)).ContentDisposition = disposition;
            using HttpStorage http = Storage();

            ObjectInfo? info = await http.StatAsync(Location.Parse(_server.Url("/files/x").ToString()), CancellationToken.None);

            var error = Assert.Throws<LocationFormatException>(() => info!.Location.Name);
            Assert.Equal("UnsafeFileName", error.Error.Condition);
        }

        [Fact]
        public async Task Signatures_and_tokens_never_show_in_results_or_errors()
        {
            byte[] content = HttpTestServer.RandomBytes(Size);
            _server.Add("/signed.bin", content);
            TestResource broken = _server.Add("/broken.bin", content);
            broken.AcceptRanges = false;
            broken.DropAfter = 100_000;
            var headers = new Dictionary<string, string> { ["Authorization"] = "Bearer TOPSECRET" };
            string query = "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASECRET&X-Amz-Signature=SIGSECRET";

            TransferResult ok = await DownloadAsync(_server.Url("/signed.bin" + query), _temp.File("signed.bin"), storage: Storage(HttpTransportTests.Fast(headers: headers)));
            var failed = await Assert.ThrowsAsync<CommandFailureException>(() => DownloadAsync(_server.Url("/broken.bin" + query), _temp.File("broken.bin"), storage: Storage(HttpTransportTests.Fast(headers: headers))));
            var missing = await Assert.ThrowsAsync<CommandFailureException>(() => DownloadAsync(_server.Url("/gone.bin" + query), _temp.File("gone.bin"), storage: Storage(HttpTransportTests.Fast(headers: headers))));

            string everything = string.Join("\n", _log) + ok.Source + ok + failed.Error.Message + failed.Error.Target + failed
                + missing.Error.Message + missing.Error.Target + missing;
            Assert.DoesNotContain("SECRET", everything, StringComparison.Ordinal);
            Assert.Equal(_server.Url("/signed.bin").ToString(), ok.Source);
        }
    }
}
