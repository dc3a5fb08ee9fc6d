using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Http;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.Http
{
    /// <summary>
    /// Receive and Send with HTTP(S) URLs through the host-agnostic operation, as the cmdlets and the CLI run
    /// them: file names for a directory destination, and everything a host could show captured and searched
    /// for secrets.
    /// </summary>
    public sealed class HttpOperationTests : IAsyncLifetime
    {
        private readonly TempDirectory _temp = new TempDirectory();
        private HttpTestServer _server = null!;

        public async Task InitializeAsync() => _server = await HttpTestServer.StartAsync();

        public async Task DisposeAsync()
        {
            await _server.DisposeAsync();
            _temp.Dispose();
        }

        private static CapturingSink Run(TransferDirection direction, IEnumerable<string> sources, string destination, HttpSettings? settings = null, TransferOptions? options = null)
        {
            var sink = new CapturingSink();
            TransferOperation? running = null;
            StorageRegistry registry = StorageRegistry.CreateDefault().RegisterHttp(settings ?? HttpTransportTests.Fast(), message => running?.PostVerbose(message));
            using var operation = new TransferOperation(
                direction,
                Location.Parse(destination),
                recurse: false,
                options ?? new TransferOptions(partSize: 1024 * 1024, retryDelay: TimeSpan.FromMilliseconds(10)),
                new OperationSettings(4, reportProgress: true, progressInterval: TimeSpan.FromMilliseconds(1), statusInterval: TimeSpan.FromMilliseconds(1)),
                CancellationToken.None,
                registry);
            running = operation;
            foreach (string source in sources)
            {
                operation.SubmitSource(new TransferRequest(source), sink);
            }

            operation.Complete(sink);
            return sink;
        }

        [Fact]
        public void Into_a_directory_the_server_name_is_used_made_safe()
        {
            byte[] content = HttpTestServer.RandomBytes(3 * 1024 * 1024);
            _server.Add("/download", content).ContentDisposition = "attachment; filename=\"../../../etc/cron.d/report 2024.csv\"";
            _server.Add("/files/plain name.bin", content); // Kestrel matches the decoded path
            string directory = _temp.Path + "/";

            CapturingSink sink = Run(TransferDirection.Receive, new[] { _server.Url("/download?token=SECRET").ToString(), _server.Url("/files/plain%20name.bin").ToString() }, directory);

            Assert.Empty(sink.Errors);
            Assert.Equal(content, File.ReadAllBytes(_temp.File("report 2024.csv")));
            Assert.Equal(content, File.ReadAllBytes(_temp.File("plain name.bin")));
            Assert.Equal(new[] { "plain name.bin", "report 2024.csv" }, Directory.GetFiles(_temp.Path).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
        }

        [Theory]
        [InlineData("attachment; filename=\"NUL\"")]
        [InlineData("attachment; filename=\"..\"")]
        [InlineData("attachment; filename*=UTF-8''bell%07.txt")]
        public void A_server_name_that_cannot_be_made_safe_fails_that_file(string disposition)
        {
            _server.Add("/hostile", HttpTestServer.RandomBytes(1000)).ContentDisposition = disposition;

            CapturingSink sink = Run(TransferDirection.Receive, new[] { _server.Url("/hostile").ToString() }, _temp.Path + "/");

            Assert.Equal("UnsafeFileName", Assert.Single(sink.Errors).Condition);
            Assert.Empty(Directory.GetFiles(_temp.Path));
        }

        [Fact]
        public void A_file_name_destination_needs_no_server_name()
        {
            byte[] content = HttpTestServer.RandomBytes(1000);
            _server.Add("/hostile", content).ContentDisposition = "attachment; filename=\"CON\"";

            CapturingSink sink = Run(TransferDirection.Receive, new[] { _server.Url("/hostile").ToString() }, _temp.File("chosen.bin"));

            Assert.Empty(sink.Errors);
            Assert.Equal(content, File.ReadAllBytes(_temp.File("chosen.bin")));
        }

        [Fact]
        public void A_missing_url_is_source_not_found()
        {
            CapturingSink sink = Run(TransferDirection.Receive, new[] { _server.Url("/nothing?sig=SECRET").ToString() }, _temp.Path + "/");

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("SourceNotFound", error.Condition);
            Assert.DoesNotContain("SECRET", sink.Everything(), StringComparison.Ordinal);

            // The failed result names where the file would have gone, as a copied file's result does.
            TransferResult failed = Assert.IsType<TransferResult>(Assert.Single(sink.Results));
            Assert.Equal(TransferStatus.Failed, failed.Status);
            Assert.Equal(_temp.File("nothing"), failed.Destination);
            Assert.DoesNotContain("-LiteralPath", error.Message, StringComparison.Ordinal); // a path's advice, not a URL's
        }

        [Fact]
        public void Upload_to_a_put_url_and_refusal_to_overwrite()
        {
            string file = _temp.RandomFile("up.bin", 2 * 1024 * 1024);
            _server.AcceptUploads("/bucket/up.bin");
            string url = _server.Url("/bucket/up.bin?X-Amz-Signature=SIGSECRET").ToString();

            CapturingSink first = Run(TransferDirection.Send, new[] { file }, url);
            CapturingSink second = Run(TransferDirection.Send, new[] { file }, url);

            Assert.Empty(first.Errors);
            Assert.Equal(File.ReadAllBytes(file), _server.Uploads["/bucket/up.bin"]);
            CommandError exists = Assert.Single(second.Errors);
            Assert.Equal("DestinationExists", exists.Condition);
            Assert.Contains("refused to replace it", exists.Message, StringComparison.Ordinal); // not "it appeared while the file was being copied"
            Assert.DoesNotContain("appeared", exists.Message, StringComparison.Ordinal);
            Assert.Contains("cannot compare with an HTTP destination", exists.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("SECRET", first.Everything() + second.Everything(), StringComparison.Ordinal);
        }

        /// <summary>
        /// A PUT URL cannot be read back: with Verify the upload completes unverified (the hosts warn of it) instead of
        /// failing after the object was stored, which made a retrying script meet DestinationExists.
        /// </summary>
        [Fact]
        public void Verify_leaves_an_upload_to_a_put_url_unverified_rather_than_failed()
        {
            string file = _temp.RandomFile("checked.bin", 1500 * 1024);
            _server.AcceptUploads("/bucket/checked.bin");
            string url = _server.Url("/bucket/checked.bin?X-Amz-Signature=SIGSECRET").ToString();

            CapturingSink sink = Run(TransferDirection.Send, new[] { file }, url, options: new TransferOptions(partSize: 1024 * 1024, verify: true));

            Assert.Empty(sink.Errors);
            TransferResult result = Assert.IsType<TransferResult>(Assert.Single(sink.Results));
            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.False(result.Verified);
            Assert.Equal(File.ReadAllBytes(file), _server.Uploads["/bucket/checked.bin"]);
        }

        [Fact]
        public void Nothing_a_host_shows_carries_the_query_or_the_authorization_header()
        {
            byte[] content = HttpTestServer.RandomBytes(4 * 1024 * 1024);
            TestResource flaky = _server.Add("/signed/ok.bin", content);
            flaky.FailTimes = 1;
            flaky.RetryAfter = "0";
            _server.Add("/signed/forbidden.bin", content).FailTimes = 100;
            TestResource forbidden = _server.Add("/signed/denied.bin", content);
            forbidden.FailTimes = 100;
            forbidden.FailStatus = 403;
            TestResource broken = _server.Add("/signed/broken.bin", content);
            broken.DropAfter = 1_500_000;
            string query = "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASECRET%2F20240501&X-Amz-Signature=SIGSECRET";
            var headers = new Dictionary<string, string> { ["Authorization"] = "Bearer TOPSECRET", ["X-Api-Key"] = "KEYSECRET" };
            var settings = HttpTransportTests.Fast(maxRetries: 1, headers: headers);

            CapturingSink sink = Run(
                TransferDirection.Receive,
                new[] { "ok.bin", "forbidden.bin", "denied.bin", "broken.bin" }.Select(n => _server.Url("/signed/" + n + query).ToString()),
                _temp.Path + "/",
                settings,
                new TransferOptions(partSize: 1024 * 1024, retryDelay: TimeSpan.FromMilliseconds(10), maxAttempts: 2));

            Assert.Equal(3, sink.Errors.Count);
            Assert.Equal(content, File.ReadAllBytes(_temp.File("ok.bin")));
            Assert.Contains(sink.Verbose, line => line.Contains("Retry 1 of 1", StringComparison.Ordinal));
            // A part the engine retries (the broken body) says so too, naming the file and the part.
            Assert.Contains(sink.Verbose, line => line.Contains("broken.bin' -> '", StringComparison.Ordinal) && line.Contains("copying part", StringComparison.Ordinal) && line.Contains("Retry 1 of 1", StringComparison.Ordinal));
            Assert.NotEmpty(sink.Progress);
            string everything = sink.Everything();
            Assert.Contains(_server.Url("/signed/ok.bin").ToString(), everything, StringComparison.Ordinal);
            Assert.DoesNotContain("SECRET", everything, StringComparison.Ordinal);
            Assert.DoesNotContain("X-Amz-Signature", everything, StringComparison.Ordinal);
        }

        /// <summary>A URL that failed when first asked, after the HTTP layer's retries: the failed result counts the tries and the time they took.</summary>
        [Fact]
        public void A_source_that_fails_when_first_asked_counts_its_tries_and_time()
        {
            TestResource down = _server.Add("/down.bin", HttpTestServer.RandomBytes(1000));
            down.FailTimes = 100;
            down.RetryAfter = "0";

            CapturingSink sink = Run(TransferDirection.Receive, new[] { _server.Url("/down.bin").ToString() }, _temp.Path + "/", HttpTransportTests.Fast(maxRetries: 2));

            Assert.Equal("HttpServerUnavailable", Assert.Single(sink.Errors).Condition);
            TransferResult failed = Assert.IsType<TransferResult>(Assert.Single(sink.Results));
            Assert.Equal(3, failed.Attempts);
            Assert.True(failed.Duration > TimeSpan.Zero);
            Assert.Equal(_temp.File("down.bin"), failed.Destination);
        }

        /// <summary>A 503 that the HTTP layer retried during the transfer counts in Attempts, as a part the engine retried does.</summary>
        [Fact]
        public void A_request_the_http_layer_retried_counts_in_attempts()
        {
            byte[] content = HttpTestServer.RandomBytes(2 * 1024 * 1024);
            TestResource flaky = _server.Add("/flaky.bin", content);
            flaky.FailFromRequest = 2; // the stat's request goes through; the first range gets a 503
            flaky.FailTimes = 1;
            flaky.RetryAfter = "0";

            CapturingSink sink = Run(TransferDirection.Receive, new[] { _server.Url("/flaky.bin").ToString() }, _temp.Path + "/", HttpTransportTests.Fast(maxRetries: 2), new TransferOptions(partSize: 4 * 1024 * 1024));

            Assert.Empty(sink.Errors);
            Assert.Equal(content, File.ReadAllBytes(_temp.File("flaky.bin")));
            Assert.Equal(2, Assert.Single(sink.Results.OfType<TransferResult>()).Attempts);
        }

        /// <summary>
        /// 503s to the first request (the look at the source) count too, in a download that then succeeds (a probe:
        /// Attempts stayed 1; only a failed look counted them).
        /// </summary>
        [Fact]
        public void Requests_retried_while_the_source_was_looked_at_count_in_attempts()
        {
            byte[] content = HttpTestServer.RandomBytes(100_000);
            TestResource busy = _server.Add("/busy.bin", content);
            busy.FailTimes = 2;
            busy.RetryAfter = "0";

            CapturingSink sink = Run(TransferDirection.Receive, new[] { _server.Url("/busy.bin").ToString() }, _temp.Path + "/", HttpTransportTests.Fast(maxRetries: 3));

            Assert.Empty(sink.Errors);
            Assert.Equal(content, File.ReadAllBytes(_temp.File("busy.bin")));
            Assert.Equal(3, Assert.Single(sink.Results.OfType<TransferResult>()).Attempts);
        }

        /// <summary>Keeps everything an operation hands a host, and can print all of it (public properties, recursively).</summary>
        private sealed class CapturingSink : ICommandSink
        {
            public List<object> Results { get; } = new List<object>();

            public List<CommandError> Errors { get; } = new List<CommandError>();

            public List<ProgressReport> Progress { get; } = new List<ProgressReport>();

            public List<string> Verbose { get; } = new List<string>();

            public bool ShouldProcess(string target, string action)
            {
                Verbose.Add("ShouldProcess " + target + " " + action);
                return true;
            }

            public void WriteResult(object result)
            {
                TestCapture.Sink("result", result);
                Results.Add(result);
            }

            public void WriteError(CommandError error)
            {
                TestCapture.Sink("error", error);
                Errors.Add(error);
            }

            public void WriteProgress(ProgressReport report)
            {
                TestCapture.Sink("progress", report);
                Progress.Add(report);
            }

            public void WriteVerbose(string message)
            {
                TestCapture.Record("sink verbose", message);
                lock (Verbose)
                {
                    Verbose.Add(message);
                }
            }

            public string Everything()
            {
                var text = new StringBuilder();
                foreach (object item in Results.Concat(Errors).Concat(Progress).Concat(Verbose))
                {
                    Dump(item, text, 0);
                }

                foreach (CommandError error in Errors)
                {
                    text.AppendLine(error.Exception?.ToString());
                }

                return text.ToString();
            }

            private static void Dump(object? value, StringBuilder text, int depth)
            {
                if (value is null || depth > 3)
                {
                    return;
                }

                text.AppendLine(value.ToString());
                if (value is string || value.GetType().IsPrimitive || value is Exception)
                {
                    return;
                }

                if (value is System.Collections.IEnumerable items)
                {
                    foreach (object? item in items)
                    {
                        Dump(item, text, depth + 1);
                    }

                    return;
                }

                foreach (PropertyInfo property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    if (property.GetIndexParameters().Length == 0)
                    {
                        Dump(property.GetValue(value), text, depth + 1);
                    }
                }
            }
        }
    }
}
