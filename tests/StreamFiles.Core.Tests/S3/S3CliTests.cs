using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Resume;
using StreamFiles.Core.Tests.Http;
using StreamFiles.Core.Tests.Support;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>`streamfiles send|receive` with S3: options, the environment's credentials, kill and resume, clear errors.</summary>
    public sealed class S3CliTests : IDisposable
    {
        private const long MiB = 1024 * 1024;
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();

        public void Dispose()
        {
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        private string S3(string key) => "s3://" + S3TestServer.Bucket + "/" + _prefix + key;

        [S3Fact]
        public void SendAndReceiveWithTheEndpointOptionAndEnvironmentCredentials()
        {
            _temp.RandomFile("a.bin", (9 * MiB) + 5, seed: 41);
            var sent = Cli(Credentials(), "send", "--json", "--endpoint-url", S3TestServer.Endpoint!, "--region", S3TestServer.Region, "a.bin", S3("up/"));
            Assert.True(sent.ExitCode == 0, sent.Error);
            JsonElement up = JsonDocument.Parse(sent.Output).RootElement;
            Assert.Equal("completed", up.GetProperty("status").GetString());
            Assert.Equal(S3("up/a.bin"), up.GetProperty("destination").GetString());

            // AWS_ENDPOINT_URL stands in for --endpoint-url.
            var env = Credentials();
            env["AWS_ENDPOINT_URL"] = S3TestServer.Endpoint;
            var received = Cli(env, "receive", "--json", S3("up/a.bin"), "back.bin");
            Assert.True(received.ExitCode == 0, received.Error);
            Assert.True(Same(_temp.File("a.bin"), _temp.File("back.bin")));
        }

        /// <summary>
        /// --content-type sets the stored type of an object sent in one PUT and of one sent in parts; without it the
        /// type comes from the name's extension. HTTP-only options given for an S3 destination get a warning that
        /// names them, and the send still succeeds.
        /// </summary>
        [S3Fact]
        public async Task ContentTypeSetsTheObjectsTypeAndHttpOnlyOptionsAreNamedAsIgnored()
        {
            _temp.RandomFile("small.bin", 1000, seed: 45);
            _temp.RandomFile("big.bin", (11 * MiB) + 3, seed: 46);
            _temp.RandomFile("plain.json", 100, seed: 47);
            var sent = Cli(Credentials(), "send", "--endpoint-url", S3TestServer.Endpoint!, "--part-size", "5MiB", "--content-type", "text/csv; charset=utf-8", "--header", "X-Note: 1", "--upload-checksum", "md5", "small.bin", "big.bin", S3("typed/"));
            Assert.True(sent.ExitCode == 0, sent.Error);
            Assert.Contains("streamfiles: warning: --header applies to uploads to http(s):// URLs; it is ignored for " + S3("typed/"), sent.Error);
            Assert.Contains("streamfiles: warning: --upload-checksum applies", sent.Error);
            Assert.DoesNotContain("--content-type applies", sent.Error);
            foreach (string name in new[] { "small.bin", "big.bin" })
            {
                var head = await S3TestServer.Raw.GetObjectMetadataAsync(S3TestServer.Bucket, _prefix + "typed/" + name);
                Assert.Equal("text/csv; charset=utf-8", head.Headers.ContentType);
                Assert.Equal(name == "big.bin", head.ETag.EndsWith("-3\"", StringComparison.Ordinal));
            }

            // Without it, the extension decides, in one PUT and in parts alike: a name without one was text/plain in a
            // PUT and binary/octet-stream in parts.
            _temp.RandomFile("noext", 1000, seed: 48);
            _temp.RandomFile("noextbig", (11 * MiB) + 3, seed: 49);
            var untyped = Cli(Credentials(), "send", "--endpoint-url", S3TestServer.Endpoint!, "--part-size", "5MiB", "plain.json", "noext", "noextbig", S3("typed/"));
            Assert.True(untyped.ExitCode == 0, untyped.Error);
            Assert.Equal(string.Empty, untyped.Error.Trim());
            Assert.Equal("application/json", (await S3TestServer.Raw.GetObjectMetadataAsync(S3TestServer.Bucket, _prefix + "typed/plain.json")).Headers.ContentType);
            Assert.Equal("application/octet-stream", (await S3TestServer.Raw.GetObjectMetadataAsync(S3TestServer.Bucket, _prefix + "typed/noext")).Headers.ContentType);
            Assert.Equal("application/octet-stream", (await S3TestServer.Raw.GetObjectMetadataAsync(S3TestServer.Bucket, _prefix + "typed/noextbig")).Headers.ContentType);
        }

        [S3Fact]
        public void MissingCredentialsAreOneClearErrorAndExitCodeOne()
        {
            _temp.RandomFile("a.bin", 10);
            var run = Cli(NoCredentials(), "send", "--json", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.Equal(1, run.ExitCode);
            JsonElement result = JsonDocument.Parse(run.Output).RootElement;
            Assert.Equal("S3CredentialsNotFound", result.GetProperty("error").GetProperty("condition").GetString());
            Assert.Equal(S3("a.bin"), result.GetProperty("error").GetProperty("target").GetString()); // the file's S3 side, not "s3://" (a probe)
            Assert.Contains("AWS_ACCESS_KEY_ID", run.Error);

            var received = Cli(NoCredentials(), "receive", "--json", "--endpoint-url", S3TestServer.Endpoint!, S3("a.bin"), "back/");
            Assert.Equal(S3("a.bin"), JsonDocument.Parse(received.Output).RootElement.GetProperty("error").GetProperty("target").GetString());
            Assert.Contains("no AWS credentials were found in the environment", run.Error, StringComparison.Ordinal);

            // Half a key pair in the environment says which half is missing (a probe: "no AWS credentials were found").
            var half = NoCredentials();
            half["AWS_ACCESS_KEY_ID"] = "AKIDHALFPAIR";
            var halfRun = Cli(half, "send", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.Equal(1, halfRun.ExitCode);
            Assert.Contains("[S3CredentialsNotFound] Cannot sign S3 requests: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not", halfRun.Error, StringComparison.Ordinal);
        }

        /// <summary>
        /// A profile whose credentials come from a credential_process (such as `aws configure export-credentials`): the
        /// process's keys sign the requests, and a wrong secret from it is the signature error, so the keys really came
        /// from the process.
        /// </summary>
        [S3Fact]
        [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
        public void AProfileWithACredentialProcessSignsWithTheProcesssKeys()
        {
            _temp.RandomFile("a.bin", 1000);
            string Profile(string name, string secret)
            {
                string script = _temp.File(name + ".sh");
                File.WriteAllText(script, "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"" + S3TestServer.AccessKey + "\", \"SecretAccessKey\": \"" + secret + "\"}'\n");
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                return "[profile " + name + "]\ncredential_process = " + script + "\nregion = " + S3TestServer.Region + "\n";
            }

            File.WriteAllText(_temp.File("config"), Profile("right", S3TestServer.SecretKey) + Profile("wrong", TestCapture.NewSecret("procsecret")) + "[profile broken]\ncredential_process = /bin/false\nregion = " + S3TestServer.Region + "\n");
            var env = NoCredentials();
            env["AWS_CONFIG_FILE"] = _temp.File("config");

            var right = Cli(env, "send", "--json", "--profile", "right", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.True(right.ExitCode == 0, right.Error);
            Assert.Equal("completed", JsonDocument.Parse(right.Output).RootElement.GetProperty("status").GetString());

            var wrong = Cli(env, "send", "--json", "--force", "--profile", "wrong", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.Equal(1, wrong.ExitCode);
            Assert.Equal("S3SignatureMismatch", JsonDocument.Parse(wrong.Output).RootElement.GetProperty("error").GetProperty("condition").GetString());

            // A process that fails is its own error naming the profile (it was S3RequestFailed, "stat …: Command returned non-zero exit value 1").
            var broken = Cli(env, "send", "--json", "--force", "--profile", "broken", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.Equal(1, broken.ExitCode);
            Assert.Equal("S3CredentialProcessFailed", JsonDocument.Parse(broken.Output).RootElement.GetProperty("error").GetProperty("condition").GetString());
            Assert.Contains("AWS profile 'broken' from its credential_process", broken.Error, StringComparison.Ordinal);
        }

        /// <summary>
        /// Profiles that assume a role (role_arn and source_profile) through the store's STS, named by the profile's
        /// endpoint_url or by AWS_ENDPOINT_URL_STS; the S3 requests go to the same endpoint, which accepts the role's
        /// session keys. The source user may write; the reader role may only read. So a refused upload under the
        /// reader profile, and an accepted one under the writer profile, show that the role's keys signed the requests,
        /// not the source's. A role that cannot be assumed is its own error, naming the role.
        /// </summary>
        [S3RoleFact]
        public void AProfileThatAssumesARoleSignsWithTheRolesKeys()
        {
            string path = _temp.RandomFile("a.bin", (9 * MiB) + 5, seed: 44);
            string Role(string name, string arn, string extra = "") => "[profile " + name + "]\nrole_arn = " + arn + "\nsource_profile = base\nregion = " + S3TestServer.Region + "\n" + extra;
            File.WriteAllText(
                _temp.File("config"),
                "[profile base]\nregion = " + S3TestServer.Region + "\n"
                + Role("writer", S3TestServer.RoleArn!, "endpoint_url = " + S3TestServer.StsEndpoint + "\n")
                + Role("reader", S3TestServer.ReaderRoleArn!) + Role("nobody", "arn:aws:iam:::role/streamfiles-no-such-role")
                + "[profile fromenv]\nrole_arn = " + S3TestServer.ReaderRoleArn + "\ncredential_source = Environment\nregion = " + S3TestServer.Region + "\n");
            File.WriteAllText(_temp.File("credentials"), "[base]\naws_access_key_id = " + S3TestServer.AccessKey + "\naws_secret_access_key = " + S3TestServer.SecretKey + "\n");
            var env = NoCredentials();
            env["AWS_CONFIG_FILE"] = _temp.File("config");
            env["AWS_SHARED_CREDENTIALS_FILE"] = _temp.File("credentials");

            // The writer profile names the endpoint for S3 and STS alike (endpoint_url); the others get it from
            // --endpoint-url and AWS_ENDPOINT_URL_STS.
            var sent = Cli(env, "send", "--json", "--profile", "writer", "a.bin", S3("a.bin"));
            Assert.True(sent.ExitCode == 0, sent.Error);
            Assert.Equal(2, JsonDocument.Parse(sent.Output).RootElement.GetProperty("parts").GetInt32());

            env["AWS_ENDPOINT_URL_STS"] = S3TestServer.StsEndpoint;

            var read = Cli(env, "receive", "--json", "--profile", "reader", "--endpoint-url", S3TestServer.StsEndpoint!, S3("a.bin"), "back.bin");
            Assert.True(read.ExitCode == 0, read.Error);
            Assert.True(Same(path, _temp.File("back.bin")));

            var refused = Cli(env, "send", "--json", "--force", "--profile", "reader", "--endpoint-url", S3TestServer.StsEndpoint!, "a.bin", S3("b.bin"));
            Assert.Equal(1, refused.ExitCode);
            Assert.Equal("S3AccessDenied", JsonDocument.Parse(refused.Output).RootElement.GetProperty("error").GetProperty("condition").GetString());

            var nobody = Cli(env, "send", "--json", "--profile", "nobody", "--endpoint-url", S3TestServer.StsEndpoint!, "a.bin", S3("c.bin"));
            Assert.Equal(1, nobody.ExitCode);
            Assert.Equal("S3AssumeRoleFailed", JsonDocument.Parse(nobody.Output).RootElement.GetProperty("error").GetProperty("condition").GetString());
            Assert.Contains("arn:aws:iam:::role/streamfiles-no-such-role", nobody.Error);
            Assert.Contains("'nobody'", nobody.Error);

            // credential_source = Environment: the source keys come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and
            // the reader role they assume is refused the upload those keys themselves could make.
            env["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey;
            env["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey;
            var fromEnvironment = Cli(env, "send", "--json", "--profile", "fromenv", "--endpoint-url", S3TestServer.StsEndpoint!, "a.bin", S3("d.bin"));
            Assert.Equal(1, fromEnvironment.ExitCode);
            Assert.Equal("S3AccessDenied", JsonDocument.Parse(fromEnvironment.Output).RootElement.GetProperty("error").GetProperty("condition").GetString());
        }

        /// <summary>
        /// A role profile with mfa_serial needs a code from the user's device, which a transfer does not ask for: its
        /// own error, naming the profile and the aws cli command that asks instead, and no STS request at all (the
        /// STS endpoint here is a stand-in that records what reaches it).
        /// </summary>
        [S3Fact]
        public async Task ARoleProfileWithAnMfaSerialIsItsOwnErrorSayingHowToGetTheKeys()
        {
            _temp.RandomFile("a.bin", 1000);
            await using HttpTestServer sts = await HttpTestServer.StartAsync();
            File.WriteAllText(
                _temp.File("config"),
                "[profile base]\nregion = " + S3TestServer.Region + "\n"
                + "[profile mfa]\nrole_arn = arn:aws:iam::111122223333:role/admin\nsource_profile = base\nmfa_serial = arn:aws:iam::111122223333:mfa/alice\nregion = " + S3TestServer.Region + "\n");
            File.WriteAllText(_temp.File("credentials"), "[base]\naws_access_key_id = " + S3TestServer.AccessKey + "\naws_secret_access_key = " + S3TestServer.SecretKey + "\n");
            var env = NoCredentials();
            env["AWS_CONFIG_FILE"] = _temp.File("config");
            env["AWS_SHARED_CREDENTIALS_FILE"] = _temp.File("credentials");
            env["AWS_ENDPOINT_URL_STS"] = sts.BaseUri.ToString().TrimEnd('/');

            var refused = Cli(env, "send", "--json", "--profile", "mfa", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.Equal(1, refused.ExitCode);
            Assert.Equal("S3MfaRequired", JsonDocument.Parse(refused.Output).RootElement.GetProperty("error").GetProperty("condition").GetString());
            Assert.Contains("'mfa'", refused.Error);
            Assert.Contains("arn:aws:iam::111122223333:mfa/alice", refused.Error);
            Assert.Contains("aws configure export-credentials --profile mfa", refused.Error);
            Assert.Empty(sts.Requests);
            Assert.Null(await S3TestServer.Storage().StatAsync(StreamFiles.Core.Locations.Location.Parse(S3("a.bin")), CancellationToken.None));
        }

        /// <summary>
        /// A profile that signs in through SSO (sso_session): the token `aws sso login` cached is traded at the SSO
        /// portal (a Kestrel stand-in, named by AWS_ENDPOINT_URL_SSO; there is no real one here) for the keys that sign
        /// the S3 requests. A wrong secret from the portal is the signature error, so those keys really signed; an
        /// expired token and a portal that refuses the token are one clear error that says how to sign in again.
        /// </summary>
        [S3Fact]
        public async Task AnSsoProfileSignsWithTheKeysTheSsoPortalGives()
        {
            _temp.RandomFile("a.bin", 1000);
            await using HttpTestServer portal = await HttpTestServer.StartAsync();
            string token = TestCapture.NewSecret("ssotoken"); // the secret scan looks for it in every output
            string home = _temp.File("home");
            string cache = Path.Combine(home, ".aws", "sso", "cache");
            Directory.CreateDirectory(cache);

            // The SDK finds the cached token by the SHA-1 of the session's name, as the AWS CLI writes it.
            string tokenFile = Path.Combine(cache, Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes("streamfiles-sso"))) + ".json");
            static string When(DateTime time) => time.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
            void CacheToken(DateTime expiresAt, bool refreshable = false) => File.WriteAllText(
                tokenFile,
                "{\"startUrl\": \"https://streamfiles-test.awsapps.com/start\", \"region\": \"" + S3TestServer.Region + "\", \"accessToken\": \"" + token
                + "\", \"expiresAt\": \"" + When(expiresAt) + "\""
                + (refreshable ? ", \"refreshToken\": \"sso-refresh-token\", \"clientId\": \"sso-client\", \"clientSecret\": \"sso-client-secret\", \"registrationExpiresAt\": \"" + When(DateTime.UtcNow.AddDays(30)) + "\"" : string.Empty)
                + "}");
            void PortalGives(string secret) => portal.Add(
                "/federation/credentials",
                Encoding.UTF8.GetBytes("{\"roleCredentials\": {\"accessKeyId\": \"" + S3TestServer.AccessKey + "\", \"secretAccessKey\": \"" + secret
                    + "\", \"sessionToken\": \"sso-session-token\", \"expiration\": " + DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds() + "}}"));

            File.WriteAllText(
                _temp.File("config"),
                "[profile sso]\nsso_session = streamfiles-sso\nsso_account_id = 111122223333\nsso_role_name = StreamFilesTest\nregion = " + S3TestServer.Region + "\n"
                + "[sso-session streamfiles-sso]\nsso_start_url = https://streamfiles-test.awsapps.com/start\nsso_region = " + S3TestServer.Region + "\nsso_registration_scopes = sso:account:access\n"
                + "[profile legacy]\nsso_start_url = https://streamfiles-legacy.awsapps.com/start\nsso_region = " + S3TestServer.Region + "\nsso_account_id = 444455556666\nsso_role_name = StreamFilesLegacy\nregion = " + S3TestServer.Region + "\n");
            var env = NoCredentials();
            env["AWS_CONFIG_FILE"] = _temp.File("config");
            env["HOME"] = home;
            env["AWS_ENDPOINT_URL_SSO"] = portal.BaseUri.ToString().TrimEnd('/');
            env["AWS_ENDPOINT_URL_SSO_OIDC"] = portal.BaseUri.ToString().TrimEnd('/');

            CacheToken(DateTime.UtcNow.AddHours(1));
            PortalGives(S3TestServer.SecretKey);
            var sent = Cli(env, "send", "--json", "--profile", "sso", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.True(sent.ExitCode == 0, sent.Error);
            RecordedRequest asked = Assert.Single(portal.RequestsTo("/federation/credentials"));
            Assert.Equal(token, asked.Header("x-amz-sso_bearer_token"));
            Assert.Contains("account_id=111122223333", asked.Query);
            Assert.Contains("role_name=StreamFilesTest", asked.Query);

            // A legacy SSO profile (sso_start_url in the profile, no sso_session): its token is cached under the SHA-1
            // of the start URL, and it is used the same way.
            string legacyToken = TestCapture.NewSecret("ssolegacy");
            File.WriteAllText(
                Path.Combine(cache, Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes("https://streamfiles-legacy.awsapps.com/start"))) + ".json"),
                "{\"startUrl\": \"https://streamfiles-legacy.awsapps.com/start\", \"region\": \"" + S3TestServer.Region + "\", \"accessToken\": \"" + legacyToken + "\", \"expiresAt\": \"" + When(DateTime.UtcNow.AddHours(1)) + "\"}");
            var legacy = Cli(env, "send", "--json", "--force", "--profile", "legacy", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.True(legacy.ExitCode == 0, legacy.Error);
            RecordedRequest legacyAsked = portal.RequestsTo("/federation/credentials").Last();
            Assert.Equal(legacyToken, legacyAsked.Header("x-amz-sso_bearer_token"));
            Assert.Contains("account_id=444455556666", legacyAsked.Query);

            PortalGives(TestCapture.NewSecret("ssosecret"));
            var wrong = Cli(env, "send", "--json", "--force", "--profile", "sso", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.Equal(1, wrong.ExitCode);
            Assert.Equal("S3SignatureMismatch", JsonDocument.Parse(wrong.Output).RootElement.GetProperty("error").GetProperty("condition").GetString());

            // An expired token with a refresh token is renewed at the OIDC endpoint (CreateToken), and the new one used.
            string renewed = TestCapture.NewSecret("ssorenewed");
            TestResource oidc = portal.Add("/token", Encoding.UTF8.GetBytes("{\"accessToken\": \"" + renewed + "\", \"expiresIn\": 3600, \"refreshToken\": \"sso-refresh-token-2\", \"tokenType\": \"Bearer\"}"));
            oidc.AnyMethod = true;
            PortalGives(S3TestServer.SecretKey);
            CacheToken(DateTime.UtcNow.AddHours(-1), refreshable: true);
            var renewal = Cli(env, "send", "--json", "--force", "--profile", "sso", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.True(renewal.ExitCode == 0, renewal.Error);
            Assert.Equal("POST", Assert.Single(portal.RequestsTo("/token")).Method);
            Assert.Equal(renewed, portal.RequestsTo("/federation/credentials").Last().Header("x-amz-sso_bearer_token"));
            Assert.Contains(renewed, File.ReadAllText(tokenFile));

            TestResource refusing = portal.Add("/federation/credentials", Array.Empty<byte>());
            refusing.FailTimes = int.MaxValue;
            refusing.FailStatus = 401;
            var refused = Cli(env, "send", "--json", "--force", "--profile", "sso", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.Equal(1, refused.ExitCode);
            Assert.Equal("S3SsoFailed", JsonDocument.Parse(refused.Output).RootElement.GetProperty("error").GetProperty("condition").GetString());
            Assert.Contains("401", refused.Error);
            Assert.Contains("aws sso login --profile sso", refused.Error);

            CacheToken(DateTime.UtcNow.AddHours(-1));
            var expired = Cli(env, "send", "--json", "--force", "--profile", "sso", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.Equal(1, expired.ExitCode);
            Assert.Equal("S3SsoFailed", JsonDocument.Parse(expired.Output).RootElement.GetProperty("error").GetProperty("condition").GetString());
            Assert.Contains("aws sso login --profile sso", expired.Error);
            foreach (string said in new[] { sent.Error, legacy.Error, wrong.Error, renewal.Error, refused.Error, expired.Error })
            {
                Assert.DoesNotContain(token, said);
                Assert.DoesNotContain(renewed, said);
                Assert.DoesNotContain(legacyToken, said);
            }
        }

        /// <summary>
        /// Web identity, as EKS gives pods (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN): the token is traded at STS
        /// for the keys that sign the S3 requests. STS here is a Kestrel stand-in named by AWS_ENDPOINT_URL_STS: this
        /// RGW's web identity needs an OpenID Connect provider, which would be a stand-in too. A wrong secret from STS
        /// is the signature error, so those keys really signed; a refusal is one clear error naming the role and file.
        /// </summary>
        [S3Fact]
        public async Task WebIdentityCredentialsSignWithTheKeysStsGives()
        {
            _temp.RandomFile("a.bin", 1000);
            await using HttpTestServer sts = await HttpTestServer.StartAsync();
            string token = TestCapture.NewSecret("webtoken");
            File.WriteAllText(_temp.File("token"), token);
            void StsGives(string secret) => sts.Add("/", Encoding.UTF8.GetBytes(
                "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleWithWebIdentityResult><Credentials>"
                + "<AccessKeyId>" + S3TestServer.AccessKey + "</AccessKeyId><SecretAccessKey>" + secret + "</SecretAccessKey><SessionToken>web-session-token</SessionToken>"
                + "<Expiration>" + DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) + "</Expiration></Credentials>"
                + "<AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/streamfiles-pod/s1</Arn><AssumedRoleId>AROAEXAMPLE:s1</AssumedRoleId></AssumedRoleUser>"
                + "</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>")).AnyMethod = true;
            var env = NoCredentials();
            env["AWS_WEB_IDENTITY_TOKEN_FILE"] = _temp.File("token");
            env["AWS_ROLE_ARN"] = "arn:aws:iam::111122223333:role/streamfiles-pod";
            env["AWS_ROLE_SESSION_NAME"] = "s1";
            env["AWS_ENDPOINT_URL_STS"] = sts.BaseUri.ToString().TrimEnd('/');

            StsGives(S3TestServer.SecretKey);
            var sent = Cli(env, "send", "--json", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.True(sent.ExitCode == 0, sent.Error);
            Assert.Equal("POST", Assert.Single(sts.RequestsTo("/")).Method);

            StsGives(TestCapture.NewSecret("websecret"));
            var wrong = Cli(env, "send", "--json", "--force", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.Equal(1, wrong.ExitCode);
            Assert.Equal("S3SignatureMismatch", JsonDocument.Parse(wrong.Output).RootElement.GetProperty("error").GetProperty("condition").GetString());

            TestResource refusing = sts.Add("/", Array.Empty<byte>());
            refusing.AnyMethod = true;
            refusing.FailTimes = int.MaxValue;
            refusing.FailStatus = 403;
            var refused = Cli(env, "send", "--json", "--force", "--endpoint-url", S3TestServer.Endpoint!, "a.bin", S3("a.bin"));
            Assert.Equal(1, refused.ExitCode);
            Assert.Equal("S3WebIdentityFailed", JsonDocument.Parse(refused.Output).RootElement.GetProperty("error").GetProperty("condition").GetString());
            Assert.Contains("arn:aws:iam::111122223333:role/streamfiles-pod", refused.Error);
            Assert.Contains(_temp.File("token"), refused.Error);
            Assert.Contains("403", refused.Error);
            foreach (string said in new[] { sent.Error, wrong.Error, refused.Error })
            {
                Assert.DoesNotContain(token, said);
            }
        }

        [S3Fact]
        public void TheTrailingChecksumModeFailsWithTheOptionThatFixesIt()
        {
            _temp.RandomFile("a.bin", 1000);
            var run = Cli(Credentials(), "send", "--endpoint-url", S3TestServer.Endpoint!, "--checksum-mode", "when-supported", "a.bin", S3("a.bin"));
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("--checksum-mode auto", run.Error);

            var fixedRun = Cli(Credentials(), "send", "--endpoint-url", S3TestServer.Endpoint!, "--checksum-mode", "auto", "a.bin", S3("a.bin"));
            Assert.True(fixedRun.ExitCode == 0, fixedRun.Error);
        }

        /// <summary>
        /// Without AVX-512 (DOTNET_EnableAVX512=0, which .NET 10's JIT honours) the parts' MD5s of a download go through
        /// the eight-lane AVX2 kernel. The download of a multipart object completes byte-identical only if every part's
        /// MD5 comes out right: a wrong one fails the ETag check, and the transfer. (A native AOT build ignores the
        /// variable and runs the kernel it was compiled with.)
        /// </summary>
        [S3Fact]
        public async Task AMultipartDownloadWithoutAvx512PassesItsETagCheck()
        {
            string path = _temp.RandomFile("parts.bin", (40 * MiB) + 7, seed: 43);
            await S3TestTransfers.UploadAsync(S3TestServer.Storage(), path, new StreamFiles.Core.Locations.S3Location(S3TestServer.Bucket, _prefix + "parts.bin"), partSize: 5 * MiB);
            Assert.EndsWith("-9", (await S3TestServer.ETagAsync(_prefix + "parts.bin")).Trim('"'));

            var env = Credentials();
            env["DOTNET_EnableAVX512"] = "0";
            var run = Cli(env, "receive", "--json", "--endpoint-url", S3TestServer.Endpoint!, S3("parts.bin"), "back.bin");
            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Equal(9, JsonDocument.Parse(run.Output).RootElement.GetProperty("parts").GetInt32());
            Assert.True(Same(path, _temp.File("back.bin")));
        }

        [S3Fact]
        public void ABadChecksumModeIsAUsageError()
        {
            var run = Cli(Credentials(), "send", "--checksum-mode", "sometimes", "a.bin", S3("a.bin"));
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("--checksum-mode 'sometimes'", run.Error);
        }

        /// <summary>
        /// SIGKILL in the middle of a multipart upload with --resume: the rerun finds the upload id in the journal,
        /// lists the parts already stored (ListParts) and sends only the rest; nothing is left behind.
        /// </summary>
        [S3Fact]
        public async Task AKilledUploadResumesFromListPartsInANewProcess()
        {
            string source = _temp.RandomFile("big.bin", 160 * MiB, seed: 42);
            string state = Path.Combine(_temp.Path, "state");
            var env = Credentials();
            env["STREAMFILES_STATE_DIR"] = state;
            string[] arguments = { "send", "--resume", "--no-progress", "--concurrency", "1", "--part-size", "5MiB", "--endpoint-url", S3TestServer.Endpoint!, "big.bin", S3("big.bin") };

            KillWhen(env, arguments, () => JournaledParts(state) >= 3);

            int journaled = JournaledParts(state);
            Assert.InRange(journaled, 3, 31);
            Assert.Single(await S3TestServer.UploadsUnderAsync(_prefix)); // the killed run's upload, still there

            var rerun = Cli(env, arguments.Concat(new[] { "--json" }).ToArray());
            Assert.True(rerun.ExitCode == 0, rerun.Error);
            JsonElement result = JsonDocument.Parse(rerun.Output).RootElement;
            Assert.Equal("resumed", result.GetProperty("status").GetString());
            Assert.True(result.GetProperty("bytesTransferred").GetInt64() <= (160 - (5 * journaled)) * MiB);
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
            Assert.Equal(0, JournaledParts(state));

            string back = _temp.File("back.bin");
            var received = Cli(Credentials(), "receive", "--endpoint-url", S3TestServer.Endpoint!, S3("big.bin"), "back.bin");
            Assert.True(received.ExitCode == 0, received.Error);
            Assert.True(Same(source, back));
        }

        /// <summary>
        /// SIGKILL in the middle of a multipart upload without --resume: the process cannot abort its upload, but the
        /// journal it wrote when the upload began names it, and the next run of the same send aborts it, so nothing
        /// is left on the store to pay for. So it is when the next run writes otherwise or nothing, which used to pass
        /// the journal by and leave the upload and the journal behind: the file has shrunk and goes in one PUT; the key
        /// meanwhile holds the file and --skip-unchanged skips it; the key holds something else and the run without
        /// --force is refused (the journal lists no finished parts, so there is nothing to resume).
        /// </summary>
        [S3Theory]
        [InlineData("again")]
        [InlineData("shrunk")]
        [InlineData("skipped")]
        [InlineData("exists")]
        public async Task AKilledUploadWithoutResumeIsAbortedByTheNextRun(string nextRun)
        {
            string source = _temp.RandomFile("big.bin", 60 * MiB, seed: 43);
            string state = Path.Combine(_temp.Path, "state");
            string journals = Path.Combine(state, "StreamFiles", "journals");
            var env = Credentials();
            env["STREAMFILES_STATE_DIR"] = state;
            string[] arguments = { "send", "--no-progress", "--concurrency", "1", "--part-size", "5MiB", "--endpoint-url", S3TestServer.Endpoint!, "big.bin", S3("big.bin") };

            string? journal = null;
            KillWhen(env, arguments, () => (journal = Directory.Exists(journals) ? Directory.GetFiles(journals, "*.journal").FirstOrDefault() : null) != null);

            Assert.NotNull(journal);
            var upload = Assert.Single(await S3TestServer.UploadsUnderAsync(_prefix));
            Assert.Equal(upload.UploadId, ResumeJournal.TryLoad(journal!, out _)?.ResumeToken);
            string[] rerunArguments = arguments.Concat(new[] { "--json" }).ToArray();
            string expected = "completed";
            if (nextRun == "shrunk")
            {
                using var file = new FileStream(_temp.File("big.bin"), FileMode.Open, FileAccess.Write);
                file.SetLength(1000);
            }
            else if (nextRun == "skipped")
            {
                await S3TestServer.PutAsync(_prefix + "big.bin", File.ReadAllBytes(source));
                rerunArguments = rerunArguments.Concat(new[] { "--skip-unchanged" }).ToArray();
                expected = "skipped";
            }
            else if (nextRun == "exists")
            {
                await S3TestServer.PutAsync(_prefix + "big.bin", new byte[] { 1, 2, 3 });
                expected = "refused";
            }

            var rerun = Cli(env, rerunArguments);
            if (expected == "refused")
            {
                Assert.NotEqual(0, rerun.ExitCode);
                Assert.Contains("DestinationExists", rerun.Error);
            }
            else
            {
                Assert.True(rerun.ExitCode == 0, rerun.Error);
                Assert.Equal(expected, JsonDocument.Parse(rerun.Output).RootElement.GetProperty("status").GetString());
            }

            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
            Assert.Empty(Directory.GetFiles(journals));
        }

        /// <summary>
        /// Found by a probe: with --resume and a STREAMFILES_STATE_DIR where no journal can be written (here a regular
        /// file), the upload was started, the journal failed as "[SourceNotFound] the source disappeared", and the
        /// multipart upload stayed, named by nothing. Now the error says what cannot be written and which variable to
        /// set, and the upload is aborted.
        /// </summary>
        [S3Fact]
        public async Task AResumeWhoseJournalCannotBeWrittenSaysSoAndLeavesNoUpload()
        {
            _temp.RandomFile("big.bin", 11 * MiB, seed: 45);
            var env = WithUnusableStateDirectory();

            var run = Cli(env, "send", "--resume", "--no-progress", "--part-size", "5MiB", "--endpoint-url", S3TestServer.Endpoint!, "big.bin", S3("big.bin"));

            Assert.Equal(1, run.ExitCode);
            Assert.StartsWith("streamfiles: [ResumeJournalUnwritable] ", run.Error, StringComparison.Ordinal);
            Assert.Contains("Set STREAMFILES_STATE_DIR to a writable directory", run.Error, StringComparison.Ordinal);
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
        }

        /// <summary>
        /// Without --resume the journal only names the upload, for a rerun to abort if this process is killed: when it
        /// cannot be written, the copies go on, and one warning (not one per file) says what a kill would leave and
        /// which variable to set. It was silent.
        /// </summary>
        [S3Fact]
        public async Task AnUploadWhoseNamingJournalCannotBeWrittenGoesOnWithOneWarning()
        {
            _temp.RandomFile("big1.bin", 11 * MiB, seed: 46);
            _temp.RandomFile("big2.bin", 11 * MiB, seed: 47);
            var env = WithUnusableStateDirectory();

            var run = Cli(env, "send", "--no-progress", "--part-size", "5MiB", "--endpoint-url", S3TestServer.Endpoint!, "big1.bin", "big2.bin", S3("two/"));

            Assert.Equal(0, run.ExitCode);
            string warning = Assert.Single(run.Error.Split('\n'), line => line.Contains("cannot be written", StringComparison.Ordinal));
            Assert.Contains("Set STREAMFILES_STATE_DIR to a writable directory", warning, StringComparison.Ordinal);
            Assert.Equal(File.ReadAllBytes(_temp.File("big2.bin")), await S3TestServer.GetAsync(_prefix + "two/big2.bin"));
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
        }

        /// <summary>
        /// A killed --resume upload whose journal lists finished parts, then a rerun without --force refused because the
        /// key meanwhile holds another object: the upload and its journal stay for a later --force --resume, which
        /// continues them rather than starting over.
        /// </summary>
        [S3Fact]
        public async Task AResumableUploadStaysWhenTheNextRunIsRefused()
        {
            string source = _temp.RandomFile("big.bin", 60 * MiB, seed: 44);
            string state = Path.Combine(_temp.Path, "state");
            var env = Credentials();
            env["STREAMFILES_STATE_DIR"] = state;
            string[] arguments = { "send", "--resume", "--no-progress", "--concurrency", "1", "--part-size", "5MiB", "--endpoint-url", S3TestServer.Endpoint!, "big.bin", S3("big.bin"), "--json" };
            KillWhen(env, arguments, () => JournaledParts(state) >= 2);

            Assert.InRange(JournaledParts(state), 2, 11);
            await S3TestServer.PutAsync(_prefix + "big.bin", new byte[] { 1, 2, 3 });

            var refused = Cli(env, arguments);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("DestinationExists", refused.Error);
            Assert.Single(await S3TestServer.UploadsUnderAsync(_prefix));
            Assert.InRange(JournaledParts(state), 2, 11);

            var resumed = Cli(env, arguments.Concat(new[] { "--force" }).ToArray());
            Assert.True(resumed.ExitCode == 0, resumed.Error);
            Assert.Equal("resumed", JsonDocument.Parse(resumed.Output).RootElement.GetProperty("status").GetString());
            Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
            byte[] stored = await S3TestServer.GetAsync(_prefix + "big.bin");
            Assert.True(File.ReadAllBytes(source).AsSpan().SequenceEqual(stored), "the resumed object differs from the file");
        }

        /// <summary>
        /// A run sending a file in parts to a key another run is sending to (whose lock beside the journal is held, here
        /// by the test as that run would hold it) is refused with DestinationBusy and starts nothing on the store: it used
        /// to continue the other run's upload with --resume (the other failing with a read error on the journal's
        /// temporary file), or abort it without. Once the lock is free, the same command completes.
        /// </summary>
        [S3Fact]
        public async Task ASendToAKeyAnotherRunIsSendingToIsRefused()
        {
            string source = _temp.RandomFile("big.bin", (11 * MiB) + 1, seed: 50);
            string state = Path.Combine(_temp.Path, "state");
            string journals = Path.Combine(state, "StreamFiles", "journals");
            Directory.CreateDirectory(journals);
            var env = Credentials();
            env["STREAMFILES_STATE_DIR"] = state;
            string[] arguments = { "send", "--resume", "--no-progress", "--json", "--part-size", "5MiB", "--endpoint-url", S3TestServer.Endpoint!, "big.bin", S3("big.bin") };

            // The journal's name: the first 32 hex digits of the SHA-256 of the destination (ResumeJournal.PathFor).
            string name = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(S3("big.bin")))).Substring(0, 32).ToLowerInvariant();
            using (new FileStream(Path.Combine(journals, name + ".journal.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
                var refused = Cli(env, arguments);
                Assert.Equal(1, refused.ExitCode);
                Assert.Equal("DestinationBusy", JsonDocument.Parse(refused.Output).RootElement.GetProperty("error").GetProperty("condition").GetString());
                Assert.Contains("another StreamFiles run is sending to it now", refused.Error, StringComparison.Ordinal);
                Assert.Empty(await S3TestServer.UploadsUnderAsync(_prefix));
            }

            var sent = Cli(env, arguments);
            Assert.True(sent.ExitCode == 0, sent.Error);
            Assert.Equal("completed", JsonDocument.Parse(sent.Output).RootElement.GetProperty("status").GetString());
            Assert.Empty(Directory.GetFiles(journals));
            Assert.Equal(Convert.ToHexString(System.Security.Cryptography.MD5.HashData(File.ReadAllBytes(source))), Convert.ToHexString(System.Security.Cryptography.MD5.HashData(await S3TestServer.GetAsync(_prefix + "big.bin"))));
        }

        private static int JournaledParts(string stateDirectory)
        {
            string journals = Path.Combine(stateDirectory, "StreamFiles", "journals");
            if (!Directory.Exists(journals))
            {
                return 0;
            }

            try
            {
                return Directory.GetFiles(journals, "*.journal").Sum(f => ResumeJournal.TryLoad(f, out _)?.Parts.Count ?? 0);
            }
            catch (IOException)
            {
                return 0; // being replaced right now
            }
        }

        /// <summary>The credentials, and a STREAMFILES_STATE_DIR where no journal can be written (a regular file).</summary>
        private Dictionary<string, string?> WithUnusableStateDirectory()
        {
            string notADirectory = _temp.File("state-file");
            File.WriteAllText(notADirectory, "not a directory");
            Dictionary<string, string?> env = Credentials();
            env["STREAMFILES_STATE_DIR"] = notADirectory;
            return env;
        }

        private static Dictionary<string, string?> Credentials() => new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey,
            ["AWS_REGION"] = S3TestServer.Region,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        };

        /// <summary>An environment with no credentials anywhere in the chain: no variables, no profile files, no instance or container role.</summary>
        private Dictionary<string, string?> NoCredentials() => new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = null,
            ["AWS_SECRET_ACCESS_KEY"] = null,
            ["AWS_SESSION_TOKEN"] = null,
            ["AWS_PROFILE"] = null,
            ["AWS_SHARED_CREDENTIALS_FILE"] = _temp.File("no-credentials"),
            ["AWS_CONFIG_FILE"] = _temp.File("no-config"),
            ["AWS_EC2_METADATA_DISABLED"] = "true", // never ask an instance metadata service from a test
            ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = null,
            ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = null,
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = null,
        };

        private ProcessRunner.Outcome Cli(Dictionary<string, string?> environment, params string[] arguments)
        {
            using Process process = Start(environment, arguments);
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(180_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("streamfiles " + string.Join(" ", arguments) + " did not finish in 3 minutes");
            }

            process.WaitForExit();
            return ProcessRunner.Captured("streamfiles", new ProcessRunner.Outcome(process.ExitCode, output.Result, error.Result));
        }

        /// <summary>Starts the CLI and kills it (SIGKILL) as soon as <paramref name="ready"/> holds; fails if it finished first.</summary>
        private void KillWhen(Dictionary<string, string?> environment, string[] arguments, Func<bool> ready)
        {
            using Process child = Start(environment, arguments);
            var clock = Stopwatch.StartNew();
            while (!child.HasExited && !ready() && clock.Elapsed < TimeSpan.FromSeconds(90))
            {
                Thread.Sleep(2);
            }

            bool finishedFirst = child.HasExited;
            child.Kill();
            child.WaitForExit();
            Assert.False(finishedFirst, "the upload finished before it could be killed: " + child.StandardError.ReadToEnd());
        }

        private Process Start(Dictionary<string, string?> environment, string[] arguments)
        {
            ProcessStartInfo start = ProcessRunner.CliStart(_temp.Path, arguments);

            foreach (var (name, value) in environment)
            {
                if (value is null)
                {
                    start.Environment.Remove(name);
                }
                else
                {
                    start.Environment[name] = value;
                }
            }

            return Process.Start(start)!;
        }

        private static bool Same(string a, string b) => ProcessRunner.Run("cmp", new[] { "-s", a, b }).ExitCode == 0;
    }
}
