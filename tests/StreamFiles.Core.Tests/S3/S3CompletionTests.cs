using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Text;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>Tab completion of s3:// words against the real S3 server, and its silence when S3 cannot answer.</summary>
    public sealed class S3CompletionTests : IDisposable
    {
        // Generous for the answers the tests expect (the machine may be busy); the failure cases use the defaults.
        private static readonly TimeSpan Patient = TimeSpan.FromSeconds(30);

        private readonly string _prefix = S3TestServer.NewPrefix();

        public void Dispose() => S3TestServer.DeletePrefix(_prefix);

        private static S3Completion Completion(int limit = S3Completion.DefaultLimit) =>
            new S3Completion(new S3ClientPool(maxConnectionsPerServer: 2, maxErrorRetry: 0, requestTimeout: Patient), Patient, limit);

        private static string Uri(string key = "") => "s3://" + S3TestServer.Bucket + "/" + key;

        private async Task PutAllAsync(params string[] keys)
        {
            foreach (string key in keys)
            {
                await S3TestServer.PutAsync(_prefix + key, new byte[] { 1, 2, 3 });
            }
        }

        [S3Fact]
        public void BucketsCompleteFromTheSchemeAndFromPartOfTheName()
        {
            string bucket = S3TestServer.Bucket;
            string expected = "s3://" + bucket + "/";

            IReadOnlyList<string> all = Completion().Complete("s3://", S3TestServer.Connection());
            Assert.Contains(expected, all);
            Assert.All(all, b => Assert.Matches("^s3://[^/]+/$", b));
            Assert.Equal(all.OrderBy(b => b, StringComparer.Ordinal), all);

            Assert.Contains(expected, Completion().Complete("s3://" + bucket.Substring(0, 3), S3TestServer.Connection()));
            Assert.Contains(expected, Completion().Complete("S3://" + bucket.Substring(0, 3).ToUpperInvariant(), S3TestServer.Connection()));
            Assert.Contains(expected, Completion().Complete("s3://" + bucket, S3TestServer.Connection()));
            Assert.Empty(Completion().Complete("s3://" + bucket + "-no-such-bucket-like-this", S3TestServer.Connection()));
        }

        [S3Fact]
        public async Task TheSharedCompletionTheCmdletsUseAnswersToo()
        {
            // The cmdlets' completers use Shared, with its own pool and the default timeout.
            await PutAllAsync("shared.txt");
            Assert.Contains("s3://" + S3TestServer.Bucket + "/", S3Completion.Shared.Complete("s3://", S3TestServer.Connection()));
            Assert.Equal(new[] { Uri(_prefix + "shared.txt") }, S3Completion.Shared.Complete(Uri(_prefix + "sh"), S3TestServer.Connection()));
        }

        [S3Fact]
        public async Task PrefixesAndKeysCompleteOneLevelBelowWhatWasTyped()
        {
            await PutAllAsync("a.txt", "dir/b.txt", "dir/c.txt", "dir2/d.txt", "dir/");
            S3Completion completion = Completion();

            Assert.Equal(
                new[] { Uri(_prefix + "a.txt"), Uri(_prefix + "dir/"), Uri(_prefix + "dir2/") },
                completion.Complete(Uri(_prefix), S3TestServer.Connection()));

            // Part of a name: the store's prefix match, folders and objects alike.
            Assert.Equal(new[] { Uri(_prefix + "dir/"), Uri(_prefix + "dir2/") }, completion.Complete(Uri(_prefix + "di"), S3TestServer.Connection()));
            Assert.Equal(new[] { Uri(_prefix + "a.txt") }, completion.Complete(Uri(_prefix + "a"), S3TestServer.Connection()));

            // Inside a folder; its own marker object ("dir/") is not offered as a completion of itself.
            Assert.Equal(new[] { Uri(_prefix + "dir/b.txt"), Uri(_prefix + "dir/c.txt") }, completion.Complete(Uri(_prefix + "dir/"), S3TestServer.Connection()));

            Assert.Empty(completion.Complete(Uri(_prefix + "nothing-here"), S3TestServer.Connection()));

            // The first level of a prefix path: "t/" holds every test's prefix, ours among them.
            Assert.Contains(Uri(_prefix), completion.Complete(Uri(_prefix.Substring(0, _prefix.Length - 5)), S3TestServer.Connection()));
        }

        [S3Fact]
        public async Task ResultsAreCappedToOnePageAndSorted()
        {
            await PutAllAsync("k6", "k2", "k5", "k1", "k4", "k3", "k0");

            IReadOnlyList<string> five = Completion(limit: 5).Complete(Uri(_prefix + "k"), S3TestServer.Connection());

            Assert.Equal(Enumerable.Range(0, 5).Select(i => Uri(_prefix + "k" + i)), five);
            Assert.Equal(7, Completion().Complete(Uri(_prefix + "k"), S3TestServer.Connection()).Count);
        }

        [S3Fact]
        public async Task KeysWithSpacesAndQuotesComeBackPlainAndAreQuotedForPowerShell()
        {
            await PutAllAsync("my file.txt", "it's $x.txt", "plain.txt");

            IReadOnlyList<string> found = Completion().Complete(Uri(_prefix), S3TestServer.Connection());

            Assert.Equal(new[] { Uri(_prefix + "it's $x.txt"), Uri(_prefix + "my file.txt"), Uri(_prefix + "plain.txt") }, found);
            PowerShellWord bare = PowerShellWord.Parse(Uri(_prefix));
            Assert.Equal(new[] { "'" + Uri(_prefix + "it''s $x.txt") + "'", "'" + Uri(_prefix + "my file.txt") + "'", Uri(_prefix + "plain.txt") }, found.Select(bare.Write));

            // Typed with an opening quote: the store is asked for the text inside it.
            PowerShellWord quoted = PowerShellWord.Parse("'" + Uri(_prefix + "it''s"));
            IReadOnlyList<string> one = Completion().Complete(quoted.Text, S3TestServer.Connection());
            Assert.Equal(new[] { "'" + Uri(_prefix + "it''s $x.txt") + "'" }, one.Select(quoted.Write));
        }

        [S3Fact]
        public void WrongCredentialsGiveNothing()
        {
            var wrong = S3TestServer.Connection(credentials: new BasicAWSCredentials("streamfiles-no-such-user", "not-the-secret"));
            var wrongSecret = S3TestServer.Connection(credentials: new BasicAWSCredentials(S3TestServer.AccessKey, "not-the-secret"));

            Assert.Empty(S3Completion.Shared.Complete("s3://", wrong));
            Assert.Empty(S3Completion.Shared.Complete(Uri(_prefix), wrongSecret));
            Assert.NotEmpty(Completion().Complete("s3://", S3TestServer.Connection()));
        }

        [S3Fact]
        public void AMissingBucketGivesNothing() =>
            Assert.Empty(Completion().Complete("s3://streamfiles-no-such-bucket-" + Guid.NewGuid().ToString("N").Substring(0, 8) + "/x", S3TestServer.Connection()));

        [Fact]
        public void AClosedPortGivesNothing()
        {
            var connection = new S3Connection(region: "us-east-1", endpointUrl: "http://127.0.0.1:" + ClosedPort(), credentials: new BasicAWSCredentials("a", "b"));

            Assert.Empty(S3Completion.Shared.Complete("s3://", connection));
            Assert.Empty(S3Completion.Shared.Complete("s3://bucket/key", connection));
        }

        [Fact]
        public void AProfileThatDoesNotExistGivesNothing()
        {
            var connection = new S3Connection(profileName: "streamfiles-no-such-profile-" + Guid.NewGuid().ToString("N"), region: "us-east-1", endpointUrl: "http://127.0.0.1:" + ClosedPort());

            Assert.Empty(S3Completion.Shared.Complete("s3://", connection));
        }

        [Fact]
        public async Task AnEndpointThatNeverAnswersGivesNothingWhenTheTimeRunsOut()
        {
            using var silent = new TcpListener(IPAddress.Loopback, 0);
            silent.Start();
            var held = new List<TcpClient>();
            Task accepting = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        held.Add(await silent.AcceptTcpClientAsync());
                    }
                }
                catch (Exception)
                {
                    // The listener was stopped.
                }
            });
            var connection = new S3Connection(region: "us-east-1", endpointUrl: "http://127.0.0.1:" + ((IPEndPoint)silent.LocalEndpoint).Port, credentials: new BasicAWSCredentials("a", "b"));
            var completion = new S3Completion(new S3ClientPool(maxConnectionsPerServer: 2, maxErrorRetry: 0, requestTimeout: TimeSpan.FromMinutes(5)), TimeSpan.FromMilliseconds(300));

            // The request alone would wait five minutes; the completion's own limit ends it.
            Assert.Empty(await completion.CompleteAsync("s3://bucket/", connection));

            silent.Stop();
            await accepting;
            held.ForEach(c => c.Dispose());
        }

        [Fact]
        public void ACancelledCompletionGivesNothing()
        {
            var connection = new S3Connection(region: "us-east-1", endpointUrl: "http://127.0.0.1:" + ClosedPort(), credentials: new BasicAWSCredentials("a", "b"));
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();

            Assert.Empty(S3Completion.Shared.Complete("s3://", connection, cancelled.Token));
        }

        [S3Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("C:\\temp\\")]
        [InlineData("./s3://x")]
        [InlineData("https://example.com/")]
        [InlineData("s3:")]
        [InlineData("s3:/")]
        public void WordsThatAreNotS3GiveNothing(string? word)
        {
            Assert.False(S3Completion.IsS3Word(word));
            Assert.Empty(Completion().Complete(word, S3TestServer.Connection()));
        }

        [Fact]
        public void TheLimitIsOnePage()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new S3Completion(limit: 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new S3Completion(limit: 1001));
            Assert.Throws<ArgumentOutOfRangeException>(() => new S3Completion(timeout: TimeSpan.Zero));
        }

        private static int ClosedPort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }
    }
}
