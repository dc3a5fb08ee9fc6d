using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Tests.Support;
using Xunit;
using S3Location = StreamFiles.Core.Locations.S3Location;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// The https:// code path against the real S3 server, through a TLS-terminating proxy with a self-signed
    /// certificate that only these tests' client pool trusts. Over HTTPS parts go out with an unsigned payload and
    /// Content-MD5 (as the aws cli sends them), which the plain-HTTP tests never exercise.
    /// </summary>
    public sealed class S3HttpsTests : IDisposable
    {
        private const long MiB = 1024 * 1024;
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();
        private readonly TlsProxy? _proxy = S3TestServer.Available ? new TlsProxy(new Uri(S3TestServer.Endpoint!)) : null;
        private readonly S3ClientPool _trustingPool = new S3ClientPool();

        public S3HttpsTests()
        {
            _trustingPool.ExtraTrustedCertificate = _proxy?.Certificate;
        }

        public void Dispose()
        {
            _trustingPool.Dispose();
            _proxy?.Dispose();
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        private S3Location At(string key) => new S3Location(S3TestServer.Bucket, _prefix + key);

        private S3Storage TlsStorage(S3ClientPool pool) =>
            new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: _proxy!.Endpoint, credentials: S3TestServer.Credentials), pool);

        [S3Fact]
        public async Task SinglePutOverHttpsSendsUnsignedPayloadWithContentMd5()
        {
            string path = _temp.RandomFile("small.bin", 300_000, seed: 11);
            byte[] content = File.ReadAllBytes(path);
            var outcome = await S3TestTransfers.UploadAsync(TlsStorage(_trustingPool), path, At("small.bin"));

            Assert.True(outcome.Plan.IsSingleRequest);
            ProxiedRequest put = Assert.Single(_proxy!.Requests, r => r.Method == "PUT");
            Assert.Equal("UNSIGNED-PAYLOAD", put.Header("x-amz-content-sha256"));
            Assert.Equal(Convert.ToBase64String(MD5.HashData(content)), put.Header("Content-MD5"));
            Assert.Equal(content, await S3TestServer.GetAsync(_prefix + "small.bin"));
            Assert.Equal(Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant(), await S3TestServer.ETagAsync(_prefix + "small.bin"));
        }

        [S3Fact]
        public async Task MultipartUploadAndRangedDownloadOverHttps()
        {
            const long partSize = 5 * MiB;
            string path = _temp.RandomFile("multi.bin", (2 * partSize) + 123_457, seed: 12);
            byte[] content = File.ReadAllBytes(path);
            S3Storage storage = TlsStorage(_trustingPool);
            var outcome = await S3TestTransfers.UploadAsync(storage, path, At("multi.bin"), partSize: partSize);

            Assert.Equal(3, outcome.Plan.PartCount);
            var partPuts = _proxy!.Requests.Where(r => r.Method == "PUT" && r.Target.Contains("uploadId=", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, partPuts.Count);
            var partMd5s = new List<byte[]>();
            for (int number = 1; number <= 3; number++)
            {
                int offset = (int)((number - 1) * partSize);
                byte[] md5 = MD5.HashData(content.AsSpan(offset, (int)Math.Min(partSize, content.Length - offset)));
                partMd5s.Add(md5);
                ProxiedRequest put = Assert.Single(partPuts, r => r.Target.Contains("partNumber=" + number + "&", StringComparison.Ordinal) || r.Target.EndsWith("partNumber=" + number, StringComparison.Ordinal));
                Assert.Equal("UNSIGNED-PAYLOAD", put.Header("x-amz-content-sha256"));
                Assert.Equal(Convert.ToBase64String(md5), put.Header("Content-MD5"));
            }

            // The store assembled what was sent: its ETag is the MD5 of the part MD5s, computed here independently.
            string expectedETag = Convert.ToHexString(MD5.HashData(partMd5s.SelectMany(m => m).ToArray())).ToLowerInvariant() + "-3";
            Assert.Equal(expectedETag, await S3TestServer.ETagAsync(_prefix + "multi.bin"));
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));

            // Back through TLS in ranges that are the object's parts (so the reader checks the ETag as well).
            ObjectInfo? info = await storage.StatAsync(At("multi.bin"), CancellationToken.None);
            Assert.NotNull(info);
            string back = _temp.File("back.bin");
            int before = _proxy.Requests.Count(r => r.Method == "GET");
            await S3TestTransfers.DownloadAsync(storage, info!, back, rangeSize: partSize);
            Assert.Equal(content, File.ReadAllBytes(back));
            var gets = _proxy.Requests.Where(r => r.Method == "GET").Skip(before).ToList();
            Assert.Equal(3, gets.Count(r => r.Header("Range") != null));
        }

        [S3Fact]
        public async Task UntrustedCertificateFailsWithTlsErrorAndNothingIsSent()
        {
            using var pool = new S3ClientPool(); // the system's trust only: the test certificate is not in it
            S3Storage storage = TlsStorage(pool);

            var failure = await Assert.ThrowsAsync<CommandFailureException>(() => storage.StatAsync(At("any.bin"), CancellationToken.None));
            Assert.Equal("S3TlsError", failure.Error.Condition);
            Assert.Equal(FailureCategory.SecurityError, failure.Error.Category);
            Assert.Contains(_proxy!.Endpoint, failure.Error.Message, StringComparison.Ordinal);
            Assert.Empty(_proxy.Requests); // the client hung up in the handshake: not one request went out

            string path = _temp.RandomFile("refused.bin", 1000, seed: 13);
            var upload = await Assert.ThrowsAsync<CommandFailureException>(() => S3TestTransfers.UploadAsync(storage, path, At("refused.bin"), overwrite: false));
            Assert.Equal("S3TlsError", upload.Error.Condition);
            Assert.Empty(_proxy.Requests);
        }
    }
}
