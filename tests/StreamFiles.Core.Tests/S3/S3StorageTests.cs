using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;
using Amazon.S3.Model;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Tests.Support;
using S3Location = StreamFiles.Core.Locations.S3Location;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>S3Storage against a real S3 server (tests/s3-server: Ceph RGW), through the engine's storage seams.</summary>
    public sealed class S3StorageTests : IDisposable
    {
        private const long MiB = 1024 * 1024;
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();

        public void Dispose()
        {
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        private S3Location At(string key) => new S3Location(S3TestServer.Bucket, _prefix + key);

        [S3Fact]
        public async Task SmallFileIsOnePutAndComesBackByteIdentical()
        {
            string path = _temp.RandomFile("small.bin", 100_000);
            S3Storage storage = S3TestServer.Storage();
            var outcome = await S3TestTransfers.UploadAsync(storage, path, At("small.bin"));

            Assert.True(outcome.Plan.IsSingleRequest);
            Assert.Null(outcome.Token); // no multipart upload
            Assert.Equal(Md5Hex(File.ReadAllBytes(path)), await S3TestServer.ETagAsync(_prefix + "small.bin"));
            Assert.Equal(File.ReadAllBytes(path), await S3TestServer.GetAsync(_prefix + "small.bin"));
        }

        [S3Theory]
        [InlineData(15 * MiB)]       // exactly three parts of 5 MiB
        [InlineData(15 * MiB + 1)]   // one byte into a fourth part
        [InlineData(15 * MiB - 1)]   // one byte short of the third part's end
        [InlineData(5 * MiB + 1)]    // a 1-byte last part
        public async Task MultipartUploadMatchesTheLocalETagOnPartBoundaries(long length)
        {
            string path = _temp.RandomFile("multi.bin", length, seed: (int)(length % 1000));
            S3Storage storage = S3TestServer.Storage();
            var outcome = await S3TestTransfers.UploadAsync(storage, path, At("multi.bin"), partSize: 5 * MiB);

            Assert.False(outcome.Plan.IsSingleRequest);
            var local = await new ChunkedHasher(new HashSettings(new[] { ChecksumAlgorithm.S3ETag }, chunkSize: 5 * MiB)).HashFileAsync(path);
            Assert.Equal(local.Hash.ToLowerInvariant(), await S3TestServer.ETagAsync(_prefix + "multi.bin"));
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));

            ObjectInfo? info = await storage.StatAsync(At("multi.bin"), CancellationToken.None);
            Assert.NotNull(info);
            Assert.Equal(length, info!.Length);
            Assert.Equal(5 * MiB, await storage.GetPartSizeAsync(info, CancellationToken.None));

            string back = _temp.File("back.bin");
            await S3TestTransfers.DownloadAsync(storage, info, back, rangeSize: 4 * MiB);
            Assert.Equal(Sha256(path), Sha256(back));
        }

        [S3Fact]
        public async Task EmptyFileUploadsAndDownloads()
        {
            string path = _temp.File("empty.bin");
            File.WriteAllBytes(path, Array.Empty<byte>());
            S3Storage storage = S3TestServer.Storage();
            await S3TestTransfers.UploadAsync(storage, path, At("empty.bin"));

            ObjectInfo? info = await storage.StatAsync(At("empty.bin"), CancellationToken.None);
            Assert.Equal(0, info!.Length);
            Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", info.ETag);
            string back = _temp.File("back.bin");
            await S3TestTransfers.DownloadAsync(storage, info, back, rangeSize: MiB);
            Assert.Equal(0, new FileInfo(back).Length);
        }

        [S3Fact]
        public async Task ModificationTimeTravelsAsMetadata()
        {
            string path = _temp.RandomFile("dated.bin", 1000);
            var when = new DateTime(2021, 3, 4, 5, 6, 7, 891, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(path, when);
            S3Storage storage = S3TestServer.Storage();
            await S3TestTransfers.UploadAsync(storage, path, At("dated.bin"));

            ObjectInfo? info = await storage.StatAsync(At("dated.bin"), CancellationToken.None);
            Assert.Equal(new DateTimeOffset(when), info!.LastModified);
        }

        [S3Fact]
        public async Task AbortWithoutResumeLeavesNoMultipartUpload()
        {
            string path = _temp.RandomFile("abort.bin", 16 * MiB);
            S3Storage storage = S3TestServer.Storage();
            var outcome = await S3TestTransfers.UploadAsync(storage, path, At("abort.bin"), partSize: 5 * MiB, failAfterParts: 2);

            Assert.NotNull(outcome.Token);
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
            Assert.Null(await storage.StatAsync(At("abort.bin"), CancellationToken.None));
        }

        [S3Fact]
        public async Task ResumeReusesTheConfirmedPartsOfTheSameUpload()
        {
            string path = _temp.RandomFile("resume.bin", 21 * MiB);
            S3Storage storage = S3TestServer.Storage();
            var first = await S3TestTransfers.UploadAsync(storage, path, At("resume.bin"), partSize: 5 * MiB, resume: true, failAfterParts: 2);
            Assert.Equal(2, first.Parts.Count);
            Assert.Single(await S3TestServer.UploadsUnderAsync(_prefix)); // kept for the rerun

            // A journal may list a part the store does not hold intact (here: a wrong ETag); it is redone.
            var journal = first.Parts.Concat(new[] { new PartReceipt(3, 10 * MiB, 5 * MiB, null, "0123456789abcdef0123456789abcdef") }).ToList();
            var second = await S3TestTransfers.UploadAsync(storage, path, At("resume.bin"), partSize: 5 * MiB, resume: true, token: first.Token, journal: journal);

            Assert.Equal(first.Token, second.Token);
            Assert.Equal(5, second.Parts.Count);
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
            Assert.Equal(File.ReadAllBytes(path), await S3TestServer.GetAsync(_prefix + "resume.bin"));
        }

        [S3Fact]
        public async Task ResumeWithAnUploadThatIsGoneStartsAFreshOne()
        {
            string path = _temp.RandomFile("gone.bin", 11 * MiB);
            S3Storage storage = S3TestServer.Storage();
            var outcome = await S3TestTransfers.UploadAsync(storage, path, At("gone.bin"), partSize: 5 * MiB, resume: true, token: "no-such-upload-id",
                journal: new[] { new PartReceipt(1, 0, 5 * MiB, null, "0123456789abcdef0123456789abcdef") });

            Assert.NotEqual("no-such-upload-id", outcome.Token);
            Assert.Equal(File.ReadAllBytes(path), await S3TestServer.GetAsync(_prefix + "gone.bin"));
        }

        [S3Fact]
        public async Task ExistingObjectIsNotOverwrittenWithoutOverwrite()
        {
            await S3TestServer.PutAsync(_prefix + "taken.bin", new byte[] { 1, 2, 3 });
            string path = _temp.RandomFile("taken.bin", 10);
            S3Storage storage = S3TestServer.Storage();

            await Assert.ThrowsAsync<DestinationExistsException>(() => S3TestTransfers.UploadAsync(storage, path, At("taken.bin"), overwrite: false));
            Assert.Equal(new byte[] { 1, 2, 3 }, await S3TestServer.GetAsync(_prefix + "taken.bin"));
        }

        [S3Fact]
        public async Task ObjectOverwrittenBetweenHeadAndGetIsASourceChange()
        {
            await S3TestServer.PutAsync(_prefix + "moving.bin", Enumerable.Repeat((byte)1, 3000).ToArray());
            S3Storage storage = S3TestServer.Storage();
            ObjectInfo? info = await storage.StatAsync(At("moving.bin"), CancellationToken.None);
            await S3TestServer.PutAsync(_prefix + "moving.bin", Enumerable.Repeat((byte)2, 3000).ToArray());

            var error = await Assert.ThrowsAsync<SourceChangedException>(() => S3TestTransfers.DownloadAsync(storage, info!, _temp.File("moving.bin"), rangeSize: 1000));
            Assert.Contains("overwritten", error.Message);
        }

        [S3Fact]
        public async Task ObjectOverwrittenBetweenRangesFailsTheLaterRanges()
        {
            await S3TestServer.PutAsync(_prefix + "moving2.bin", Enumerable.Repeat((byte)1, 3000).ToArray());
            S3Storage storage = S3TestServer.Storage();
            ObjectInfo? info = await storage.StatAsync(At("moving2.bin"), CancellationToken.None);
            using IObjectReader reader = await storage.OpenReadAsync(info!, CancellationToken.None);
            using (Stream first = await reader.OpenRangeAsync(0, 1000, CancellationToken.None))
            {
                await first.CopyToAsync(Stream.Null);
            }

            await S3TestServer.PutAsync(_prefix + "moving2.bin", Enumerable.Repeat((byte)2, 3000).ToArray());
            await Assert.ThrowsAsync<SourceChangedException>(() => reader.OpenRangeAsync(1000, 1000, CancellationToken.None));
        }

        [S3Fact]
        public async Task StatTellsObjectsPrefixesAndNothingApart()
        {
            await S3TestServer.PutAsync(_prefix + "dir/file.txt", new byte[] { 1 });
            S3Storage storage = S3TestServer.Storage();

            Assert.False((await storage.StatAsync(At("dir/file.txt"), CancellationToken.None))!.IsContainer);
            Assert.True((await storage.StatAsync(At("dir"), CancellationToken.None))!.IsContainer);
            Assert.True((await storage.StatAsync(At("dir/"), CancellationToken.None))!.IsContainer);
            Assert.Null(await storage.StatAsync(At("nothing-here"), CancellationToken.None));
        }

        [S3Fact]
        public async Task ListingMapsKeysBelowThePrefixAndRefusesHostileOnes()
        {
            foreach (string key in new[] { "a.txt", "sub/b.txt", "sub/deeper/c.txt", "sub/", "../evil.txt", "x/../../evil2.txt", "win\\evil3.txt", "C:/evil4.txt", "dbl//evil5.txt" })
            {
                await S3TestServer.PutAsync(_prefix + "tree/" + key, key == "sub/" ? Array.Empty<byte>() : new byte[] { 7 });
            }

            S3Storage storage = S3TestServer.Storage();
            var all = new List<ListedObject>();
            await foreach (ListedObject item in storage.ListAsync(At("tree/"), recurse: true, CancellationToken.None))
            {
                all.Add(item);
            }

            Assert.Equal(new[] { "a.txt", "sub/b.txt", "sub/deeper/c.txt" }, all.Where(i => i.Error is null).Select(i => i.RelativePath).OrderBy(p => p, StringComparer.Ordinal));
            var refused = all.Where(i => i.Error != null).ToList();
            Assert.Equal(5, refused.Count);
            Assert.All(refused, i => Assert.Equal("S3UnsafeKey", i.Error!.Condition));
            Assert.All(refused, i => Assert.Equal(FailureCategory.SecurityError, i.Error!.Category));

            var top = new List<string>();
            await foreach (ListedObject item in storage.ListAsync(At("tree"), recurse: false, CancellationToken.None))
            {
                top.Add(item.RelativePath);
            }

            Assert.Contains("a.txt", top);
            Assert.DoesNotContain("sub/b.txt", top);
        }

        [S3Fact]
        public async Task WrongSecretIsASignatureMismatchAndNeverShowsTheSecret()
        {
            const string secret = "not-the-secret-6f1d2c";
            var storage = new S3Storage(S3TestServer.Connection(credentials: new BasicAWSCredentials(S3TestServer.AccessKey, secret)), S3TestServer.Pool);

            var error = await Assert.ThrowsAsync<CommandFailureException>(() => storage.StatAsync(At("anything.bin"), CancellationToken.None));
            Assert.Equal("S3SignatureMismatch", error.Error.Condition);
            Assert.Equal(FailureCategory.AuthenticationError, error.Error.Category);
            Assert.DoesNotContain(secret, error.Error.Message);
            Assert.DoesNotContain("Signature=", error.Error.Message);
            Assert.DoesNotContain(secret, error.ToString());

            string path = _temp.RandomFile("up.bin", 10);
            var upload = await Assert.ThrowsAsync<CommandFailureException>(() => S3TestTransfers.UploadAsync(storage, path, At("up.bin")));
            Assert.Equal("S3SignatureMismatch", upload.Error.Condition);
        }

        [S3Fact]
        public async Task ASecretChangedInTheEnvironmentIsUsedByTheNextCommand()
        {
            // As in a PowerShell session: one command with the right secret, then $env:AWS_SECRET_ACCESS_KEY changes.
            var env = new Dictionary<string, string?>
            {
                ["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey,
            };
            using var pool = new S3ClientPool(environment: n => env.TryGetValue(n, out string? value) ? value : null);
            var connection = new S3Connection(region: S3TestServer.Region, endpointUrl: S3TestServer.Endpoint);
            string key = _prefix + "env-secret.bin";
            await S3TestServer.PutAsync(key, new byte[] { 1, 2, 3 });

            ObjectInfo? found = await new S3Storage(connection, pool).StatAsync(new S3Location(S3TestServer.Bucket, key), CancellationToken.None);
            Assert.Equal(3, found!.Length);

            const string wrong = "not-the-secret-env-41c7";
            env["AWS_SECRET_ACCESS_KEY"] = wrong;
            var error = await Assert.ThrowsAsync<CommandFailureException>(() => new S3Storage(connection, pool).StatAsync(new S3Location(S3TestServer.Bucket, key), CancellationToken.None));
            Assert.Equal("S3SignatureMismatch", error.Error.Condition);
            Assert.DoesNotContain(wrong, error.ToString());
        }

        [S3Fact]
        public async Task UnknownAccessKeyHasItsOwnError()
        {
            var storage = new S3Storage(S3TestServer.Connection(credentials: new BasicAWSCredentials("nobody-" + Guid.NewGuid().ToString("N").Substring(0, 8), "x")), S3TestServer.Pool);
            var error = await Assert.ThrowsAsync<CommandFailureException>(() => storage.StatAsync(At("anything.bin"), CancellationToken.None));
            Assert.Equal("S3InvalidAccessKey", error.Error.Condition);
        }

        [S3Fact]
        public async Task UnknownBucketHasItsOwnError()
        {
            S3Storage storage = S3TestServer.Storage();
            var missing = new S3Location("streamfiles-no-such-" + Guid.NewGuid().ToString("N").Substring(0, 12), "k.bin");

            var stat = await Assert.ThrowsAsync<CommandFailureException>(() => storage.StatAsync(missing, CancellationToken.None));
            Assert.Equal("S3BucketNotFound", stat.Error.Condition);
            Assert.Equal(FailureCategory.ObjectNotFound, stat.Error.Category);

            string path = _temp.RandomFile("up.bin", 10);
            var upload = await Assert.ThrowsAsync<CommandFailureException>(() => S3TestTransfers.UploadAsync(storage, path, missing, overwrite: false));
            Assert.Equal("S3BucketNotFound", upload.Error.Condition);
            Assert.DoesNotContain("lower case", stat.Error.Message, StringComparison.Ordinal);

            // A name S3 cannot have says why (a probe: capitals and '_' were only "does not exist").
            var named = await Assert.ThrowsAsync<CommandFailureException>(() => storage.StatAsync(new S3Location("StreamFiles_No_Such", "k.bin"), CancellationToken.None));
            Assert.Contains("(S3 bucket names are lower case, with no underscores)", named.Error.Message, StringComparison.Ordinal);
        }

        [S3Fact]
        public async Task TrailingChecksumModeIsRejectedWithAnErrorThatNamesTheFix()
        {
            string path = _temp.RandomFile("trailer.bin", 1000);
            S3Storage storage = S3TestServer.Storage(S3ChecksumMode.WhenSupported);

            var error = await Assert.ThrowsAsync<CommandFailureException>(() => S3TestTransfers.UploadAsync(storage, path, At("trailer.bin")));
            Assert.Equal("S3ChecksumModeRejected", error.Error.Condition);
            Assert.Contains("-ChecksumMode Auto", error.Error.Message);
            Assert.Contains("--checksum-mode auto", error.Error.Message);
        }

        [S3Theory]
        [InlineData(S3ChecksumMode.Auto, ChecksumAlgorithm.CRC32C)]
        [InlineData(S3ChecksumMode.Auto, ChecksumAlgorithm.SHA256)]
        [InlineData(S3ChecksumMode.WhenRequired, ChecksumAlgorithm.CRC32C)]
        public async Task CompatibleChecksumModesUpload(S3ChecksumMode mode, ChecksumAlgorithm partChecksum)
        {
            string path = _temp.RandomFile("mode.bin", 11 * MiB, seed: 3);
            S3Storage storage = S3TestServer.Storage(mode, partChecksum);
            await S3TestTransfers.UploadAsync(storage, path, At("mode.bin"), partSize: 5 * MiB);
            string small = _temp.RandomFile("mode-small.bin", 1000, seed: 4);
            await S3TestTransfers.UploadAsync(storage, small, At("mode-small.bin"));

            Assert.Equal(File.ReadAllBytes(path), await S3TestServer.GetAsync(_prefix + "mode.bin"));
            Assert.Equal(File.ReadAllBytes(small), await S3TestServer.GetAsync(_prefix + "mode-small.bin"));
        }

        private static string Md5Hex(byte[] data)
        {
            using var md5 = MD5.Create();
            return Convert.ToHexString(md5.ComputeHash(data)).ToLowerInvariant();
        }

        private static string Sha256(string path)
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexString(SHA256.HashData(stream));
        }
    }
}
