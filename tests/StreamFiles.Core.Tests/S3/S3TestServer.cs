using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Storage.S3;
using ChecksumAlgorithm = StreamFiles.Core.Hashing.ChecksumAlgorithm;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// The S3 server the suite runs against, from STREAMFILES_TEST_S3_ENDPOINT (+ _ACCESS_KEY, _SECRET_KEY,
    /// _REGION, _BUCKET). tests/run.sh starts a local Ceph RGW and sets them; point them at MinIO, R2 or AWS to run
    /// the same tests there. Without an endpoint every S3 test is skipped with one reason.
    /// </summary>
    public static class S3TestServer
    {
        public const string SkipReason =
            "S3 tests need a server: set STREAMFILES_TEST_S3_ENDPOINT (+ STREAMFILES_TEST_S3_ACCESS_KEY, _SECRET_KEY, _BUCKET), or run tests/run.sh as root on Debian/Ubuntu, which starts tests/s3-server.";

        public static string? Endpoint { get; } = Variable("STREAMFILES_TEST_S3_ENDPOINT");

        public static string AccessKey { get; } = Variable("STREAMFILES_TEST_S3_ACCESS_KEY") ?? "test";

        public static string SecretKey { get; } = Variable("STREAMFILES_TEST_S3_SECRET_KEY") ?? "test";

        public static string Region { get; } = Variable("STREAMFILES_TEST_S3_REGION") ?? "us-east-1";

        public static string Bucket { get; } = Variable("STREAMFILES_TEST_S3_BUCKET") ?? "streamfiles-test";

        public static bool Available => Endpoint != null;

        /// <summary>
        /// Where the role tests send STS AssumeRole and then S3 requests with the role's session keys; default: the S3
        /// endpoint (MinIO answers STS there). tests/s3-server/start.sh runs a second gateway for it, because its RGW
        /// with STS on reports a wrong secret as AccessDenied.
        /// </summary>
        public static string? StsEndpoint { get; } = Variable("STREAMFILES_TEST_S3_STS_ENDPOINT") ?? Endpoint;

        /// <summary>
        /// Roles the test user may assume through STS: one that may write, one that may only read. tests/s3-server/start.sh
        /// makes both on its RGW; another store sets them to run the role tests.
        /// </summary>
        public static string? RoleArn { get; } = Variable("STREAMFILES_TEST_S3_ROLE_ARN");

        public static string? ReaderRoleArn { get; } = Variable("STREAMFILES_TEST_S3_READER_ROLE_ARN");

        /// <summary>A private pool per test run, so tests never share state with the process-wide one.</summary>
        public static S3ClientPool Pool { get; } = new S3ClientPool();

        public static AWSCredentials Credentials { get; } = new BasicAWSCredentials(AccessKey, SecretKey);

        public static S3Connection Connection(S3ChecksumMode mode = S3ChecksumMode.Auto, AWSCredentials? credentials = null) =>
            new S3Connection(region: Region, endpointUrl: Endpoint, checksumMode: mode, credentials: credentials ?? Credentials);

        public static S3Storage Storage(S3ChecksumMode mode = S3ChecksumMode.Auto, ChecksumAlgorithm partChecksum = ChecksumAlgorithm.CRC32C) =>
            new S3Storage(Connection(mode), Pool, partChecksum);

        /// <summary>The plain SDK client, for arranging and inspecting the store behind the code under test.</summary>
        public static IAmazonS3 Raw => Pool.Get(Connection()).Client;

        /// <summary>A key prefix of its own for one test ("t/guid/").</summary>
        public static string NewPrefix() => "t/" + Guid.NewGuid().ToString("N") + "/";

        public static async Task PutAsync(string key, byte[] content)
        {
            using var stream = new MemoryStream(content);
            await Raw.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = stream, UseChunkEncoding = false });
        }

        /// <summary>
        /// Uploads a file in parts of partSize with the plain SDK, as another tool would: no metadata, so a store that
        /// ignores HEAD ?partNumber= gives no way to know the part size.
        /// </summary>
        /// <param name="recordedPartSize">A streamfiles-part-size to put in the metadata, as a copy that cut the object anew carries it.</param>
        public static async Task UploadInPartsAsync(string key, string path, long partSize, long? recordedPartSize = null)
        {
            var initiate = new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key };
            if (recordedPartSize is long recorded)
            {
                initiate.Metadata["streamfiles-part-size"] = recorded.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            string uploadId = (await Raw.InitiateMultipartUploadAsync(initiate)).UploadId;
            var etags = new List<PartETag>();
            long length = new FileInfo(path).Length;
            for (int part = 1; (part - 1) * partSize < length; part++)
            {
                UploadPartResponse uploaded = await Raw.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = part,
                    FilePath = path,
                    FilePosition = (part - 1) * partSize,
                    PartSize = Math.Min(partSize, length - ((part - 1) * partSize)),
                });
                etags.Add(new PartETag(part, uploaded.ETag));
            }

            await Raw.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId, PartETags = etags });
        }

        public static async Task<byte[]> GetAsync(string key)
        {
            using var response = await Raw.GetObjectAsync(Bucket, key);
            using var copy = new MemoryStream();
            await response.ResponseStream.CopyToAsync(copy);
            return copy.ToArray();
        }

        /// <summary>
        /// Removes a test's objects and multipart uploads: the local server's disk is small, and a store on a bill
        /// should not keep test data. Failures are ignored (the server may be gone at the end of a run).
        /// </summary>
        public static void DeletePrefix(string prefix)
        {
            if (!Available)
            {
                return;
            }

            try
            {
                DeletePrefixAsync(prefix).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // Best effort.
            }
        }

        private static async Task DeletePrefixAsync(string prefix)
        {
            foreach (MultipartUpload upload in await UploadsUnderAsync(prefix))
            {
                await Raw.AbortMultipartUploadAsync(Bucket, upload.Key, upload.UploadId);
            }

            var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix };
            while (true)
            {
                var page = await Raw.ListObjectsV2Async(request);
                var keys = (page.S3Objects ?? new List<S3Object>()).Select(o => new KeyVersion { Key = o.Key }).ToList();
                if (keys.Count > 0)
                {
                    await Raw.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = Bucket, Objects = keys });
                }

                if (page.IsTruncated != true)
                {
                    return;
                }

                request.ContinuationToken = page.NextContinuationToken;
            }
        }

        public static async Task<IReadOnlyList<MultipartUpload>> UploadsUnderAsync(string prefix)
        {
            var response = await Raw.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = prefix });
            return (IReadOnlyList<MultipartUpload>?)response.MultipartUploads ?? Array.Empty<MultipartUpload>();
        }

        public static async Task<string> ETagAsync(string key)
        {
            var head = await Raw.GetObjectMetadataAsync(Bucket, key);
            return S3Tags.Unquote(head.ETag)!;
        }

        private static string? Variable(string name)
        {
            string? value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrWhiteSpace(value) ? null : value;
        }
    }

    /// <summary>A test that needs the S3 server; skipped, with the reason, when there is none.</summary>
    public sealed class S3FactAttribute : FactAttribute
    {
        public S3FactAttribute()
        {
            if (!S3TestServer.Available)
            {
                Skip = S3TestServer.SkipReason;
            }
        }
    }

    /// <summary>A theory that needs the S3 server; skipped, with the reason, when there is none.</summary>
    public sealed class S3TheoryAttribute : TheoryAttribute
    {
        public S3TheoryAttribute()
        {
            if (!S3TestServer.Available)
            {
                Skip = S3TestServer.SkipReason;
            }
        }
    }

    /// <summary>A test that assumes the server's roles; skipped, with the reason, without the server or the roles.</summary>
    public sealed class S3RoleFactAttribute : FactAttribute
    {
        public S3RoleFactAttribute()
        {
            if (!S3TestServer.Available)
            {
                Skip = S3TestServer.SkipReason;
            }
            else if (S3TestServer.RoleArn is null || S3TestServer.ReaderRoleArn is null)
            {
                Skip = "Role tests need STREAMFILES_TEST_S3_ROLE_ARN (a role that may write the bucket) and STREAMFILES_TEST_S3_READER_ROLE_ARN (one that may only read), both assumable by the test user through STS at STREAMFILES_TEST_S3_STS_ENDPOINT (default: the S3 endpoint); tests/s3-server/start.sh sets them for its RGW.";
            }
        }
    }
}
