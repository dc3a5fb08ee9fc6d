using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using System.Web;
using Amazon.S3.Model;
using StreamFiles.Core.Tests.Http;
using StreamFiles.Core.Tests.S3;
using StreamFiles.Core.Tests.Support;
using Xunit;

namespace StreamFiles.Core.Tests.Faults
{
    /// <summary>
    /// Operations that handle secrets — a distinctive (wrong) S3 secret key, presigned URLs with known signatures and
    /// credentials, query tokens, Authorization and API-key headers given with --header, Basic passwords — succeed and
    /// fail through the real CLI (plain and --json), and everything they printed is searched: no secret may appear.
    /// The secrets are registered in TestCapture's secrets.txt, and tests/run.sh searches everything the whole
    /// suite captured for them after the run.
    /// </summary>
    public sealed class SecretsInOutputTests : IAsyncLifetime
    {
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();
        private readonly StringBuilder _seen = new StringBuilder();
        private readonly List<string> _secrets = new List<string>();
        private HttpTestServer _http = null!;
        private HttpTestServer _https = null!;

        public async Task InitializeAsync()
        {
            _http = await HttpTestServer.StartAsync();
            _https = await HttpTestServer.StartAsync(https: true);
            _temp.RandomFile("a.bin", 3 * 1024 * 1024);
        }

        public async Task DisposeAsync()
        {
            await _http.DisposeAsync();
            await _https.DisposeAsync();
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        [Fact]
        public void HttpHeadersTokensAndPasswordsNeverAppear()
        {
            string bearer = Secret("bearer");
            string apiKey = Secret("apikey");
            string token = Secret("token");
            string password = Secret("password");
            string envPassword = Secret("envpassword");
            byte[] content = HttpTestServer.RandomBytes(2 * 1024 * 1024);
            _http.Add("/ok.bin", content);
            TestResource failing = _http.Add("/fails.bin", content);
            failing.FailTimes = 100;
            failing.RetryAfter = "0";
            _http.AcceptUploads("/up/a.bin");
            string[] headers = { "--header", "Authorization: Bearer " + bearer, "--header", "X-Api-Key: " + apiKey };

            Expect(0, null, "receive", headers, _http.Url("/ok.bin?token=" + token).ToString(), "got/");
            Expect(0, null, "receive", headers.Concat(new[] { "--json", "--force" }), _http.Url("/ok.bin?token=" + token).ToString(), "got/");
            Expect(1, "HttpServerUnavailable", "receive", headers.Concat(new[] { "--json" }), _http.Url("/fails.bin?token=" + token).ToString(), "got/");
            Expect(1, "SourceNotFound", "receive", headers, _http.Url("/missing.bin?sig=" + token).ToString(), "got/");
            Expect(0, null, "send", headers.Concat(new[] { "--json" }), "a.bin", _http.Url("/up/a.bin?X-Amz-Signature=" + token).ToString());
            Expect(1, "HttpCredentialNeedsHttps", "receive", new[] { "--user", "someone:" + password, "--json" }, _http.Url("/ok.bin").ToString(), "got2/");
            Expect(1, "HttpTlsError", "receive", new[] { "--user", "someone", "--json" }, _https.Url("/ok.bin").ToString(), "got2/", new Dictionary<string, string?> { ["STREAMFILES_HTTP_PASSWORD"] = envPassword });
            Expect(1, "HttpCredentialInUrl", "receive", new[] { "--json" }, $"https://someone:{password}@127.0.0.1:1/x.bin", "got2/");
            Expect(2, "InvalidHttpOption", "receive", new[] { "--header", "Authorization Bearer " + bearer }, _http.Url("/ok.bin").ToString(), "got2/");

            AssertNoSecret();
        }

        [S3Fact]
        public async Task S3SecretKeysAndPresignedSignaturesNeverAppear()
        {
            string wrongSecret = Secret("s3secret");
            await S3TestServer.PutAsync(_prefix + "object.bin", HttpTestServer.RandomBytes(1024 * 1024));
            var wrong = FaultCli.S3Environment(wrongSecret);

            Expect(1, "S3SignatureMismatch", "send", new[] { "--json" }, "a.bin", S3("up.bin"), wrong);
            Expect(1, "S3SignatureMismatch", "send", new[] { "--part-size", "1MiB" }, "a.bin", S3("up.bin"), wrong);
            Expect(1, "S3SignatureMismatch", "receive", new[] { "--json" }, S3("object.bin"), "got/", wrong);

            string presigned = S3TestServer.Raw.GetPreSignedURL(new GetPreSignedUrlRequest
            {
                BucketName = S3TestServer.Bucket,
                Key = _prefix + "object.bin",
                Verb = Amazon.S3.HttpVerb.GET,
                Expires = DateTime.UtcNow.AddMinutes(10),
                Protocol = S3TestServer.Endpoint!.StartsWith("https", StringComparison.Ordinal) ? Amazon.S3.Protocol.HTTPS : Amazon.S3.Protocol.HTTP,
            });
            var query = HttpUtility.ParseQueryString(new Uri(presigned).Query);
            string signature = Register(query["X-Amz-Signature"]!);
            Register(query["X-Amz-Credential"]!);
            string forged = new string(signature.Reverse().ToArray());
            Register(forged);

            Expect(0, null, "receive", new[] { "--json" }, presigned, "got/");
            Expect(1, "HttpForbidden", "receive", new[] { "--json" }, presigned.Replace(signature, forged, StringComparison.Ordinal), "got2/");

            AssertNoSecret();
        }

        private string S3(string key) => "s3://" + S3TestServer.Bucket + "/" + _prefix + key;

        private string Secret(string kind) => Register(TestCapture.NewSecret(kind));

        private string Register(string secret)
        {
            TestCapture.RegisterSecret(secret);
            _secrets.Add(secret);
            return secret;
        }

        private void Expect(int exit, string? id, string verb, IEnumerable<string> options, string source, string destination, IDictionary<string, string?>? environment = null)
        {
            string[] arguments = new[] { verb, "--no-progress" }.Concat(options).Concat(new[] { source, destination }).ToArray();
            var run = FaultCli.Run(_temp.Path, environment, arguments);
            _seen.Append(run.Output).Append(run.Error);
            Assert.True(exit == run.ExitCode, $"{verb} {id}: exit {run.ExitCode}: {Redact(run.Error)}");
            if (id != null)
            {
                Assert.StartsWith($"streamfiles: [{id}] ", run.Error, StringComparison.Ordinal);
            }
        }

        private void AssertNoSecret()
        {
            // This test's outputs, and everything this test process captured so far (other tests' too).
            string everything = _seen + File.ReadAllText(TestCapture.FilePath);
            foreach (string secret in _secrets)
            {
                Assert.False(everything.Contains(secret, StringComparison.Ordinal), $"a registered secret ({secret.Length} characters) appears in captured output");
            }
        }

        private string Redact(string text) => _secrets.Aggregate(text, (t, s) => t.Replace(s, "<secret>", StringComparison.Ordinal));
    }
}
