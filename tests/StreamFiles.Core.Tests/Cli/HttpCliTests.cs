using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading.Tasks;
using StreamFiles.Core.Tests.Http;
using StreamFiles.Core.Tests.Support;

namespace StreamFiles.Core.Tests.Cli
{
    /// <summary>`streamfiles receive|send` with HTTP(S) URLs and the HTTP options, run as a child process against Kestrel.</summary>
    public sealed class HttpCliTests : IAsyncLifetime
    {
        private readonly TempDirectory _temp = new TempDirectory();
        private HttpTestServer _server = null!;

        public async Task InitializeAsync() => _server = await HttpTestServer.StartAsync();

        public async Task DisposeAsync()
        {
            await _server.DisposeAsync();
            _temp.Dispose();
        }

        private ProcessRunner.Outcome Streamfiles(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
        {
            ProcessStartInfo start = ProcessRunner.CliStart(_temp.Path, arguments);

            start.Environment.Remove("STREAMFILES_HTTP_PASSWORD");
            foreach (KeyValuePair<string, string> variable in environment ?? new Dictionary<string, string>())
            {
                start.Environment[variable.Key] = variable.Value;
            }

            using Process process = Process.Start(start)!;
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(120_000), "streamfiles did not finish");
            process.WaitForExit();
            return new ProcessRunner.Outcome(process.ExitCode, output.Result, error.Result);
        }

        private ProcessRunner.Outcome Streamfiles(params string[] arguments) => Streamfiles(null, arguments);

        /// <summary>--verify cannot read a PUT URL back: one warning naming the fix, and the upload completes (it failed after storing the object).</summary>
        [Fact]
        public void Verify_for_an_upload_to_a_url_is_a_warning()
        {
            byte[] content = HttpTestServer.RandomBytes(300 * 1024);
            File.WriteAllBytes(_temp.File("up.bin"), content);
            _server.AcceptUploads("/bucket/up.bin");

            ProcessRunner.Outcome sent = Streamfiles("send", "--verify", "--no-progress", "up.bin", _server.Url("/bucket/up.bin?X-Amz-Signature=SIGSECRET").ToString());

            Assert.Equal(0, sent.ExitCode);
            Assert.Equal(
                "streamfiles: warning: --verify reads each copy back, which a PUT URL cannot serve; it is ignored for " + _server.Url("/bucket/up.bin")
                    + ". Add --upload-checksum md5 (or sha256) to have the server check the upload.",
                sent.Error.TrimEnd('\n'));
            Assert.Equal(content, _server.Uploads["/bucket/up.bin"]);

            // With the upload checksum given, the warning does not advise it (a probe).
            ProcessRunner.Outcome checksummed = Streamfiles("send", "--verify", "--upload-checksum", "md5", "--force", "--no-progress", "up.bin", _server.Url("/bucket/up.bin").ToString());
            Assert.Equal(0, checksummed.ExitCode);
            Assert.Equal(
                "streamfiles: warning: --verify reads each copy back, which a PUT URL cannot serve; it is ignored for " + _server.Url("/bucket/up.bin")
                    + ". Instead, the checksum sent with the upload lets a server that checks it (as S3 does) refuse a damaged upload.",
                checksummed.Error.TrimEnd('\n'));

            // --resume and --skip-unchanged have nothing to work on either: each is said, not ignored without a word (a probe).
            ProcessRunner.Outcome ignored = Streamfiles("send", "--resume", "--skip-unchanged", "--force", "--no-progress", "up.bin", _server.Url("/bucket/up.bin?X-Amz-Signature=SIGSECRET").ToString());
            Assert.Equal(0, ignored.ExitCode);
            string[] warnings = ignored.Error.TrimEnd('\n').Split('\n');
            Assert.Equal(2, warnings.Length);
            Assert.StartsWith("streamfiles: warning: --skip-unchanged compares each file with the destination, which a PUT URL cannot show; it is ignored for " + _server.Url("/bucket/up.bin"), warnings[0], StringComparison.Ordinal);
            Assert.StartsWith("streamfiles: warning: --resume keeps what a stopped copy has written for the next run;", warnings[1], StringComparison.Ordinal);
            Assert.DoesNotContain("SIGSECRET", ignored.Error, StringComparison.Ordinal);
            Assert.Equal(content, _server.Uploads["/bucket/up.bin"]);
        }

