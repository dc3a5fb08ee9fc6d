using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Http;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.Http
{
    /// <summary>
    /// HTTP transfers with S3 presigned URLs (made by AWSSDK.S3) against the S3 test server: the URL is all the
    /// client has, signed for one method. Skipped, with the reason, when STREAMFILES_TEST_S3_ENDPOINT is not set.
    /// </summary>
    public sealed class HttpPresignedTests : IDisposable
    {
        private static readonly string? Endpoint = Variable("STREAMFILES_TEST_S3_ENDPOINT");
        private static readonly string Bucket = Variable("STREAMFILES_TEST_S3_BUCKET") ?? "streamfiles-test";
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = "t/" + Guid.NewGuid().ToString("N") + "/";

        public void Dispose() => _temp.Dispose();

        private static AmazonS3Client Client() => new AmazonS3Client(
            new BasicAWSCredentials(Variable("STREAMFILES_TEST_S3_ACCESS_KEY") ?? "test", Variable("STREAMFILES_TEST_S3_SECRET_KEY") ?? "test"),
            new AmazonS3Config { ServiceURL = Endpoint, ForcePathStyle = true, AuthenticationRegion = Variable("STREAMFILES_TEST_S3_REGION") ?? "us-east-1" });

        private static string Presign(AmazonS3Client client, string key, HttpVerb verb) =>
            client.GetPreSignedURL(new GetPreSignedUrlRequest
            {
                BucketName = Bucket,
                Key = key,
                Verb = verb,
                Expires = DateTime.UtcNow.AddMinutes(10),
                Protocol = Endpoint!.StartsWith("https", StringComparison.Ordinal) ? Protocol.HTTPS : Protocol.HTTP,
            });

        private static async Task<TransferResult> RunAsync(string source, string destination, HttpSettings settings, bool overwrite = false)
        {
            using var http = new HttpStorage(settings);
            StorageRegistry registry = StorageRegistry.CreateDefault().Register(LocationKind.Http, http);
            Location from = Location.Parse(source);
            ObjectInfo info = (await registry.Resolve<IStorage>(from, "as a source").StatAsync(from, CancellationToken.None))!;
            var engine = new TransferEngine(new TransferOptions(partSize: 1024 * 1024, overwrite: overwrite), registry);
            return await engine.TransferAsync(new TransferJob(info, Location.Parse(destination), null), null, CancellationToken.None);
        }

        [PresignedTheory]
        [InlineData(UploadChecksum.None)]
        [InlineData(UploadChecksum.Md5)]
        public async Task A_presigned_put_uploads_and_a_presigned_get_downloads(UploadChecksum checksum)
        {
            using AmazonS3Client client = Client();
            string key = _prefix + "object.bin";
            string file = _temp.RandomFile("object.bin", 5 * 1024 * 1024 + 3);
            string put = Presign(client, key, HttpVerb.PUT);

            TransferResult sent = await RunAsync(file, put, new HttpSettings(uploadChecksum: checksum, contentType: "application/x-test"));

            Assert.Equal(TransferStatus.Completed, sent.Status);
            Assert.DoesNotContain("Signature", sent.Destination, StringComparison.Ordinal);
            GetObjectMetadataResponse head = await client.GetObjectMetadataAsync(Bucket, key);
            Assert.Equal(new FileInfo(file).Length, head.ContentLength);
            Assert.Equal("application/x-test", head.Headers.ContentType);

            string get = Presign(client, key, HttpVerb.GET);
            string copy = _temp.File("copy.bin");
            TransferResult received = await RunAsync(get, copy, new HttpSettings());

            Assert.Equal(TransferStatus.Completed, received.Status);
            Assert.Equal(ProcessRunner.Shell($"sha256sum < '{file}'"), ProcessRunner.Shell($"sha256sum < '{copy}'"));
        }

        /// <summary>
        /// A query-string URL of S3's Signature Version 2 (what boto and `aws s3 presign` make for some stores): its
        /// signature covers the Content-Type, empty unless it was made with one, so the upload sends none unless given
        /// one. The URL is signed here as the scheme says (HMAC-SHA1 of method, Content-MD5, Content-Type, Expires and
        /// the resource); the store checking it is the test.
        /// </summary>
        [PresignedTheory]
        [InlineData(null)]
        [InlineData("text/plain")]
        public async Task A_version_2_presigned_put_sends_the_content_type_it_was_signed_with(string? contentType)
        {
            using AmazonS3Client client = Client();
            string key = _prefix + "v2.bin";
            string file = _temp.RandomFile("v2.bin", 3000);
            string put = PresignVersion2(key, "PUT", contentType);

            TransferResult sent = await RunAsync(file, put, new HttpSettings(contentType: contentType));

            Assert.Equal(TransferStatus.Completed, sent.Status);
            Assert.DoesNotContain("Signature", sent.Destination, StringComparison.Ordinal);
            using GetObjectResponse stored = await client.GetObjectAsync(Bucket, key);
            using var bytes = new MemoryStream();
            await stored.ResponseStream.CopyToAsync(bytes);
            Assert.Equal(File.ReadAllBytes(file), bytes.ToArray());
            if (contentType != null)
            {
                Assert.Equal(contentType, stored.Headers.ContentType);
            }
        }

        private static string PresignVersion2(string key, string method, string? contentType)
        {
            string accessKey = Variable("STREAMFILES_TEST_S3_ACCESS_KEY") ?? "test";
            string secretKey = Variable("STREAMFILES_TEST_S3_SECRET_KEY") ?? "test";
            long expires = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
            string resource = "/" + Bucket + "/" + key;
            string stringToSign = method + "\n\n" + (contentType ?? string.Empty) + "\n" + expires + "\n" + resource;
            using var hmac = new HMACSHA1(System.Text.Encoding.UTF8.GetBytes(secretKey));
            string signature = Convert.ToBase64String(hmac.ComputeHash(System.Text.Encoding.UTF8.GetBytes(stringToSign)));
            return Endpoint!.TrimEnd('/') + resource + "?AWSAccessKeyId=" + Uri.EscapeDataString(accessKey) + "&Expires=" + expires + "&Signature=" + Uri.EscapeDataString(signature);
        }

        [PresignedFact]
        public async Task A_presigned_put_does_not_replace_an_object_without_overwrite()
        {
            using AmazonS3Client client = Client();
            string key = _prefix + "kept.bin";
            await client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, ContentBody = "older", UseChunkEncoding = false });
            string file = _temp.RandomFile("kept.bin", 1000);
            string put = Presign(client, key, HttpVerb.PUT);

            var error = await Assert.ThrowsAsync<CommandFailureException>(() => RunAsync(file, put, new HttpSettings()));
            TransferResult forced = await RunAsync(file, put, new HttpSettings(), overwrite: true);

            Assert.Equal("DestinationExists", error.Error.Condition);
            Assert.Equal(TransferStatus.Completed, forced.Status);
            Assert.Equal(1000, (await client.GetObjectMetadataAsync(Bucket, key)).ContentLength);
        }

        [PresignedFact]
        public async Task An_expired_or_tampered_url_is_forbidden_and_stays_secret()
        {
            using AmazonS3Client client = Client();
            string put = Presign(client, _prefix + "x.bin", HttpVerb.PUT);
            string tampered = put.Replace("X-Amz-Signature=", "X-Amz-Signature=0", StringComparison.Ordinal);
            string file = _temp.RandomFile("x.bin", 1000);

            var error = await Assert.ThrowsAsync<CommandFailureException>(() => RunAsync(file, tampered, new HttpSettings(maxRetries: 0)));

            Assert.Equal("HttpForbidden", error.Error.Condition);
            Assert.Contains("SignatureDoesNotMatch", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("X-Amz", error.Message + error.Error.Target, StringComparison.Ordinal);
        }

        private static string? Variable(string name)
        {
            string? value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrWhiteSpace(value) ? null : value;
        }

        private const string SkipReason = "Presigned-URL tests need an S3 server: set STREAMFILES_TEST_S3_ENDPOINT (+ _ACCESS_KEY, _SECRET_KEY, _BUCKET), or run tests/run.sh, which starts tests/s3-server.";

        private sealed class PresignedFactAttribute : FactAttribute
        {
            public PresignedFactAttribute()
            {
                if (Endpoint is null)
                {
                    Skip = SkipReason;
                }
            }
        }

        private sealed class PresignedTheoryAttribute : TheoryAttribute
        {
            public PresignedTheoryAttribute()
            {
                if (Endpoint is null)
                {
                    Skip = SkipReason;
                }
            }
        }
    }
}
