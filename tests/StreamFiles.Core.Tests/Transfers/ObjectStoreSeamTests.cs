using System;
using System.IO;
using System.Linq;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Resume;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Local;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Tests.Transfers.Support;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.Transfers
{
    /// <summary>
    /// The seams S3 and HTTP plug into, exercised with an in-memory object store registered for s3://:
    /// multipart uploads with part ETags and a resumable upload id, ranged reads, prefix listings.
    /// </summary>
    public sealed class ObjectStoreSeamTests : IDisposable
    {
        private const int KiB = 1024;
        private const int MiB = 1024 * 1024;
        private readonly TempDirectory _dir = new TempDirectory();
        private readonly MemoryObjectStorage _store = new MemoryObjectStorage();
        private readonly StorageRegistry _storages;

        public ObjectStoreSeamTests()
        {
            _storages = new StorageRegistry().Register(LocationKind.FileSystem, new LocalStorage()).Register(LocationKind.S3, _store);
        }

        public void Dispose() => _dir.Dispose();

        [Theory]
        [InlineData(ChecksumAlgorithm.CRC32C)]
        [InlineData(ChecksumAlgorithm.SHA256)]
        [InlineData(ChecksumAlgorithm.S3ETag)]
        public async System.Threading.Tasks.Task UploadsInPartsThroughThePartUploader(ChecksumAlgorithm checksum)
        {
            string source = _dir.RandomFile("s.bin", 5 * MiB + 3);
            var options = new TransferOptions(partSize: MiB, concurrency: 3, checksum: checksum);

            CollectingSink sink = TransferHarness.Run(new[] { source }, "s3://bucket/dir/", options, storages: _storages);

            Assert.Empty(sink.Errors);
            TransferResult result = Assert.Single(sink.Transfers);
            Assert.Equal("s3://bucket/dir/s.bin", result.Destination);
            Assert.Equal(6, result.Parts);
            Assert.Equal(File.ReadAllBytes(source), _store.Get("bucket", "dir/s.bin"));
            string expected = (await new ChunkedHasher(new HashSettings(new[] { checksum }, MiB)).HashFileAsync(source)).Hash;
            Assert.Equal(expected, result.Hash);
            Assert.Empty(_store.Uploads);
        }

        [Fact]
        public void ATransientPartFailureIsUploadedAgain()
        {
            string source = _dir.RandomFile("s.bin", 2 * MiB);
            _store.TransientUploadFailures = 1;
            var options = new TransferOptions(partSize: MiB, retryDelay: TimeSpan.FromMilliseconds(1));
            TransferResult result = Assert.Single(TransferHarness.Run(new[] { source }, "s3://bucket/k", options, storages: _storages).Transfers);
            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(2, result.Attempts);
            Assert.Equal(2 * MiB, result.BytesTransferred);
            Assert.Equal(File.ReadAllBytes(source), _store.Get("bucket", "k"));
        }

        [Fact]
        public void AFailedUploadIsAbortedWithoutResume()
        {
            string source = _dir.RandomFile("s.bin", 3 * MiB);
            _store.FailingParts.Add(2);
            CollectingSink sink = TransferHarness.Run(new[] { source }, "s3://bucket/k", new TransferOptions(partSize: MiB), storages: _storages);
            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("WriteError", error.Condition);
            Assert.Equal("s3://bucket/k", error.Target);
            Assert.Contains("part 2 of 3", error.Message, StringComparison.Ordinal);
            Assert.False(_store.Exists("bucket", "k"));
            Assert.Empty(_store.Uploads);
        }

        [Fact]
        public void AResumedUploadReusesTheUploadIdAndTheGoodParts()
        {
            string source = _dir.RandomFile("s.bin", 4 * MiB);
            var options = new TransferOptions(partSize: MiB, resume: true, concurrency: 1);
            _store.FailingParts.Add(3);
            CollectingSink failed = TransferHarness.Run(new[] { source }, "s3://bucket/resumed", options, storages: _storages);
            Assert.Single(failed.Errors);
            string uploadId = Assert.Single(_store.Uploads.Keys);
            Assert.Equal(2, _store.Uploads[uploadId].Count);
            ResumeJournal journal = ResumeJournal.TryLoad(ResumeJournal.PathFor(Location.Parse("s3://bucket/resumed")), out _)!;
            Assert.Equal(uploadId, journal.ResumeToken);

            _store.FailingParts.Clear();
            int callsBefore = _store.UploadCalls;
            TransferResult result = Assert.Single(TransferHarness.Run(new[] { source }, "s3://bucket/resumed", options, storages: _storages).Transfers);

            Assert.Equal(TransferStatus.Resumed, result.Status);
            Assert.Equal(2 * MiB, result.BytesTransferred);
            Assert.Equal(2, _store.UploadCalls - callsBefore);
            Assert.Equal(File.ReadAllBytes(source), _store.Get("bucket", "resumed"));
            Assert.False(File.Exists(ResumeJournal.PathFor(Location.Parse("s3://bucket/resumed"))));
        }

        [Fact]
        public void ReceivesAnObjectIntoAFileWithRangedReads()
        {
            byte[] data = new byte[3 * MiB + 5];
            new Random(3).NextBytes(data);
            _store.Put("bucket", "in/object.bin", data);
            var options = new TransferOptions(partSize: 512 * KiB, concurrency: 4, verify: true);

            CollectingSink sink = TransferHarness.Run(new[] { "s3://bucket/in/object.bin" }, _dir.File("got.bin"), options, storages: _storages, direction: TransferDirection.Receive);

            Assert.Empty(sink.Errors);
            TransferResult result = Assert.Single(sink.Transfers);
            Assert.True(result.Verified);
            Assert.Equal(data, File.ReadAllBytes(_dir.File("got.bin")));
        }

        [Fact]
        public void ReceivesAPrefixKeepingTheKeyLayoutAndRefusesHostileKeys()
        {
            _store.Put("bucket", "p/a.txt", new byte[] { 1 });
            _store.Put("bucket", "p/sub/b c.txt", new byte[] { 2, 3 });
            _store.Put("bucket", "p/../../evil.txt", new byte[] { 4 });

            CollectingSink sink = TransferHarness.Run(new[] { "s3://bucket/p/" }, _dir.File("out"), recurse: true, storages: _storages, direction: TransferDirection.Receive);

            Assert.Equal(new byte[] { 1 }, File.ReadAllBytes(_dir.File("out/a.txt")));
            Assert.Equal(new byte[] { 2, 3 }, File.ReadAllBytes(_dir.File("out/sub/b c.txt")));
            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("UnsafeRelativePath", error.Condition);
            Assert.False(File.Exists(Path.Combine(_dir.Path, "..", "evil.txt")));
            Assert.False(File.Exists(_dir.File("evil.txt")));
        }

        [Fact]
        public void SendRefusesRemoteSourcesAndReceiveRefusesRemoteDestinations()
        {
            CommandError error = Assert.Single(TransferHarness.Run(new[] { "s3://bucket/x" }, _dir.File("x"), storages: _storages).Errors);
            Assert.Equal("SourceNotLocal", error.Condition);
            Assert.Throws<ArgumentException>(() => TransferHarness.Run(new[] { _dir.File("x") }, "s3://bucket/x", storages: _storages, direction: TransferDirection.Receive));
        }

        [Fact]
        public void ADestinationWithoutABackendIsAUsageError()
        {
            var error = Assert.Throws<ArgumentException>(() => TransferHarness.Run(new[] { _dir.File("x") }, "https://example.com/upload", storages: TransferHarness.Local()));
            Assert.Contains("not supported by this version", error.Message, StringComparison.Ordinal);
        }
    }
}