        [Fact]
        public void Receive_into_a_directory_with_a_header_shows_no_secret()
        {
            byte[] content = HttpTestServer.RandomBytes(5 * 1024 * 1024 + 1);
            _server.Add("/dl", content).ContentDisposition = "attachment; filename=\"report.bin\"";
            string url = _server.Url("/dl?X-Amz-Signature=SIGSECRET").ToString();

            ProcessRunner.Outcome text = Streamfiles("receive", "--no-progress", "-H", "Authorization: Bearer TOPSECRET", url, _temp.Path + "/");
            ProcessRunner.Outcome json = Streamfiles("receive", "--no-progress", "--force", "--json", "--header", "Authorization: Bearer TOPSECRET", url, _temp.Path + "/");

            Assert.True(text.ExitCode == 0, text.Error);
            Assert.True(json.ExitCode == 0, json.Error);
            Assert.Equal(
                Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant(),
                ProcessRunner.Shell($"sha256sum '{_temp.File("report.bin")}'").Split(' ')[0]);
            Assert.All(_server.RequestsTo("/dl"), r => Assert.Equal("Bearer TOPSECRET", r.Header("Authorization")));
            Assert.Contains(_server.Url("/dl").ToString(), json.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("SECRET", text.Output + text.Error + json.Output + json.Error, StringComparison.Ordinal);
        }

        [Fact]
        public void A_failed_download_names_the_url_without_its_query()
        {
            TestResource resource = _server.Add("/broken", HttpTestServer.RandomBytes(3 * 1024 * 1024));
            resource.AcceptRanges = false;
            resource.DropAfter = 1_000_000;

            ProcessRunner.Outcome missing = Streamfiles("receive", "--no-progress", _server.Url("/missing?token=SECRET").ToString(), _temp.Path + "/");
            ProcessRunner.Outcome broken = Streamfiles("receive", "--no-progress", _server.Url("/broken?token=SECRET").ToString(), _temp.File("broken.bin"));

            Assert.Equal(1, missing.ExitCode);
            Assert.Equal(1, broken.ExitCode);
            Assert.Contains(_server.Url("/missing").ToString(), missing.Error, StringComparison.Ordinal);
            Assert.Contains("broke off", broken.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(_temp.File("broken.bin")));
            Assert.DoesNotContain("SECRET", missing.Output + missing.Error + broken.Output + broken.Error, StringComparison.Ordinal);
        }

        [Fact]
        public void Send_puts_with_content_type_and_md5()
        {
            string file = _temp.RandomFile("up.csv", 3 * 1024 * 1024);
            _server.AcceptUploads("/in/up.csv");

            ProcessRunner.Outcome outcome = Streamfiles("send", "--no-progress", "--content-type", "text/csv", "--upload-checksum", "md5", file, _server.Url("/in/up.csv?sig=SECRET").ToString());

            Assert.True(outcome.ExitCode == 0, outcome.Error);
            Assert.Equal(File.ReadAllBytes(file), _server.Uploads["/in/up.csv"]);
            RecordedRequest put = _server.RequestsTo("/in/up.csv").Single();
            Assert.Equal("text/csv", put.Header("Content-Type"));
            Assert.Equal(Convert.ToBase64String(MD5.HashData(File.ReadAllBytes(file))), put.Header("Content-MD5"));
            Assert.DoesNotContain("SECRET", outcome.Output + outcome.Error, StringComparison.Ordinal);
        }

        [Fact]
        public void A_credential_needs_https_and_a_password()
        {
            _server.Add("/private", HttpTestServer.RandomBytes(10));
            string url = _server.Url("/private").ToString();

            ProcessRunner.Outcome noPassword = Streamfiles("receive", "--no-progress", "--user", "admin", url, _temp.Path + "/");
            ProcessRunner.Outcome plainHttp = Streamfiles(
                new Dictionary<string, string> { ["STREAMFILES_HTTP_PASSWORD"] = "pa55word" },
                "receive", "--no-progress", "--user", "admin", url, _temp.Path + "/");

            Assert.Equal(2, noPassword.ExitCode);
            Assert.Contains("STREAMFILES_HTTP_PASSWORD", noPassword.Error, StringComparison.Ordinal);
            Assert.Equal(1, plainHttp.ExitCode);
            Assert.Contains("only over HTTPS", plainHttp.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("pa55word", plainHttp.Output + plainHttp.Error, StringComparison.Ordinal);
            Assert.Empty(_server.Requests);
        }

        [Fact]
        public async Task An_untrusted_certificate_is_refused_with_the_fix_and_no_switch_turns_that_off()
        {
            await using HttpTestServer tls = await HttpTestServer.StartAsync(https: true);
            tls.Add("/file.bin", HttpTestServer.RandomBytes(1000));
            string url = tls.Url("/file.bin?token=SECRET").ToString();
            string destination = _temp.File("file.bin");

            ProcessRunner.Outcome refused = Streamfiles("receive", "--no-progress", url, destination);

            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("[HttpTlsError]", refused.Error, StringComparison.Ordinal);
            Assert.Contains("trust store", refused.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("SECRET", refused.Output + refused.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(destination));
            Assert.False(File.Exists(destination + ".partial"));
            foreach (string option in new[] { "--insecure", "-k", "--skip-certificate-check", "--no-check-certificate" })
            {
                ProcessRunner.Outcome bypass = Streamfiles("receive", "--no-progress", option, url, destination);
                Assert.True(bypass.ExitCode == 2, $"{option}: exit {bypass.ExitCode} {bypass.Error}");
            }

            Assert.Empty(tls.Requests);
            Assert.False(File.Exists(destination));
        }

        /// <summary>Usage errors (exit 2); a header or credential the tool cannot use has the cmdlets' condition, InvalidHttpOption.</summary>
        [Theory]
        [InlineData("--header", "no colon here", "InvalidHttpOption")]
        [InlineData("--header", "Range: bytes=0-1", "InvalidHttpOption")]
        [InlineData("--header", "Host: elsewhere", "InvalidHttpOption")]
        [InlineData("--upload-checksum", "crc", "InvalidArgument")]
        public void Malformed_http_options_are_usage_errors(string option, string value, string condition)
        {
            string file = _temp.RandomFile("x.bin", 10);

            ProcessRunner.Outcome outcome = Streamfiles("send", "--no-progress", option, value, file, _server.Url("/x.bin").ToString());

            Assert.Equal(2, outcome.ExitCode);
            Assert.StartsWith("streamfiles: [" + condition + "] ", outcome.Error, StringComparison.Ordinal);
            Assert.Empty(_server.Requests);
        }

        /// <summary>A header or credential that cannot be used names the option, in the shell's spelling (a probe).</summary>
        [Theory]
        [InlineData("'Bad Name' is not a valid header name in --header:", "--header", "Bad Name: v")]
        [InlineData("Give either a credential (--user) or an Authorization header (--header), not both.", "--user", "someone:pw", "--header", "Authorization: Bearer x")]
        public void Http_option_errors_name_the_option(string expected, params string[] options)
        {
            string file = _temp.RandomFile("x.bin", 10);

            ProcessRunner.Outcome outcome = Streamfiles(new[] { "send", "--no-progress" }.Concat(options).Concat(new[] { file, _server.Url("/x.bin").ToString() }).ToArray());

            Assert.Equal(2, outcome.ExitCode);
            Assert.Contains("[InvalidHttpOption] " + expected, outcome.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("-Headers", outcome.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("pw", outcome.Error.Replace("--", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }
}
