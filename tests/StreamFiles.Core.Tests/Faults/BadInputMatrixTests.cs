using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Tests.Http;
using StreamFiles.Core.Tests.S3;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Tests.Transfers.Support;
using StreamFiles.Core.Transfers;
using Xunit;

namespace StreamFiles.Core.Tests.Faults
{
    /// <summary>
    /// The bad-input matrix of docs/reliability.md: each bad input, given to the real CLI, ends with its documented
    /// exit code and error id ("streamfiles: [Id] ..." on stderr; error.condition in --json), no stack trace, and
    /// nothing else: the working directory (sources and destination) and the S3 prefix are exactly as before —
    /// no file, no .partial, no object, no multipart upload. Hostile Content-Disposition names are covered by
    /// HttpOperationTests.A_server_name_that_cannot_be_made_safe_fails_that_file and DownloadFileNameTests; hostile
    /// S3 keys at the engine level by S3TransferTests and S3StorageTests (here: through the CLI).
    /// </summary>
    public sealed class BadInputMatrixTests : IAsyncLifetime
    {
        private const int MiB = 1024 * 1024;
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();
        private HttpTestServer _http = null!;

        public async Task InitializeAsync()
        {
            _http = await HttpTestServer.StartAsync();
            _temp.RandomFile("a.bin", 1000);
            _temp.RandomFile("file.bin", 10);
            Directory.CreateDirectory(_temp.File("dir"));
            _temp.RandomFile("dir/f.bin", 100);
            Directory.CreateDirectory(_temp.File("out"));
            File.WriteAllText(_temp.File("out/old.bin"), "older");
            Directory.CreateDirectory(_temp.File("out/sub/a.bin"));
        }

