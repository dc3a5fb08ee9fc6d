using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Tests.Http;
using StreamFiles.Core.Tests.Support;
using S3Location = StreamFiles.Core.Locations.S3Location;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// A request signed for another region than the bucket's, answered the way Amazon S3 answers it, by a stand-in:
    /// the local RGW accepts a signature for any region, so it cannot refuse one. HEAD gets the status and the
    /// x-amz-bucket-region header only; GET, PUT and listings get an error document as well. Every path the SDK takes
    /// from such an answer must end in S3WrongRegion, naming the region to pass.
    /// </summary>
    public sealed class S3WrongRegionTests : IDisposable
    {
        private const string BucketRegion = "eu-west-3";

        /// <summary>Amazon S3's answer at another region's endpoint: the bucket must be addressed elsewhere.</summary>
        private const string RedirectDocument = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message><Endpoint>far.s3." + BucketRegion + ".amazonaws.com</Endpoint><Bucket>far</Bucket><RequestId>R1</RequestId><HostId>H1</HostId></Error>";

        private readonly TempDirectory _temp = new TempDirectory();
        private readonly S3ClientPool _pool = new S3ClientPool();

        public void Dispose()
        {
            _pool.Dispose();
            _temp.Dispose();
        }

        public static TheoryData<int, string> Answers => new TheoryData<int, string>
        {
            // Amazon S3 at another region's endpoint: the bucket must be addressed elsewhere.
            { 301, RedirectDocument },

            // Amazon S3 at the bucket's endpoint, with a signature for another region.
            { 400, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region 'us-east-1' is wrong; expecting '" + BucketRegion + "'</Message><Region>" + BucketRegion + "</Region><RequestId>R2</RequestId><HostId>H2</HostId></Error>" },
        };

        [Theory]
        [MemberData(nameof(Answers))]
        public async Task AHeadIsS3WrongRegionNamingTheBucketsRegion(int status, string document)
        {
            await using HttpTestServer store = await StandInAsync(status, document);
            var error = await Assert.ThrowsAsync<CommandFailureException>(() => Storage(store).StatAsync(Location.Parse("s3://far/data.bin"), CancellationToken.None));
            AssertWrongRegion(error.Error);
        }

        [Theory]
        [MemberData(nameof(Answers))]
        public async Task AnUploadIsS3WrongRegionNamingTheBucketsRegion(int status, string document)
        {
            await using HttpTestServer store = await StandInAsync(status, document);
            string path = _temp.RandomFile("a.bin", 1000);
            var error = await Assert.ThrowsAsync<CommandFailureException>(() => S3TestTransfers.UploadAsync(Storage(store), path, new S3Location("far", "data.bin")));
            AssertWrongRegion(error.Error);
        }

        [Fact]
        public async Task ARedirectForTheRegionSignedForSaysTheEndpointIsWrong()
        {
            // Signed for the bucket's own region but sent to another region's endpoint (an -EndpointUrl or
            // AWS_ENDPOINT_URL naming the wrong one): S3 redirects, naming the region already in use.
            await using HttpTestServer store = await StandInAsync(301, RedirectDocument);
            var error = await Assert.ThrowsAsync<CommandFailureException>(() => Storage(store, BucketRegion).StatAsync(Location.Parse("s3://far/data.bin"), CancellationToken.None));
            Assert.Equal("S3WrongRegion", error.Error.Condition);
            Assert.Contains("endpoint at " + store.BaseUri.ToString().TrimEnd('/'), error.Error.Message);
            Assert.Contains("serves another region", error.Error.Message);
            Assert.Contains("https://s3." + BucketRegion + ".amazonaws.com", error.Error.Message);
            Assert.DoesNotContain("pass -Region", error.Error.Message);
        }

        private static void AssertWrongRegion(CommandError error)
        {
            Assert.Equal("S3WrongRegion", error.Condition);
            Assert.Equal(FailureCategory.InvalidArgument, error.Category);
            Assert.Contains("-Region " + BucketRegion, error.Message);
            Assert.Contains("--region " + BucketRegion, error.Message);
            Assert.Contains("us-east-1", error.Message);
        }

        private S3Storage Storage(HttpTestServer store, string region = "us-east-1") => S3StandIn.Storage(store, _pool, region);

        /// <summary>A store whose every answer about bucket "far" (its objects and its listing) is this refusal.</summary>
        private static async Task<HttpTestServer> StandInAsync(int status, string document)
        {
            HttpTestServer store = await HttpTestServer.StartAsync();
            foreach (string path in new[] { "/far/data.bin", "/far", "/far/" })
            {
                TestResource refusal = store.Add(path, Array.Empty<byte>());
                refusal.AnyMethod = true;
                refusal.FailTimes = int.MaxValue;
                refusal.FailStatus = status;
                refusal.FailHeaders["x-amz-bucket-region"] = BucketRegion;
                refusal.FailBody = Encoding.UTF8.GetBytes(document);
            }

            return store;
        }
    }
}
