using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage.S3;
using ChecksumAlgorithm = StreamFiles.Core.Hashing.ChecksumAlgorithm;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>The parts of the S3 backend that need no server: key safety, ETag arithmetic, error mapping, connection rules.</summary>
    public sealed class S3OfflineTests
    {
        [Theory]
        [InlineData("a.txt")]
        [InlineData("dir/sub/file.bin")]
        [InlineData("2024-01-01T10:00:00.log")]
        [InlineData("name with spaces/ünïcödé.txt")]
        [InlineData("..hidden/..file")]
        public void OrdinaryKeysAreSafe(string key) => Assert.Null(S3KeySafety.Problem(key, windows: false));

        [Theory]
        [InlineData("logs/c:x")]
        [InlineData("hostile/C:/x")]
        [InlineData("2024-01-01T10:00:00.log")]
        [InlineData("file.txt:stream")]
        public void OnWindowsAColonAnywhereIsRefusedAndElsewhereItIsAnOrdinaryCharacter(string key)
        {
            Assert.Contains("alternate data stream", S3KeySafety.Problem(key, windows: true));
            Assert.Null(S3KeySafety.Problem(key, windows: false));
        }

        [Theory]
        [InlineData("../evil", "climbs")]
        [InlineData("a/../../evil", "climbs")]
        [InlineData("/etc/passwd", "absolute")]
        [InlineData("a\\..\\b", "backslash")]
        [InlineData("C:/Windows/x", "drive letter")]
        [InlineData("c:x", "drive letter")]
        [InlineData("a//b", "empty path segment")]
        [InlineData("./a", "'.'")]
        [InlineData("a/\u0001b", "control character")]
        [InlineData("", "empty")]
        public void HostileKeysAreRefusedWithTheReason(string key, string reason) =>
            Assert.Contains(reason, S3KeySafety.Problem(key));

        [Theory]
        [InlineData("\"abc-3\"", 3)]
        [InlineData("d41d8cd98f00b204e9800998ecf8427e", null)]
        [InlineData("0123-10000", 10000)]
        [InlineData("x-y", null)]
        public void PartCountComesFromTheETagSuffix(string etag, int? count) => Assert.Equal(count, S3Tags.PartCount(etag));

        [Fact]
        public async System.Threading.Tasks.Task MultipartETagOfPartMd5sMatchesTheHasherS3ETag()
        {
            var data = new byte[(5 * 1024 * 1024 * 2) + 123];
            new Random(5).NextBytes(data);
            const int partSize = 5 * 1024 * 1024;
            var parts = new List<string>();
            for (int offset = 0; offset < data.Length; offset += partSize)
            {
                parts.Add(Convert.ToHexString(MD5.HashData(data.AsSpan(offset, Math.Min(partSize, data.Length - offset)))));
            }

            var hasher = new ChunkedHasher(new HashSettings(new[] { ChecksumAlgorithm.S3ETag }, chunkSize: partSize));
            var result = await hasher.HashAsync(new MemoryStream(data));
            Assert.Equal(result[ChecksumAlgorithm.S3ETag].ToLowerInvariant(), S3Tags.MultipartETag(parts));
        }

        [Fact]
        public void CompositeCrc32cIsTheCrcOfThePartCrcs()
        {
            byte[] a = Crc32.ToBigEndianBytes(Crc32.Compute(new byte[] { 1, 2, 3 }, castagnoli: true));
            byte[] b = Crc32.ToBigEndianBytes(Crc32.Compute(new byte[] { 4, 5 }, castagnoli: true));
            var joined = new byte[8];
            a.CopyTo(joined, 0);
            b.CopyTo(joined, 4);
            string expected = Convert.ToBase64String(Crc32.ToBigEndianBytes(Crc32.Compute(joined, castagnoli: true))) + "-2";
            Assert.Equal(expected, S3Tags.CompositeChecksum(ChecksumAlgorithm.CRC32C, new[] { a, b }));
        }

        [Theory]
        [InlineData(15L * 1048576, 3, 5L * 1048576)]        // only 5 MiB fits exactly
        [InlineData(100L * 1048576, 13, 8L * 1048576)]      // aws cli / SDK default wins among fits
        [InlineData(1000L, 1, 1000L)]
        [InlineData(10L, 20, null)]                          // impossible layout
        [InlineData(50_000_000L, 9, 6_000_000L)]             // aws cli's multipart_chunksize = 6000000: no whole MiB fits
        [InlineData(47_920_001L, 9, null)]                   // parts of 5,990,000: neither whole MiB nor whole millions
        public void PartSizeIsInferredFromLengthAndPartCount(long length, int count, long? expected) =>
            Assert.Equal(expected, S3Storage.InferPartSize(length, count));

        [Theory]
        [InlineData(15L * 1048576, 3, false)]                 // 5, 6 and 7 MiB all make three parts
        [InlineData((16L * 1048576) + 2, 2, false)]           // 9..16 MiB all fit (s3cmd's 15 MiB among them)
        [InlineData((200L * 1048576) - 5, 25, false)]         // only 8 MiB among whole MiB, but 8,388,400 bytes fits too
        [InlineData(3L, 3, true)]                             // only parts of 1 byte
        [InlineData(1000L, 1, true)]
        public void InferenceSaysWhenOtherSizesFitToo(long length, int count, bool certain)
        {
            S3Storage.InferPartSize(length, count, out bool actual);
            Assert.Equal(certain, actual);
        }

        [Theory]
        [InlineData("SignatureDoesNotMatch", HttpStatusCode.Forbidden, "S3SignatureMismatch", FailureCategory.AuthenticationError)]
        [InlineData("InvalidAccessKeyId", HttpStatusCode.Forbidden, "S3InvalidAccessKey", FailureCategory.AuthenticationError)]
        [InlineData("AccessDenied", HttpStatusCode.Forbidden, "S3AccessDenied", FailureCategory.PermissionDenied)]
        [InlineData("NoSuchBucket", HttpStatusCode.NotFound, "S3BucketNotFound", FailureCategory.ObjectNotFound)]
        [InlineData("PermanentRedirect", HttpStatusCode.MovedPermanently, "S3WrongRegion", FailureCategory.InvalidArgument)]
        [InlineData("AuthorizationHeaderMalformed", HttpStatusCode.BadRequest, "S3WrongRegion", FailureCategory.InvalidArgument)]
        [InlineData("", HttpStatusCode.MovedPermanently, "S3WrongRegion", FailureCategory.InvalidArgument)]
        [InlineData("BadDigest", HttpStatusCode.BadRequest, "S3ChecksumMismatch", FailureCategory.InvalidData)]
        [InlineData("RequestTimeTooSkewed", HttpStatusCode.Forbidden, "S3ClockSkew", FailureCategory.AuthenticationError)]
        [InlineData("ExpiredToken", HttpStatusCode.BadRequest, "S3CredentialsExpired", FailureCategory.AuthenticationError)]
        public void EachServiceErrorHasItsOwnCondition(string code, HttpStatusCode status, string condition, FailureCategory category)
        {
            var exception = new AmazonS3Exception("store text that must not be shown", ErrorType.Sender, code, "request-id", status);
            CommandError error = S3Errors.Describe(exception, "upload", "s3://bucket/key");
            Assert.Equal(condition, error.Condition);
            Assert.Equal(category, error.Category);
            Assert.Equal("s3://bucket/key", error.Target);
            Assert.DoesNotContain("store text", error.Message);
        }

        [Fact]
        public void WrongRegionNamesTheBucketsRegionWhenTheStoreSaysIt()
        {
            var exception = new AmazonS3Exception(
                "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'", ErrorType.Sender, "AuthorizationHeaderMalformed", "id", HttpStatusCode.BadRequest);
            CommandError error = S3Errors.Describe(exception, "stat", "s3://b/k");
            Assert.Equal("S3WrongRegion", error.Condition);
            Assert.Contains("-Region eu-west-1", error.Message);
            Assert.Contains("--region eu-west-1", error.Message);
        }

        /// <summary>A store's 503 that outlasted every retry, on a HEAD or a part: S3ServiceUnavailable, as documented (it was UnexpectedError).</summary>
        [Fact]
        public void AThrottlingThatOutlastsTheRetriesIsS3ServiceUnavailable()
        {
            var slowDown = new AmazonS3Exception("Please reduce your request rate.", ErrorType.Receiver, "SlowDown", "id", HttpStatusCode.ServiceUnavailable);

            CommandError alone = StreamFiles.Core.Transfers.TransferErrors.Describe(slowDown, "/tmp/a.bin", "s3://b/a.bin");
            Assert.Equal("S3ServiceUnavailable", alone.Condition);
            Assert.Equal(FailureCategory.ResourceUnavailable, alone.Category);

            var part = new StreamFiles.Core.Transfers.PartFailedException(new StreamFiles.Core.Storage.PartSpec(2, 8L * 1024 * 1024, 8L * 1024 * 1024), 4, slowDown);
            CommandError inPart = StreamFiles.Core.Transfers.TransferErrors.Describe(part, "/tmp/a.bin", "s3://b/a.bin");
            Assert.Equal("S3ServiceUnavailable", inPart.Condition);
            Assert.Contains("part 2 of 4", inPart.Message, StringComparison.Ordinal);
            Assert.Contains("-ThrottleLimit", inPart.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void TransientErrorsAreThrottlingServerErrorsAndDroppedConnections()
        {
            Assert.True(S3Errors.IsTransient(new AmazonS3Exception("x", ErrorType.Receiver, "SlowDown", "id", HttpStatusCode.ServiceUnavailable)));
            Assert.True(S3Errors.IsTransient(new AmazonS3Exception("x", ErrorType.Receiver, "InternalError", "id", HttpStatusCode.InternalServerError)));
            Assert.True(S3Errors.IsTransient(new IOException("connection reset")));
            Assert.True(S3Errors.IsTransient(new AmazonS3Exception("x", ErrorType.Sender, "BadDigest", "id", HttpStatusCode.BadRequest)));
            Assert.True(S3Errors.IsTransient(new AmazonS3Exception("x", ErrorType.Sender, "XAmzContentSHA256Mismatch", "id", HttpStatusCode.BadRequest)));
            Assert.True(S3Errors.IsTransient(new AmazonS3Exception("x", ErrorType.Sender, "ConditionalRequestConflict", "id", HttpStatusCode.Conflict))); // a conditional write met another
            Assert.False(S3Errors.IsTransient(new AmazonS3Exception("x", ErrorType.Sender, "PreconditionFailed", "id", HttpStatusCode.PreconditionFailed)));
            Assert.False(S3Errors.IsTransient(new AmazonS3Exception("x", ErrorType.Sender, "InvalidDigest", "id", HttpStatusCode.BadRequest)));
            Assert.False(S3Errors.IsTransient(new AmazonS3Exception("x", ErrorType.Sender, "AccessDenied", "id", HttpStatusCode.Forbidden)));
        }

        [Theory]
        [InlineData("http://127.0.0.1:7480", false, true)]
        [InlineData("http://localhost:9000", false, true)]
        [InlineData("http://[::1]:9000", false, true)]
        [InlineData("https://abc.r2.cloudflarestorage.com", false, false)]
        [InlineData("https://abc.r2.cloudflarestorage.com", true, true)]
        public void PathStyleIsUsedWhenAskedOrWhenTheHostCannotHaveBucketSubdomains(string endpoint, bool forced, bool expected) =>
            Assert.Equal(expected, new S3Connection(endpointUrl: endpoint, forcePathStyle: forced).EffectivePathStyle(endpoint));

        [Fact]
        public void EndpointComesFromTheParameterThenAwsEndpointUrlS3ThenAwsEndpointUrl()
        {
            var env = new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = "http://general:1", ["AWS_ENDPOINT_URL_S3"] = "http://s3only:2/" };
            Assert.Equal("http://s3only:2", new S3Connection().EffectiveEndpointUrl(n => env.GetValueOrDefault(n)));
            Assert.Equal("http://given:3", new S3Connection(endpointUrl: "http://given:3").EffectiveEndpointUrl(n => env.GetValueOrDefault(n)));
            env.Remove("AWS_ENDPOINT_URL_S3");
            Assert.Equal("http://general:1", new S3Connection().EffectiveEndpointUrl(n => env.GetValueOrDefault(n)));
            Assert.Null(new S3Connection().EffectiveEndpointUrl(_ => null));
        }

        [Fact]
        public void AnEndpointThatIsNotAnHttpUrlIsRefused() =>
            Assert.Throws<ArgumentException>(() => new S3Connection(endpointUrl: "ftp://x"));

        [Fact]
        public void OnePooledClientPerConnection()
        {
            using var pool = new S3ClientPool();
            var credentials = new BasicAWSCredentials("a", "b");
            var one = pool.Get(new S3Connection(region: "us-east-1", endpointUrl: "http://127.0.0.1:1", credentials: credentials));
            var same = pool.Get(new S3Connection(region: "us-east-1", endpointUrl: "http://127.0.0.1:1", credentials: credentials));
            var other = pool.Get(new S3Connection(region: "us-east-1", endpointUrl: "http://127.0.0.1:2", credentials: credentials));
            Assert.Same(one, same);
            Assert.NotSame(one, other);
            Assert.DoesNotContain("b", one.Connection.ToString().Replace("(default", string.Empty).Replace("endpoint", string.Empty));
        }

        [Fact]
        public void AClientIsMadeAgainWhenTheEnvironmentItCameFromChanges()
        {
            // A PowerShell session outlives its environment: $env:AWS_ENDPOINT_URL set between two commands must
            // reach the second one, not a client pooled by the first.
            var env = new Dictionary<string, string?>
            {
                ["AWS_ACCESS_KEY_ID"] = "id-one",
                ["AWS_SECRET_ACCESS_KEY"] = "secret-one",
                ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1",
            };
            using var pool = new S3ClientPool(environment: n => env.GetValueOrDefault(n));
            var given = new S3Connection(credentials: new BasicAWSCredentials("a", "b"));
            S3Client first = pool.Get(given);
            Assert.Same(first, pool.Get(given));
            Assert.Equal("http://127.0.0.1:1", first.Endpoint);

            env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:2";
            Assert.Equal("http://127.0.0.1:2", pool.Get(given).Endpoint);
            env["AWS_REGION"] = "eu-west-3";
            Assert.Equal("eu-west-3", pool.Get(given).Region);

            // Credentials from the environment: a changed secret is another client.
            S3Client fromEnvironment = pool.Get(new S3Connection());
            Assert.Same(fromEnvironment, pool.Get(new S3Connection()));
            env["AWS_SECRET_ACCESS_KEY"] = "secret-two";
            Assert.NotSame(fromEnvironment, pool.Get(new S3Connection()));
        }

        [Fact]
        public void AClientIsMadeAgainWhenTheSharedFilesChange()
        {
            // The other half of a session's environment: a secret corrected in the credentials file between two
            // commands must reach the second one, not a client pooled by the first.
            string directory = Path.Combine(Path.GetTempPath(), "streamfiles-pool-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            try
            {
                string credentialsFile = Path.Combine(directory, "credentials");
                string configFile = Path.Combine(directory, "config");
                File.WriteAllText(credentialsFile, "[default]\naws_access_key_id = id-one\naws_secret_access_key = secret-one\n");
                var env = new Dictionary<string, string?>
                {
                    ["AWS_SHARED_CREDENTIALS_FILE"] = credentialsFile,
                    ["AWS_CONFIG_FILE"] = configFile,
                };
                using var pool = new S3ClientPool(environment: n => env.GetValueOrDefault(n));
                var given = new S3Connection(endpointUrl: "http://127.0.0.1:1", credentials: new BasicAWSCredentials("a", "b"));
                S3Client first = pool.Get(given);
                Assert.Same(first, pool.Get(given));

                File.WriteAllText(credentialsFile, "[default]\naws_access_key_id = id-one\naws_secret_access_key = secret-two\n");
                File.SetLastWriteTimeUtc(credentialsFile, DateTime.UtcNow.AddSeconds(5)); // a coarse clock must not hide the edit
                S3Client second = pool.Get(given);
                Assert.NotSame(first, second);
                Assert.Same(second, pool.Get(given));

                File.WriteAllText(configFile, "[default]\nregion = eu-west-3\n");
                Assert.NotSame(second, pool.Get(given));
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        [Fact]
        public void CredentialsRemovedFromTheEnvironmentAreMissingForTheNextClient()
        {
            if (Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") != null || File.Exists(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "credentials"))
                || Environment.GetEnvironmentVariable("AWS_CONTAINER_CREDENTIALS_FULL_URI") != null || Environment.GetEnvironmentVariable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != null)
            {
                return; // this machine has credentials of its own: the chain would find them
            }

            var env = new Dictionary<string, string?>
            {
                ["AWS_ACCESS_KEY_ID"] = "id-one",
                ["AWS_SECRET_ACCESS_KEY"] = "secret-one",
            };
            using var pool = new S3ClientPool(environment: n => env.GetValueOrDefault(n));
            var connection = new S3Connection(endpointUrl: "http://127.0.0.1:1");
            pool.Get(connection);

            env.Remove("AWS_ACCESS_KEY_ID");
            env.Remove("AWS_SECRET_ACCESS_KEY");
            var error = Assert.Throws<CommandFailureException>(() => pool.Get(connection));
            Assert.Equal("S3CredentialsNotFound", error.Error.Condition);
        }

        /// <summary>AWS_ENDPOINT_URL(_S3) without a scheme: InvalidEndpointUrl naming the variable, not the SDK's UnexpectedError.</summary>
        [Theory]
        [InlineData("AWS_ENDPOINT_URL", "127.0.0.1:7480")]
        [InlineData("AWS_ENDPOINT_URL_S3", "minio.local:9000")]
        [InlineData("AWS_ENDPOINT_URL", "ftp://x")]
        public void AnEndpointVariableThatIsNotAnHttpUrlHasItsOwnErrorNamingTheVariable(string variable, string value)
        {
            var env = new Dictionary<string, string?> { [variable] = value };
            using var pool = new S3ClientPool(environment: n => env.GetValueOrDefault(n));
            var error = Assert.Throws<CommandFailureException>(() => pool.Get(new S3Connection(credentials: new BasicAWSCredentials("a", "b"))));
            Assert.Equal("InvalidEndpointUrl", error.Error.Condition);
            Assert.Equal(FailureCategory.InvalidArgument, error.Error.Category);
            Assert.Contains($"'{value}' (from {variable})", error.Error.Message, StringComparison.Ordinal);
            Assert.Equal(value.Contains("://", StringComparison.Ordinal), !error.Error.Message.Contains("https://" + value, StringComparison.Ordinal));
        }

        [Fact]
        public void AnUnknownProfileHasItsOwnError()
        {
            using var pool = new S3ClientPool();
            var error = Assert.Throws<CommandFailureException>(() => pool.Get(new S3Connection(profileName: "streamfiles-no-such-profile-" + Guid.NewGuid().ToString("N"))));
            Assert.Equal("S3ProfileNotFound", error.Error.Condition);
        }

        /// <summary>
        /// AWS_PROFILE naming a profile that is not there is S3ProfileNotFound naming the variable (it was
        /// S3CredentialsNotFound, which sent users looking for keys); keys in the environment still win over it.
        /// </summary>
        [Fact]
        public void AnAwsProfileVariableNamingNoProfileHasItsOwnErrorUnlessKeysAreInTheEnvironment()
        {
            string name = "streamfiles-no-such-profile-" + Guid.NewGuid().ToString("N");
            var env = new Dictionary<string, string?> { ["AWS_PROFILE"] = name, ["AWS_EC2_METADATA_DISABLED"] = "true" };
            using var pool = new S3ClientPool(environment: n => env.GetValueOrDefault(n));
            var error = Assert.Throws<CommandFailureException>(() => pool.Get(new S3Connection()));
            Assert.Equal("S3ProfileNotFound", error.Error.Condition);
            Assert.Contains($"'{name}' (from AWS_PROFILE)", error.Error.Message, StringComparison.Ordinal);

            env["AWS_ACCESS_KEY_ID"] = "AKIAEXAMPLE";
            env["AWS_SECRET_ACCESS_KEY"] = "secret";
            Assert.NotNull(pool.Get(new S3Connection()));
        }

        [Fact]
        public void MtimeMetadataRoundTripsInRclonesFormat()
        {
            var when = new DateTimeOffset(2021, 3, 4, 5, 6, 7, 891, TimeSpan.Zero);
            string text = S3Storage.FormatMtime(when);
            Assert.Equal("1614834367.891", text);
            Assert.True(S3Storage.TryParseMtime(text, out DateTimeOffset back));
            Assert.Equal(when, back);
            Assert.True(S3Storage.TryParseMtime("1614834367", out _));
            Assert.False(S3Storage.TryParseMtime("yesterday", out _));
        }

        /// <summary>A time before 1970 (a probe: "-1.-75" was written, and rclone's "-1.75" was not read).</summary>
        [Theory]
        [InlineData("1969-12-31T23:59:58.25Z", "-1.75")]
        [InlineData("1960-01-01T00:00:00.5Z", "-315619199.5")]
        [InlineData("1970-01-01T00:00:00Z", "0")]
        [InlineData("0001-01-01T00:00:00.0000001Z", "-62135596799.9999999")]
        public void MtimeBefore1970IsWrittenAndReadWithItsSign(string iso, string expected)
        {
            var when = DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(expected, S3Storage.FormatMtime(when));
            Assert.True(S3Storage.TryParseMtime(expected, out DateTimeOffset back));
            Assert.Equal(when, back);
        }
    }
}