        public async Task DisposeAsync()
        {
            await _http.DisposeAsync();
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        private static readonly string LongName = new string('a', 300);
        private static readonly string DeepPath = string.Join("/", Enumerable.Repeat(new string('d', 200), 25)) + "/x.bin";

        /// <summary>name → (exit code, error id, arguments). {s3} is this test's S3 prefix, {http} the Kestrel server.</summary>
        public static readonly Dictionary<string, (int Exit, string Id, string[] Args)> Local = new Dictionary<string, (int, string, string[])>
        {
            ["send to s3://"] = (2, "InvalidLocation", new[] { "send", "a.bin", "s3://" }),
            ["send to s3:///key"] = (2, "InvalidLocation", new[] { "send", "a.bin", "s3:///key" }),
            ["send to s3://Bad_Bucket!/x"] = (2, "InvalidLocation", new[] { "send", "a.bin", "s3://Bad_Bucket!/x" }),
            ["send to http://"] = (2, "InvalidLocation", new[] { "send", "a.bin", "http://" }),
            ["send to ftp://x"] = (2, "UnsupportedLocation", new[] { "send", "a.bin", "ftp://x" }),
            ["send to s3://bucket/a/../b (a '..' segment)"] = (2, "InvalidLocation", new[] { "send", "a.bin", "s3://bucket/a/../b" }),
            ["send to s3://bucket//x (an empty segment)"] = (2, "InvalidLocation", new[] { "send", "a.bin", "s3://bucket//x" }),
            ["send to s3://bucket/./x/ (a '.' segment)"] = (2, "InvalidLocation", new[] { "send", "a.bin", "s3://bucket/./x/" }),
            ["send to s3://bucket/logs\\ (a Windows separator)"] = (2, "InvalidLocation", new[] { "send", "a.bin", "s3://bucket/logs\\2024\\" }),
            ["send to https://host:99999/"] = (2, "InvalidLocation", new[] { "send", "a.bin", "https://host:99999/" }),
            ["--region with a space"] = (2, "InvalidRegion", new[] { "send", "--region", "eu west 1", "a.bin", "s3://bucket/x" }),
            ["--endpoint-url with a password"] = (2, "InvalidEndpointUrl", new[] { "send", "--endpoint-url", "http://user:EpPassw0rdXYZ@127.0.0.1:1", "a.bin", "s3://bucket/x" }),
            ["--endpoint-url with a query string"] = (2, "InvalidEndpointUrl", new[] { "send", "--endpoint-url", "http://127.0.0.1:1/?token=EpPassw0rdXYZ", "a.bin", "s3://bucket/x" }),
            ["--endpoint-url with an empty query string"] = (2, "InvalidEndpointUrl", new[] { "send", "--endpoint-url", "http://127.0.0.1:1?", "a.bin", "s3://bucket/x" }),
            ["receive into s3://bucket/x"] = (2, "UnsupportedDestination", new[] { "receive", "a.bin", "s3://bucket/x" }),
            ["receive s3://"] = (1, "InvalidLocation", new[] { "receive", "s3://", "out/" }),
            ["receive s3:///key"] = (1, "InvalidLocation", new[] { "receive", "s3:///key", "out/" }),
            ["receive s3://Bad_Bucket!/x"] = (1, "InvalidLocation", new[] { "receive", "s3://Bad_Bucket!/x", "out/" }),
            ["receive http://"] = (1, "InvalidLocation", new[] { "receive", "http://", "out/" }),
            ["receive ftp://x"] = (1, "UnsupportedLocation", new[] { "receive", "ftp://x", "out/" }),
            ["receive https://host:99999/"] = (1, "InvalidLocation", new[] { "receive", "https://host:99999/", "out/" }),
            ["send a missing file"] = (1, "SourceNotFound", new[] { "send", "missing.bin", "out/" }),
            ["receive a missing file"] = (1, "SourceNotFound", new[] { "receive", "missing.bin", "out/" }),
            ["send a directory without --recursive"] = (1, "SourceIsDirectory", new[] { "send", "dir", "out/" }),
            ["receive a directory without --recursive"] = (1, "SourceIsDirectory", new[] { "receive", "dir", "out/" }),
            ["send a directory into a file"] = (1, "DestinationNotDirectory", new[] { "send", "--recursive", "dir", "file.bin" }),
            ["send below a file (file.bin/x)"] = (1, "DestinationNotDirectory", new[] { "send", "a.bin", "file.bin/x" }),
            ["send onto an existing directory name"] = (1, "DestinationIsDirectory", new[] { "send", "a.bin", "out/sub/" }),
            ["send onto itself"] = (1, "DestinationIsSource", new[] { "send", "a.bin", "a.bin" }),
            ["send a directory into itself"] = (1, "DestinationInsideSource", new[] { "send", "--recursive", "dir", "dir/sub/" }),
            ["send over an existing file"] = (1, "DestinationExists", new[] { "send", "file.bin", "out/old.bin" }),
            ["send to a name of 300 bytes"] = (1, "PathTooLong", new[] { "send", "a.bin", "out/" + LongName }),
            ["send to a path of 5000 bytes"] = (1, "PathTooLong", new[] { "send", "a.bin", "out/" + DeepPath }),
            ["receive from a name of 300 bytes"] = (1, "PathTooLong", new[] { "receive", LongName, "out/" }),
            ["--throttle-limit 0"] = (2, "InvalidArgument", new[] { "send", "--throttle-limit", "0", "a.bin", "out/" }),
            ["--throttle-limit -1"] = (2, "InvalidArgument", new[] { "send", "--throttle-limit", "-1", "a.bin", "out/" }),
            ["--concurrency 0"] = (2, "InvalidArgument", new[] { "send", "--concurrency", "0", "a.bin", "out/" }),
            ["--concurrency -1"] = (2, "InvalidArgument", new[] { "send", "--concurrency", "-1", "a.bin", "out/" }),
            ["--max-memory 0"] = (2, "InvalidArgument", new[] { "send", "--max-memory", "0", "a.bin", "out/" }),
            ["--max-memory -1MiB"] = (2, "InvalidArgument", new[] { "send", "--max-memory", "-1MiB", "a.bin", "out/" }),
            ["--max-memory 1"] = (2, "InvalidArgument", new[] { "receive", "--max-memory", "1", "a.bin", "out/" }),
            ["--part-size 0"] = (2, "InvalidArgument", new[] { "send", "--part-size", "0", "a.bin", "out/" }),
            ["--part-size -5"] = (2, "InvalidArgument", new[] { "send", "--part-size", "-5", "a.bin", "out/" }),
            ["--part-size 6GiB"] = (2, "InvalidArgument", new[] { "send", "--part-size", "6GiB", "a.bin", "out/" }),
            ["--throttle-limit x"] = (2, "Usage", new[] { "send", "--throttle-limit", "x", "a.bin", "out/" }),
            ["base64 --wrap x"] = (2, "Usage", new[] { "base64", "--wrap", "x", "a.bin" }),
            ["hash --throttle-limit 0"] = (2, "InvalidArgument", new[] { "hash", "--throttle-limit", "0", "a.bin" }),
            ["base64 --wrap 99999999999"] = (2, "Usage", new[] { "base64", "--wrap", "99999999999", "a.bin" }),
            ["base64 --wrap -1"] = (2, "InvalidArgument", new[] { "base64", "--wrap", "-1", "a.bin" }), // a bad value, as for --throttle-limit 0
            ["base64 --wrap 1048577"] = (2, "InvalidArgument", new[] { "base64", "--wrap", "1048577", "a.bin" }),
            ["an unknown option"] = (2, "Usage", new[] { "send", "--bogus", "a.bin", "out/" }),
            ["no destination"] = (2, "Usage", new[] { "send", "a.bin" }),
            ["receive to - (standard output)"] = (2, "InvalidArgument", new[] { "receive", "a.bin", "-" }),
            ["send from - (standard input)"] = (2, "InvalidArgument", new[] { "send", "-", "out/" }),
            ["receive a missing URL"] = (1, "SourceNotFound", new[] { "receive", "{http}/missing.bin", "out/" }),
        };

        public static readonly Dictionary<string, (int Exit, string Id, string[] Args)> S3 = new Dictionary<string, (int, string, string[])>
        {
            ["S3 --part-size 6GiB"] = (2, "InvalidArgument", new[] { "send", "--part-size", "6GiB", "a.bin", "{s3}/a.bin" }),
            ["S3 --part-size 0"] = (2, "InvalidArgument", new[] { "send", "--part-size", "0", "a.bin", "{s3}/a.bin" }),
            ["S3 a missing key"] = (1, "SourceNotFound", new[] { "receive", "{s3}/missing.bin", "out/" }),
            ["S3 a missing bucket"] = (1, "S3BucketNotFound", new[] { "receive", "s3://streamfiles-no-such-bucket-7/x.bin", "out/" }),
            ["S3 a missing file to S3"] = (1, "SourceNotFound", new[] { "send", "missing.bin", "{s3}/" }),
            ["S3 a directory without --recursive"] = (1, "SourceIsDirectory", new[] { "send", "dir", "{s3}/" }),
            ["S3 onto an existing object"] = (1, "DestinationExists", new[] { "send", "file.bin", "{s3}/existing.bin" }),
        };

        public static IEnumerable<object[]> LocalCases => Local.Keys.Select(k => new object[] { k });

        public static IEnumerable<object[]> S3Cases => S3.Keys.Select(k => new object[] { k });

        [Theory]
        [MemberData(nameof(LocalCases))]
        public Task LocalAndHttpBadInput(string name) => Check(Local[name], null);

        [S3Theory]
        [MemberData(nameof(S3Cases))]
        public async Task S3BadInput(string name)
        {
            await S3TestServer.PutAsync(_prefix + "existing.bin", Encoding.UTF8.GetBytes("on the server"));
            await Check(S3[name], _prefix);
        }

        /// <summary>
        /// A region or an endpoint from the environment that cannot be used is each file's error with its own id, naming
        /// the variable and never a password in the URL; before, the region was UnexpectedError with the SDK's words
        /// and the endpoint's password appeared in S3BucketNotFound and S3EndpointUnreachable messages. It is the
        /// configuration's mistake, as the same value in an option is: exit 2, and one line on stderr for three files.
        /// </summary>
        [Theory]
        [InlineData("AWS_REGION", "eu west 1", "InvalidRegion")]
        [InlineData("AWS_ENDPOINT_URL", "http://user:EpPassw0rdXYZ@127.0.0.1:1", "InvalidEndpointUrl")]
        [InlineData("AWS_ENDPOINT_URL", "http://127.0.0.1:1/?X-Amz-Signature=EpPassw0rdXYZ", "InvalidEndpointUrl")] // a probe: S3RequestFailed, the query in the SDK's words
        public void AnUnusableRegionOrEndpointFromTheEnvironmentIsNamedWithoutAPassword(string variable, string value, string id)
        {
            var environment = new Dictionary<string, string?>
            {
                ["AWS_ACCESS_KEY_ID"] = "AKIAEXAMPLE",
                ["AWS_SECRET_ACCESS_KEY"] = "not-used",
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                [variable] = value,
            };
            if (variable != "AWS_ENDPOINT_URL")
            {
                environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1";
            }

            var run = FaultCli.Run(_temp.Path, environment, "receive", "--json", "s3://bucket/x.bin", "s3://bucket/y.bin", "s3://bucket/z.bin", "out/");
            Assert.Equal(2, run.ExitCode);
            Assert.Equal(new[] { id, id, id }, FaultCli.Conditions(run.Output));
            Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(variable, run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("Passw0rd", run.Error + run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", run.Error, StringComparison.Ordinal);
        }

        /// <summary>
        /// A malformed region in the AWS config file: the SDK throws as it loads the profile, which was UnexpectedError
        /// with the SDK's words, once per file. It is InvalidRegion naming the profile, once, exit 2.
        /// </summary>
        [Fact]
        public void AMalformedRegionInTheConfigFileIsInvalidRegion()
        {
            File.WriteAllText(_temp.File("config"), "[default]\nregion = bad_region!\n");
            File.WriteAllText(_temp.File("credentials"), "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = not-used\n");
            var environment = new Dictionary<string, string?>
            {
                ["AWS_CONFIG_FILE"] = _temp.File("config"),
                ["AWS_SHARED_CREDENTIALS_FILE"] = _temp.File("credentials"),
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1",
            };

            var run = FaultCli.Run(_temp.Path, environment, "receive", "--json", "s3://bucket/x.bin", "s3://bucket/y.bin", "out/");
            Assert.Equal(2, run.ExitCode);
            Assert.Equal(new[] { "InvalidRegion", "InvalidRegion" }, FaultCli.Conditions(run.Output));
            Assert.StartsWith("streamfiles: [InvalidRegion] 'bad_region!' (from region of the AWS profile 'default')", run.Error, StringComparison.Ordinal);
            Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        /// <summary>The same per-file inputs through the Core operation the cmdlets run: the same condition for each.</summary>
        [Theory]
        [InlineData(TransferDirection.Receive, "s3://", "InvalidLocation")]
        [InlineData(TransferDirection.Receive, "s3:///key", "InvalidLocation")]
        [InlineData(TransferDirection.Receive, "s3://Bad_Bucket!/x", "InvalidLocation")]
        [InlineData(TransferDirection.Receive, "http://", "InvalidLocation")]
        [InlineData(TransferDirection.Receive, "ftp://x", "UnsupportedLocation")]
        [InlineData(TransferDirection.Receive, "https://host:99999/", "InvalidLocation")]
        [InlineData(TransferDirection.Send, "missing.bin", "SourceNotFound")]
        [InlineData(TransferDirection.Send, "dir", "SourceIsDirectory")]
        [InlineData(TransferDirection.Receive, "dir", "SourceIsDirectory")]
        [InlineData(TransferDirection.Send, "{long}", "PathTooLong")]
        public void TheCoreOperationGivesTheSameIds(TransferDirection direction, string source, string id)
        {
            string before = FaultCli.Snapshot(_temp.Path);
            CollectingSink sink = TransferHarness.Run(new[] { source.Replace("{long}", LongName, StringComparison.Ordinal) }, _temp.File("out") + "/", direction: direction, basePath: _temp.Path);
            Assert.Equal(id, Assert.Single(sink.Errors).Condition);
            Assert.Equal(TransferStatus.Failed, Assert.Single(sink.Transfers).Status);
            Assert.Equal(before, FaultCli.Snapshot(_temp.Path));
        }

        [Fact]
        public void TheCoreOperationRefusesAPathBelowAFile()
        {
            CollectingSink sink = TransferHarness.Run(new[] { _temp.File("a.bin") }, _temp.File("file.bin/x"));
            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("DestinationNotDirectory", error.Condition);
            Assert.Contains("is a file", error.Message, StringComparison.Ordinal);
        }

        /// <summary>A file nobody may read: AccessDenied, exit 1 — skipped where the user can read it anyway (root).</summary>
        [UnreadableFileFact]
        [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
        public void AnUnreadableSourceIsAccessDenied()
        {
            string secret = _temp.RandomFile("secret.bin", 1000);
            File.SetUnixFileMode(secret, UnixFileMode.None);
            try
            {
                string before = FaultCli.Snapshot(_temp.File("out"));
                var run = FaultCli.Run(_temp.Path, null, "send", "--json", "secret.bin", "out/");
                Assert.Equal(1, run.ExitCode);
                Assert.Contains("[AccessDenied]", run.Error, StringComparison.Ordinal);
                Assert.Equal(new[] { "AccessDenied" }, FaultCli.Conditions(run.Output));
                Assert.Equal(before, FaultCli.Snapshot(_temp.File("out")));
            }
            finally
            {
                File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        /// <summary>Unicode names in both normalization forms and outside the BMP copy under their exact bytes, locally and through S3.</summary>
        [Fact]
        public async Task UnicodeNamesArriveUnderTheirOwnBytes()
        {
            string[] names = { "caf\u00e9-nfc.bin", "cafe\u0301-nfd.bin", "\U0001F600 emoji.bin", "\u65e5\u672c\u8a9e.bin" };
            Directory.CreateDirectory(_temp.File("uni"));
            foreach (string name in names)
            {
                _temp.RandomFile("uni/" + name, 5000, seed: name.Length);
            }

            var local = FaultCli.Run(_temp.Path, null, new[] { "send", "--json", "--recursive", "uni", "uni-copy/" });
            Assert.True(local.ExitCode == 0, local.Error);
            AssertSameNames(names, _temp.File("uni-copy"));

            if (!S3TestServer.Available)
            {
                return;
            }

            var up = FaultCli.Run(_temp.Path, FaultCli.S3Environment(), "send", "--json", "--recursive", "uni", "s3://" + S3TestServer.Bucket + "/" + _prefix + "uni/");
            Assert.True(up.ExitCode == 0, up.Error);
            var down = FaultCli.Run(_temp.Path, FaultCli.S3Environment(), "receive", "--json", "s3://" + S3TestServer.Bucket + "/" + _prefix + "uni/", "uni-back/");
            Assert.True(down.ExitCode == 0, down.Error);
            AssertSameNames(names, _temp.File("uni-back"));
        }

        /// <summary>Hostile keys under a prefix: each refused with S3UnsafeKey, exit 1, and only the safe object is written.</summary>
        [S3Fact]
        public async Task HostileS3KeysAreRefusedThroughTheCli()
        {
            string[] hostile = { "../x", "/abs", "C:\\x", "a\\..\\b" };
            await S3TestServer.PutAsync(_prefix + "tree/safe.bin", new byte[] { 1, 2, 3 });
            foreach (string key in hostile)
            {
                await S3TestServer.PutAsync(_prefix + "tree/" + key, new byte[] { 9 });
            }

            string outside = FaultCli.Snapshot(_temp.Path);
            var run = FaultCli.Run(_temp.Path, FaultCli.S3Environment(), "receive", "--json", "s3://" + S3TestServer.Bucket + "/" + _prefix + "tree/", "got/");

            Assert.Equal(1, run.ExitCode);
            Assert.Equal(Enumerable.Repeat("S3UnsafeKey", hostile.Length), FaultCli.Conditions(run.Output));
            Assert.Equal(hostile.Length, run.Error.Split('\n').Count(l => l.StartsWith("streamfiles: [S3UnsafeKey] ", StringComparison.Ordinal)));
            Assert.Equal(new[] { "safe.bin" }, Directory.GetFileSystemEntries(_temp.File("got"), "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(_temp.File("got"), p)));
            Assert.Equal(outside, FaultCli.Snapshot(_temp.Path).Replace("\ngot/\ngot/safe.bin 3 " + File.GetLastWriteTimeUtc(_temp.File("got/safe.bin")).Ticks, string.Empty, StringComparison.Ordinal));
        }

        /// <summary>Below the store's 5 MiB minimum, the part size is raised to it (documented), and the upload works.</summary>
        [S3Fact]
        public async Task AnS3PartSizeBelowTheMinimumIsRaisedToIt()
        {
            _temp.RandomFile("m.bin", 12 * MiB);
            var run = FaultCli.Run(_temp.Path, FaultCli.S3Environment(), "send", "--json", "--part-size", "1MiB", "m.bin", "s3://" + S3TestServer.Bucket + "/" + _prefix + "m.bin");
            Assert.True(run.ExitCode == 0, run.Error);
            var result = System.Text.Json.JsonDocument.Parse(run.Output).RootElement;
            Assert.Equal(5 * MiB, result.GetProperty("partSize").GetInt64());
            Assert.Equal(3, result.GetProperty("parts").GetInt32());
            Assert.Equal(File.ReadAllBytes(_temp.File("m.bin")), await S3TestServer.GetAsync(_prefix + "m.bin"));
        }

        private async Task Check((int Exit, string Id, string[] Args) testCase, string? prefix)
        {
            string[] arguments = testCase.Args
                .Select(a => a.Replace("{s3}", "s3://" + S3TestServer.Bucket + "/" + (prefix ?? string.Empty).TrimEnd('/'), StringComparison.Ordinal)
                    .Replace("{http}", _http.BaseUri.ToString().TrimEnd('/'), StringComparison.Ordinal))
                .Concat(testCase.Args[0] == "base64" ? Array.Empty<string>() : new[] { "--json" }) // base64 writes no JSON
                .ToArray();
            string before = FaultCli.Snapshot(_temp.Path);
            string s3Before = prefix is null ? string.Empty : await FaultCli.S3SnapshotAsync(prefix);

            var run = FaultCli.Run(_temp.Path, prefix is null ? null : FaultCli.S3Environment(), arguments);

            Assert.True(testCase.Exit == run.ExitCode, $"exit {run.ExitCode}, expected {testCase.Exit}: {run.Error}");
            Assert.StartsWith($"streamfiles: [{testCase.Id}] ", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("(Parameter '", run.Error, StringComparison.Ordinal); // .NET's own wording, not ours
            Assert.DoesNotContain("Actual value was", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("Passw0rd", run.Error + run.Output, StringComparison.Ordinal);
            if (testCase.Exit == 1)
            {
                Assert.Equal(new[] { testCase.Id }, FaultCli.Conditions(run.Output));
            }
            else
            {
                Assert.Equal(string.Empty, run.Output);
            }

            Assert.Equal(before, FaultCli.Snapshot(_temp.Path));
            if (prefix != null)
            {
                Assert.Equal(s3Before, await FaultCli.S3SnapshotAsync(prefix));
            }
        }

        private static void AssertSameNames(string[] names, string directory)
        {
            var written = Directory.GetFiles(directory).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToList();
            Assert.Equal(names.OrderBy(n => n, StringComparer.Ordinal), written);
        }
    }

    /// <summary>A test that needs a file its user cannot read: skipped, saying why, when chmod 000 does not stop this user (root).</summary>
    public sealed class UnreadableFileFactAttribute : FactAttribute
    {
        public UnreadableFileFactAttribute()
        {
            if (OperatingSystem.IsWindows())
            {
                Skip = "chmod 000 is a Unix test.";
                return;
            }

            Probe();
        }

        [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
        private void Probe()
        {
            string probe = Path.Combine(Path.GetTempPath(), "streamfiles-unreadable-" + Guid.NewGuid().ToString("N"));
            File.WriteAllText(probe, "x");
            try
            {
                File.SetUnixFileMode(probe, UnixFileMode.None);
                using (File.OpenRead(probe))
                {
                    Skip = $"this user ({Environment.UserName}) can still read a chmod 000 file (root, or CAP_DAC_OVERRIDE), so an unreadable source cannot be made here.";
                }
            }
            catch (UnauthorizedAccessException)
            {
                // Unreadable indeed: the test runs.
            }
            finally
            {
                File.SetUnixFileMode(probe, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.Delete(probe);
            }
        }
    }
}
