using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Tests.Http;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Transfers;
using Xunit;
using S3Location = StreamFiles.Core.Locations.S3Location;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// Downloads check the CRC32C, CRC32 or CRC64NVME a store keeps for an object, when it keeps one, instead of recomputing the
    /// ETag from the parts' MD5s. The local RGW (Ceph 16.2) keeps none, so the bytes come from it and the stored
    /// checksum is the one a store like Amazon S3 would give, computed here by a bitwise CRC written for these tests
    /// (not the engine's table or hardware code); the HEAD that asks for the checksums goes to a stand-in.
    /// </summary>
    public sealed class S3StoredChecksumTests : IDisposable
    {
        private const int MiB = 1024 * 1024;
        private const uint Castagnoli = 0x82F63B78u;
        private const uint Ieee = 0xEDB88320u;

        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();
        private readonly S3ClientPool _pool = new S3ClientPool();

        public void Dispose()
        {
            _pool.Dispose();
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        [S3Fact]
        public async Task ACompositeCrc32cIsCheckedInsteadOfTheETag()
        {
            (byte[] bytes, S3Location location, ObjectInfo info) = await UploadAsync("composite.bin", (17 * MiB) + 3, seed: 41);
            string composite = Composite(bytes, 5 * MiB, Castagnoli);
            using var reader = new S3ObjectReader(S3TestServer.Storage().Client, location, WithChecksum(info, "CRC32C", composite), 5 * MiB, partsPerRange: 2);

            byte[] back = await ReadAllAsync(reader, info.Length!.Value, 10 * MiB);

            Assert.Equal(bytes, back);
            Assert.Equal("CRC32C", reader.CheckedChecksum);
            Assert.True(reader.ChecksumVerified);
            Assert.False(reader.ETagVerified); // the MD5s were not computed at all
            Assert.Equal(0, reader.Md5Batched.Blocks);
        }

        [S3Fact]
        public async Task AStoredChecksumOfOtherBytesFailsTheDownload()
        {
            (byte[] bytes, S3Location location, ObjectInfo info) = await UploadAsync("other.bin", (12 * MiB) + 5, seed: 42);
            byte[] other = (byte[])bytes.Clone();
            other[7 * MiB] ^= 0x01;
            string composite = Composite(other, 5 * MiB, Castagnoli);
            using var reader = new S3ObjectReader(S3TestServer.Storage().Client, location, WithChecksum(info, "CRC32C", composite), 5 * MiB);

            var error = await Assert.ThrowsAsync<VerifyFailedException>(() => ReadAllAsync(reader, info.Length!.Value, 5 * MiB));

            Assert.Contains("CRC32C", error.Message);
            Assert.Contains(composite, error.Message);
            Assert.False(reader.ChecksumVerified);
        }

        [S3Fact]
        public async Task AWholeObjectCrc32IsCheckedWhateverThePartLayout()
        {
            (byte[] bytes, S3Location location, ObjectInfo info) = await UploadAsync("whole.bin", (11 * MiB) + 7, seed: 43);
            string whole = Hex(Crc(bytes, Ieee));
            ObjectInfo described = WithChecksum(info, "CRC32", whole);

            // Read in a part size the object was not uploaded in, with the layout marked uncertain: a whole-object CRC
            // does not depend on it, so it is checked, and a wrong one still fails.
            using (var reader = new S3ObjectReader(S3TestServer.Storage().Client, location, described, 3 * MiB, layoutCertain: false))
            {
                Assert.Equal(bytes, await ReadAllAsync(reader, info.Length!.Value, 3 * MiB));
                Assert.Equal("CRC32", reader.CheckedChecksum);
                Assert.True(reader.ChecksumVerified);
            }

            string wrong = Hex(Crc(bytes, Ieee) ^ 1);
            using (var reader = new S3ObjectReader(S3TestServer.Storage().Client, location, WithChecksum(info, "CRC32", wrong), 3 * MiB, layoutCertain: false))
            {
                await Assert.ThrowsAsync<VerifyFailedException>(() => ReadAllAsync(reader, info.Length!.Value, 3 * MiB));
            }
        }

        [S3Fact]
        public async Task AStoredCrc64nvmeIsCheckedAndAWrongOneFails()
        {
            // What Amazon S3 keeps for an object uploaded with no checksum: a full-object CRC-64/NVME.
            (byte[] bytes, S3Location location, ObjectInfo info) = await UploadAsync("crc64.bin", (13 * MiB) + 9, seed: 49);
            ulong crc = Hashing.Crc64Tests.Bitwise(bytes);

            using (var reader = new S3ObjectReader(S3TestServer.Storage().Client, location, WithChecksum(info, "CRC64NVME", Hex64(crc)), 5 * MiB))
            {
                Assert.Equal(bytes, await ReadAllAsync(reader, info.Length!.Value, 5 * MiB));
                Assert.Equal("CRC64NVME", reader.CheckedChecksum);
                Assert.True(reader.ChecksumVerified);
                Assert.False(reader.ETagVerified);
                Assert.Equal(0, reader.Md5Batched.Blocks);
            }

            string wrong = Hex64(crc ^ (1UL << 40));
            using (var reader = new S3ObjectReader(S3TestServer.Storage().Client, location, WithChecksum(info, "CRC64NVME", wrong), 5 * MiB))
            {
                var error = await Assert.ThrowsAsync<VerifyFailedException>(() => ReadAllAsync(reader, info.Length!.Value, 5 * MiB));
                Assert.Contains("CRC64NVME", error.Message);
                Assert.Contains(wrong, error.Message);
            }
        }

        [S3Fact]
        public async Task ACompositeOfAnotherPartCountIsNotUsedAndTheETagIsCheckedInstead()
        {
            (byte[] bytes, S3Location location, ObjectInfo info) = await UploadAsync("count.bin", (12 * MiB) + 5, seed: 44);
            string composite = Composite(bytes, 4 * MiB, Castagnoli); // 4 parts, while the object has 3
            using var reader = new S3ObjectReader(S3TestServer.Storage().Client, location, WithChecksum(info, "CRC32C", composite), 5 * MiB);

            Assert.Equal(bytes, await ReadAllAsync(reader, info.Length!.Value, 5 * MiB));
            Assert.Null(reader.CheckedChecksum);
            Assert.True(reader.ETagVerified);
        }

        [Fact]
        public async Task TheHeadAsksForTheStoredChecksumsAndRecordsThemAsHex()
        {
            byte[] bytes = Random(3000, seed: 45);
            uint crc = Crc(bytes, Castagnoli);
            await using HttpTestServer store = await HttpTestServer.StartAsync();
            TestResource single = store.Add("/far/single.bin", bytes);
            single.ETag = S3StandIn.Md5ETag(bytes);
            single.Headers["x-amz-checksum-crc32c"] = Base64(crc);

            ObjectInfo info = (await Storage(store).StatAsync(Location.Parse("s3://far/single.bin"), CancellationToken.None))!;

            Assert.Equal(Hex(crc), info.Checksums["CRC32C"]);
            Assert.Equal("ENABLED", store.RequestsTo("/far/single.bin").Last().Header("x-amz-checksum-mode"));

            // -ChecksumMode WhenRequired keeps every x-amz-checksum-* header off the wire, this one too.
            await Storage(store, S3ChecksumMode.WhenRequired).StatAsync(Location.Parse("s3://far/single.bin"), CancellationToken.None);
            Assert.Null(store.RequestsTo("/far/single.bin").Last().Header("x-amz-checksum-mode"));
        }

        public static TheoryData<string, string?, string?> MultipartAnswers => new TheoryData<string, string?, string?>
        {
            // The value as the store gives it, its x-amz-checksum-type, and what the description must hold (null: nothing).
            { "AAAAAQ==-3", null, "00000001-3" },
            { "AAAAAQ==", "COMPOSITE", "00000001-3" },
            { "AAAAAQ==", "FULL_OBJECT", "00000001" },
            { "AAAAAQ==", null, null }, // a multipart object's checksum that says neither: it could be either
        };

        [Theory]
        [MemberData(nameof(MultipartAnswers))]
        public async Task AMultipartObjectsChecksumIsRecordedAsACompositeOnlyWhenTheStoreSaysSo(string value, string? type, string? expected)
        {
            await using HttpTestServer store = await HttpTestServer.StartAsync();
            TestResource multipart = store.Add("/far/multi.bin", Random(3000, seed: 46));
            multipart.ETag = "\"0123456789abcdef0123456789abcdef-3\"";
            multipart.Headers["x-amz-checksum-crc32c"] = value;
            if (type != null)
            {
                multipart.Headers["x-amz-checksum-type"] = type;
            }

            ObjectInfo info = (await Storage(store).StatAsync(Location.Parse("s3://far/multi.bin"), CancellationToken.None))!;

            Assert.Equal(expected, info.Checksums.TryGetValue("CRC32C", out string? recorded) ? recorded : null);
        }

        [Theory]
        [InlineData(null, true)]
        [InlineData("FULL_OBJECT", true)]
        [InlineData("COMPOSITE", false)]
        public async Task AStoredCrc64nvmeIsRecordedAsAWholeObjectValue(string? type, bool recorded)
        {
            // S3 keeps CRC64NVME only for the whole object, so a multipart object's value needs no type to be taken as one.
            byte[] bytes = Random(3000, seed: 50);
            ulong crc = Hashing.Crc64Tests.Bitwise(bytes);
            await using HttpTestServer store = await HttpTestServer.StartAsync();
            TestResource multipart = store.Add("/far/multi64.bin", bytes);
            multipart.ETag = "\"0123456789abcdef0123456789abcdef-3\"";
            multipart.Headers["x-amz-checksum-crc64nvme"] = Convert.ToBase64String(BigEndian64(crc));
            if (type != null)
            {
                multipart.Headers["x-amz-checksum-type"] = type;
            }

            ObjectInfo info = (await Storage(store).StatAsync(Location.Parse("s3://far/multi64.bin"), CancellationToken.None))!;

            Assert.Equal(recorded ? Hex64(crc) : null, info.Checksums.TryGetValue("CRC64NVME", out string? value) ? value : null);
        }

        [Fact]
        public async Task AnAmazonStyleObjectIsCheckedByItsCrc64nvmeWithoutAnyMd5()
        {
            // 20 MiB + 3 B uploaded in 8 MiB parts, as the aws cli does, with the CRC64NVME S3 adds. The ETag here is
            // not the parts' MD5s: a download that recomputed it would fail, so passing shows the CRC was what was checked.
            byte[] bytes = Random((20 * MiB) + 3, seed: 51);
            await using HttpTestServer store = await HttpTestServer.StartAsync();
            TestResource multipart = store.Add("/far/amazon.bin", bytes);
            multipart.ETag = "\"0123456789abcdef0123456789abcdef-3\"";
            multipart.Headers["x-amz-checksum-crc64nvme"] = Base64Crc64(bytes);
            multipart.Headers["x-amz-checksum-type"] = "FULL_OBJECT";
            S3Storage storage = Storage(store);
            ObjectInfo info = (await storage.StatAsync(Location.Parse("s3://far/amazon.bin"), CancellationToken.None))!;

            using var reader = (S3ObjectReader)await storage.OpenReadAsync(info, CancellationToken.None);
            long range = reader.PreferredPartSize!.Value;

            Assert.Equal(bytes, await ReadAllAsync(reader, bytes.Length, range));
            Assert.Equal("CRC64NVME", reader.CheckedChecksum);
            Assert.True(reader.ChecksumVerified);
            Assert.False(reader.ETagVerified);

            // The same object with one byte of the stored CRC's data changed fails before anything is committed.
            bytes[9 * MiB] ^= 0x80;
            multipart.Headers["x-amz-checksum-crc64nvme"] = Base64Crc64(bytes);
            bytes[9 * MiB] ^= 0x80;
            ObjectInfo changed = (await storage.StatAsync(Location.Parse("s3://far/amazon.bin"), CancellationToken.None))!;
            using var second = (S3ObjectReader)await storage.OpenReadAsync(changed, CancellationToken.None);
            await Assert.ThrowsAsync<VerifyFailedException>(() => ReadAllAsync(second, bytes.Length, range));
        }

        [Fact]
        public async Task SkipUnchangedComparesALocalFileWithTheStoredCrc64nvmeWithoutDownloading()
        {
            // The ETag is not the parts' MD5s: compared by it, the files would differ. The stored CRC decides.
            byte[] bytes = Random((9 * MiB) + 1, seed: 52);
            await using HttpTestServer store = await HttpTestServer.StartAsync();
            TestResource multipart = store.Add("/far/same.bin", bytes);
            multipart.ETag = "\"0123456789abcdef0123456789abcdef-2\"";
            multipart.Headers["x-amz-checksum-crc64nvme"] = Base64Crc64(bytes);
            StorageRegistry registry = StorageRegistry.CreateDefault().Register(LocationKind.S3, Storage(store));
            string local = _temp.File("same.bin");
            File.WriteAllBytes(local, bytes);

            var same = S3TransferTests.Run(TransferDirection.Receive, local, new[] { "s3://far/same.bin" }, new TransferOptions(skipUnchanged: true), registry: registry);

            TransferResult skipped = Assert.Single(same.Transfers);
            Assert.Equal(TransferStatus.Skipped, skipped.Status);
            Assert.Equal("same size and CRC64NVME", skipped.SkipReason);
            Assert.DoesNotContain(store.RequestsTo("/far/same.bin"), r => r.Method == "GET");

            // One byte changed, same size: downloaded again (checked by the same CRC on the way).
            using (var stream = new FileStream(local, FileMode.Open, FileAccess.Write))
            {
                stream.Position = 5 * MiB;
                stream.WriteByte((byte)(bytes[5 * MiB] ^ 0xFF));
            }

            var changed = S3TransferTests.Run(TransferDirection.Receive, local, new[] { "s3://far/same.bin" }, new TransferOptions(skipUnchanged: true, overwrite: true), registry: registry);

            Assert.Empty(changed.Errors);
            Assert.Equal(TransferStatus.Completed, Assert.Single(changed.Transfers).Status);
            Assert.Equal(bytes, File.ReadAllBytes(local));
        }

        [Fact]
        public async Task ALargeSinglePartObjectWithAWholeObjectCrcIsReadInPartsAndChecked()
        {
            // One PUT of just over 64 MiB has the MD5 as ETag, which no parallel range can check; its stored CRC32C can be.
            byte[] bytes = Random((64 * MiB) + 11, seed: 47);
            await using HttpTestServer store = await HttpTestServer.StartAsync();
            TestResource single = store.Add("/far/large.bin", bytes);
            single.ETag = S3StandIn.Md5ETag(bytes);
            single.Headers["x-amz-checksum-crc32c"] = Base64(Crc(bytes, Castagnoli));
            S3Storage storage = Storage(store);
            ObjectInfo info = (await storage.StatAsync(Location.Parse("s3://far/large.bin"), CancellationToken.None))!;

            using var reader = (S3ObjectReader)await storage.OpenReadAsync(info, CancellationToken.None);
            long range = reader.PreferredPartSize!.Value;
            Assert.True(range < bytes.Length, $"one range of {range} bytes");

            Assert.Equal(bytes, await ReadAllAsync(reader, bytes.Length, range));
            Assert.Equal("CRC32C", reader.CheckedChecksum);
            Assert.True(reader.ChecksumVerified);
        }

        [Fact]
        public async Task AMultipartObjectWhosePartsAreOfNoSingleSizeIsCheckedByItsWholeObjectCrc()
        {
            // 20 MiB in 40,000 parts: no part size fits, so the ETag cannot be recomputed; a whole-object CRC can.
            byte[] bytes = Random(20 * MiB, seed: 48);
            await using HttpTestServer store = await HttpTestServer.StartAsync();
            TestResource multipart = store.Add("/far/uneven.bin", bytes);
            multipart.ETag = "\"0123456789abcdef0123456789abcdef-40000\"";
            multipart.Headers["x-amz-checksum-crc32c"] = Base64(Crc(bytes, Castagnoli));
            multipart.Headers["x-amz-checksum-type"] = "FULL_OBJECT";
            S3Storage storage = Storage(store);
            ObjectInfo info = (await storage.StatAsync(Location.Parse("s3://far/uneven.bin"), CancellationToken.None))!;
            Assert.Null(S3Storage.InferPartSize(bytes.Length, 40000));

            using var reader = (S3ObjectReader)await storage.OpenReadAsync(info, CancellationToken.None);
            long range = reader.PreferredPartSize!.Value;
            Assert.True(range < bytes.Length, $"one range of {range} bytes");

            Assert.Equal(bytes, await ReadAllAsync(reader, bytes.Length, range));
            Assert.True(reader.ChecksumVerified);
        }

        private async Task<(byte[] Bytes, S3Location Location, ObjectInfo Info)> UploadAsync(string name, long length, int seed)
        {
            string path = _temp.RandomFile(name, length, seed);
            var location = new S3Location(S3TestServer.Bucket, _prefix + name);
            S3Storage storage = S3TestServer.Storage();
            await S3TestTransfers.UploadAsync(storage, path, location, partSize: 5 * MiB);
            ObjectInfo info = (await storage.StatAsync(location, CancellationToken.None))!;
            Assert.False(info.Checksums.ContainsKey("CRC32C")); // this RGW keeps none: the tests give the object one
            return (File.ReadAllBytes(path), location, info);
        }

        private static ObjectInfo WithChecksum(ObjectInfo info, string algorithm, string value)
        {
            var checksums = new Dictionary<string, string>(info.Checksums, StringComparer.OrdinalIgnoreCase) { [algorithm] = value };
            return new ObjectInfo(info.Location, info.Length, info.LastModified, info.ETag, checksums: checksums);
        }

        /// <summary>Reads the object in ranges of rangeSize, all at once, in reads that straddle the part boundaries.</summary>
        private static async Task<byte[]> ReadAllAsync(IObjectReader reader, long length, long rangeSize)
        {
            int count = (int)((length + rangeSize - 1) / rangeSize);
            byte[][] ranges = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                long offset = i * rangeSize;
                using Stream range = await reader.OpenRangeAsync(offset, Math.Min(rangeSize, length - offset), CancellationToken.None);
                var into = new MemoryStream();
                await range.CopyToAsync(into, 100_000);
                return into.ToArray();
            }));
            return ranges.SelectMany(r => r).ToArray();
        }

        private S3Storage Storage(HttpTestServer store, S3ChecksumMode mode = S3ChecksumMode.Auto) => S3StandIn.Storage(store, _pool, mode: mode);

        /// <summary>S3's composite: the CRC of the parts' CRCs (4 big-endian bytes each), in hex, then "-N".</summary>
        private static string Composite(byte[] bytes, int partSize, uint polynomial)
        {
            var parts = new List<byte>();
            int count = 0;
            for (int offset = 0; offset < bytes.Length; offset += partSize, count++)
            {
                parts.AddRange(BigEndian(Crc(bytes.AsSpan(offset, Math.Min(partSize, bytes.Length - offset)), polynomial)));
            }

            return Hex(Crc(parts.ToArray(), polynomial)) + "-" + count;
        }

        /// <summary>Reflected CRC-32, one bit at a time: initial value and final XOR 0xFFFFFFFF.</summary>
        private static uint Crc(ReadOnlySpan<byte> data, uint polynomial)
        {
            uint crc = 0xFFFFFFFFu;
            foreach (byte b in data)
            {
                crc ^= b;
                for (int bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1;
                }
            }

            return ~crc;
        }

        private static byte[] BigEndian(uint value) => new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value };

        private static string Hex(uint value) => Convert.ToHexString(BigEndian(value));

        private static string Base64(uint value) => Convert.ToBase64String(BigEndian(value));

        private static byte[] BigEndian64(ulong value) => Enumerable.Range(0, 8).Select(i => (byte)(value >> (56 - (8 * i)))).ToArray();

        private static string Hex64(ulong value) => Convert.ToHexString(BigEndian64(value));

        /// <summary>The x-amz-checksum-crc64nvme header of these bytes, from the bitwise reference CRC.</summary>
        private static string Base64Crc64(byte[] bytes) => Convert.ToBase64String(BigEndian64(Hashing.Crc64Tests.Bitwise(bytes)));

        private static byte[] Random(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }
    }
}
