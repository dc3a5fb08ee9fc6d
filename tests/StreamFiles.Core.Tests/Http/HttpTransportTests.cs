using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage.Http;

namespace StreamFiles.Core.Tests.Http
{
    /// <summary>The request layer against a real Kestrel: retries, Retry-After, redirects, credentials, TLS, timeouts.</summary>
    public sealed class HttpTransportTests : IAsyncLifetime
    {
        private HttpTestServer _server = null!;
        private readonly ConcurrentQueue<string> _log = new ConcurrentQueue<string>();

        public async Task InitializeAsync() => _server = await HttpTestServer.StartAsync();

        public async Task DisposeAsync() => await _server.DisposeAsync();

        internal static HttpSettings Fast(
            int maxRetries = 3,
            IReadOnlyDictionary<string, string>? headers = null,
            HttpCredential? credential = null,
            TimeSpan? stall = null,
            TimeSpan? maxRetryAfter = null,
            int maxRedirects = 10) =>
            new HttpSettings(
                headers: headers,
                credential: credential,
                maxRetries: maxRetries,
                retryDelay: TimeSpan.FromMilliseconds(20),
                stallTimeout: stall ?? TimeSpan.FromSeconds(20),
                responseTimeout: TimeSpan.FromSeconds(20),
                connectTimeout: TimeSpan.FromSeconds(5),
                maxRetryAfter: maxRetryAfter,
                maxRedirects: maxRedirects);

        private HttpTransport Transport(HttpSettings settings) => new HttpTransport(settings, _log.Enqueue);

        private static Task<HttpResponseMessage> Get(HttpTransport transport, Uri uri, Action<HttpRequestMessage>? configure = null) =>
            transport.SendAsync(HttpMethod.Get, uri, configure, null, null, CancellationToken.None);

        [Theory]
        [InlineData(503)]
        [InlineData(429)]
        [InlineData(500)]
        [InlineData(408)]
        public async Task Retryable_statuses_are_retried_until_the_server_recovers(int status)
        {
            TestResource resource = _server.Add("/flaky", HttpTestServer.RandomBytes(100));
            resource.FailTimes = 2;
            resource.FailStatus = status;
            using HttpTransport transport = Transport(Fast());

            using HttpResponseMessage response = await Get(transport, _server.Url("/flaky"));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(3, resource.RequestCount);
            Assert.Equal(2, _log.Count(l => l.Contains("Retry", StringComparison.Ordinal)));
        }

        [Fact]
        public async Task Retry_after_seconds_is_honoured()
        {
            TestResource resource = _server.Add("/busy", HttpTestServer.RandomBytes(10));
            resource.FailTimes = 1;
            resource.FailStatus = 429;
            resource.RetryAfter = "1";
            using HttpTransport transport = Transport(Fast());

            var clock = Stopwatch.StartNew();
            using HttpResponseMessage response = await Get(transport, _server.Url("/busy"));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"waited only {clock.Elapsed}");
            Assert.Contains(_log, l => l.Contains("429", StringComparison.Ordinal) && l.Contains("in 1.0 s", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Retry_after_longer_than_allowed_fails_at_once()
        {
            TestResource resource = _server.Add("/later", HttpTestServer.RandomBytes(10));
            resource.FailTimes = 10;
            resource.FailStatus = 503;
            resource.RetryAfter = "3600";
            using HttpTransport transport = Transport(Fast(maxRetryAfter: TimeSpan.FromSeconds(30)));

            var error = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, _server.Url("/later")));

            Assert.Equal("HttpServerUnavailable", error.Condition);
            Assert.Equal(1, resource.RequestCount);
            // Why it was not retried (a probe: it said the server "kept failing" after one request).
            Assert.Contains("asked to wait 3600 s before trying again (Retry-After), longer than the 30 s", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task A_server_that_keeps_failing_fails_after_the_retries()
        {
            TestResource resource = _server.Add("/down", HttpTestServer.RandomBytes(10));
            resource.FailTimes = 100;
            using HttpTransport transport = Transport(Fast(maxRetries: 2));

            var error = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, _server.Url("/down")));

            Assert.Equal("HttpServerUnavailable", error.Condition);
            Assert.Equal(FailureCategory.ResourceUnavailable, error.Category);
            Assert.Equal(3, resource.RequestCount);
            Assert.Contains("503", error.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(404, "HttpNotFound")]
        [InlineData(403, "HttpForbidden")]
        [InlineData(401, "HttpUnauthorized")]
        [InlineData(501, "HttpStatusError")] // not "the server kept failing; try again later": it will never do this
        [InlineData(405, "HttpStatusError")]
        public async Task Permanent_statuses_are_not_retried(int status, string condition)
        {
            TestResource resource = _server.Add("/no", HttpTestServer.RandomBytes(10));
            resource.FailTimes = 100;
            resource.FailStatus = status;
            using HttpTransport transport = Transport(Fast());

            var error = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, _server.Url("/no")));

            Assert.Equal(condition, error.Condition);
            Assert.Equal(1, resource.RequestCount);
            Assert.False(error.IsTransient);
            Assert.DoesNotContain("try again later", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task Connection_refused_is_retried_then_reported()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            using HttpTransport transport = Transport(Fast(maxRetries: 2));

            var error = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, new Uri($"http://127.0.0.1:{port}/x?token=SECRET")));

            Assert.Equal("HttpConnectionFailed", error.Condition);
            Assert.False(error.IsTransient); // retried here already; the engine must not multiply the waits
            Assert.Contains("gave up after 2 retries", error.Message, StringComparison.Ordinal);
            Assert.Equal(2, _log.Count);
            Assert.DoesNotContain("SECRET", error.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(301)]
        [InlineData(302)]
        [InlineData(303)]
        [InlineData(307)]
        [InlineData(308)]
        public async Task Redirects_are_followed(int status)
        {
            byte[] content = HttpTestServer.RandomBytes(1000);
            _server.Add("/target", content);
            _server.Redirect("/hop2", "/target", status);
            _server.Redirect("/hop1", _server.Url("/hop2").ToString(), status);
            using HttpTransport transport = Transport(Fast());

            using HttpResponseMessage response = await Get(transport, _server.Url("/hop1"));

            Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
        }

        [Fact]
        public async Task Redirects_beyond_the_limit_fail()
        {
            _server.Redirect("/loop", "/loop");
            using HttpTransport transport = Transport(Fast(maxRedirects: 5));

            var error = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, _server.Url("/loop?sig=SECRET")));

            Assert.Equal("HttpTooManyRedirects", error.Condition);
            Assert.Equal(6, _server.RequestsTo("/loop").Count);
            Assert.DoesNotContain("SECRET", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task A_redirect_to_another_origin_does_not_carry_secrets()
        {
            await using HttpTestServer other = await HttpTestServer.StartAsync();
            other.Add("/file", HttpTestServer.RandomBytes(10));
            _server.Redirect("/away", other.Url("/file").ToString());
            // Beyond Authorization, cookies and names with token, key or secret: the other names a probe saw carried
            // along (X-Password, X-Signature, X-Session, Authentication) and their kin.
            string[] secret = { "Authorization", "X-Api-Key", "X-Auth-Token", "X-Password", "X-Passwd", "X-Signature", "X-Session", "Authentication", "X-Credential" };
            var headers = secret.ToDictionary(name => name, name => "TOPSECRET-" + name);
            headers["X-Trace"] = "keep-me";
            using HttpTransport transport = Transport(Fast(headers: headers));

            using HttpResponseMessage response = await Get(transport, _server.Url("/away"));

            Assert.Equal("TOPSECRET-Authorization", _server.RequestsTo("/away").Single().Header("Authorization"));
            Assert.Equal("TOPSECRET-X-Session", _server.RequestsTo("/away").Single().Header("X-Session"));
            RecordedRequest redirected = other.RequestsTo("/file").Single();
            Assert.All(secret, name => Assert.Null(redirected.Header(name)));
            Assert.Equal("keep-me", redirected.Header("X-Trace"));
        }

        [Fact]
        public async Task A_credential_over_plain_http_is_refused_before_any_request()
        {
            _server.Add("/private", HttpTestServer.RandomBytes(10));
            using HttpTransport transport = Transport(Fast(credential: new HttpCredential("admin", "pa55word")));

            var error = await Assert.ThrowsAsync<CommandFailureException>(() => Get(transport, _server.Url("/private")));

            Assert.Equal("HttpCredentialNeedsHttps", error.Error.Condition);
            Assert.Equal(FailureCategory.SecurityError, error.Error.Category);
            Assert.Empty(_server.Requests);
            Assert.DoesNotContain("pa55word", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task A_password_in_the_url_is_refused()
        {
            using HttpTransport transport = Transport(Fast());

            var error = await Assert.ThrowsAsync<CommandFailureException>(() => Get(transport, new Uri(_server.BaseUri.ToString().Replace("http://", "http://u:pa55word@", StringComparison.Ordinal) + "x")));

            Assert.Equal("HttpCredentialInUrl", error.Error.Condition);
            Assert.DoesNotContain("pa55word", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task An_untrusted_certificate_fails_without_retries()
        {
            await using HttpTestServer tls = await HttpTestServer.StartAsync(https: true);
            tls.Add("/file", HttpTestServer.RandomBytes(10));
            using HttpTransport transport = Transport(Fast());

            var error = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, tls.Url("/file")));

            Assert.Equal("HttpTlsError", error.Condition);
            Assert.Equal(FailureCategory.SecurityError, error.Category);
            Assert.False(error.IsTransient);
            Assert.Empty(_log);
            Assert.Empty(tls.Requests);
            // The message names the fix (trust the issuer), not a way around validation.
            Assert.Contains(tls.Url("/file").ToString(), error.Message, StringComparison.Ordinal);
            Assert.Contains("trust store", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("inner exception", error.Message, StringComparison.OrdinalIgnoreCase); // .NET's pointer; the inner text is there
            Assert.Contains("certificate", error.Message.Split('(', 2)[1], StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>
        /// An https:// URL at a port where the server speaks plain HTTP: no handshake came about, and the message says to
        /// use http:// or check the port, not to install a CA (a probe).
        /// </summary>
        [Fact]
        public async Task An_https_url_at_a_plain_http_port_says_to_use_http()
        {
            _server.Add("/plain", HttpTestServer.RandomBytes(10));
            using HttpTransport transport = Transport(Fast());
            var https = new Uri(_server.Url("/plain").ToString().Replace("http://", "https://", StringComparison.Ordinal));

            var error = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, https));

            Assert.Equal("HttpTlsError", error.Condition);
            Assert.False(error.IsTransient);
            Assert.Contains("did not complete a TLS handshake", error.Message, StringComparison.Ordinal);
            Assert.Contains("use an http:// URL", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("trust store", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Nothing_public_can_switch_certificate_validation_off()
        {
            // The only way to trust another certificate is internal, for these tests; a caller of the library,
            // the cmdlets (whose parameters TransferCmdletContractTests pins exactly) and the CLI have none.
            string[] suspicious = { "certificate", "validat", "insecure", "trust", "ssl", "tls", "callback" };
            var members = typeof(HttpSettings).GetMembers().Concat(typeof(HttpStorage).GetMembers())
                .Select(m => m.Name)
                .Concat(typeof(HttpSettings).GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.Name!))
                .ToList();
            Assert.Contains("ConnectTimeout", members); // the reflection sees the public surface
            Assert.DoesNotContain(members, name => suspicious.Any(word => name.Contains(word, StringComparison.OrdinalIgnoreCase)));
            System.Reflection.PropertyInfo extra = typeof(HttpSettings).GetProperty(nameof(HttpSettings.ExtraTrustedCertificate), System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!;
            Assert.True(extra.GetSetMethod(nonPublic: true)!.IsAssembly);
        }

        [Fact]
        public async Task A_credential_goes_to_its_origin_and_never_where_a_redirect_leads()
        {
            await using HttpTestServer origin = await HttpTestServer.StartAsync(https: true);
            await using HttpTestServer other = await HttpTestServer.StartAsync(https: true, certificate: origin.Certificate);
            byte[] content = HttpTestServer.RandomBytes(100);
            origin.Redirect("/start", "/hop").RequiredCredential = "admin:pa55word";
            origin.Redirect("/hop", other.Url("/file").ToString()).RequiredCredential = "admin:pa55word";
            other.Add("/file", content);
            other.Add("/private", content).RequiredCredential = "admin:pa55word";
            origin.Redirect("/to-private", other.Url("/private").ToString()).RequiredCredential = "admin:pa55word";
            HttpSettings settings = Fast(credential: new HttpCredential("admin", "pa55word"));
            settings.ExtraTrustedCertificate = origin.Certificate;
            using HttpTransport transport = Transport(settings);

            using HttpResponseMessage response = await Get(transport, origin.Url("/start"));
            var refused = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, origin.Url("/to-private")));

            Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
            string basic = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:pa55word"));
            Assert.Equal(basic, origin.RequestsTo("/start").Single().Header("Authorization"));
            Assert.Equal(basic, origin.RequestsTo("/hop").Single().Header("Authorization")); // same origin: still sent
            Assert.Null(other.RequestsTo("/file").Single().Header("Authorization"));
            Assert.Null(other.RequestsTo("/private").Single().Header("Authorization"));
            Assert.Equal("HttpUnauthorized", refused.Condition);
            string everything = string.Join("\n", _log) + refused + refused.Target;
            Assert.DoesNotContain("pa55word", everything, StringComparison.Ordinal);
            Assert.DoesNotContain(basic.Substring(6), everything, StringComparison.Ordinal);
        }

        [Fact]
        public async Task Retry_after_as_an_http_date_is_honoured()
        {
            TestResource resource = _server.Add("/dated-busy", HttpTestServer.RandomBytes(10));
            resource.FailTimes = 1;
            resource.FailStatus = 503;
            // Whole seconds: two seconds from now, cut to the second, is a wait of more than one second.
            resource.RetryAfter = DateTimeOffset.UtcNow.AddSeconds(2).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            using HttpTransport transport = Transport(Fast());

            var clock = Stopwatch.StartNew();
            using HttpResponseMessage response = await Get(transport, _server.Url("/dated-busy"));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(2, resource.RequestCount);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"waited only {clock.Elapsed}");
        }

        [Fact]
        public async Task A_connection_that_is_never_accepted_times_out_and_is_retried()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(0);
            var fillers = new List<Socket>();
            try
            {
                // Nothing accepts: once the listen queue is full, the kernel drops further SYNs and a connect hangs.
                while (true)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    fillers.Add(socket);
                    Task connect = socket.ConnectAsync(listener.LocalEndPoint!);
                    if (await Task.WhenAny(connect, Task.Delay(1500)) != connect)
                    {
                        break;
                    }

                    Assert.True(fillers.Count < 64, "the listen queue never filled");
                }

                int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
                var settings = new HttpSettings(connectTimeout: TimeSpan.FromMilliseconds(400), responseTimeout: TimeSpan.FromSeconds(30), maxRetries: 1, retryDelay: TimeSpan.FromMilliseconds(10));
                using HttpTransport transport = Transport(settings);

                var clock = Stopwatch.StartNew();
                var error = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, new Uri($"http://127.0.0.1:{port}/x?token=SECRET")));

                Assert.Equal("HttpTimeout", error.Condition);
                Assert.Equal(FailureCategory.OperationTimeout, error.Category);
                Assert.Contains("connect", error.Message, StringComparison.OrdinalIgnoreCase);
                Assert.Contains("gave up after 1 retries", error.Message, StringComparison.Ordinal);
                Assert.Single(_log);
                Assert.DoesNotContain("SECRET", error.Message + string.Join("\n", _log), StringComparison.Ordinal);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}: the 30 s response timeout, not the 0.4 s connect timeout");
            }
            finally
            {
                fillers.ForEach(s => s.Dispose());
            }
        }

        [Fact]
        public async Task Basic_auth_works_over_https()
        {
            await using HttpTestServer tls = await HttpTestServer.StartAsync(https: true);
            byte[] content = HttpTestServer.RandomBytes(100);
            tls.Add("/private", content).RequiredCredential = "admin:pa55word";
            HttpSettings settings = Fast(credential: new HttpCredential("admin", "pa55word"));
            settings.ExtraTrustedCertificate = tls.Certificate;
            using HttpTransport transport = Transport(settings);

            using HttpResponseMessage response = await Get(transport, tls.Url("/private"));

            Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
        }

        [Fact]
        public async Task A_wrong_password_is_an_authentication_error()
        {
            await using HttpTestServer tls = await HttpTestServer.StartAsync(https: true);
            tls.Add("/private", HttpTestServer.RandomBytes(100)).RequiredCredential = "admin:right";
            HttpSettings settings = Fast(credential: new HttpCredential("admin", "wrong"));
            settings.ExtraTrustedCertificate = tls.Certificate;
            using HttpTransport transport = Transport(settings);

            var error = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, tls.Url("/private")));

            Assert.Equal("HttpUnauthorized", error.Condition);
            Assert.Equal(FailureCategory.AuthenticationError, error.Category);
        }

        [Fact]
        public async Task A_redirect_from_https_to_http_is_refused()
        {
            await using HttpTestServer tls = await HttpTestServer.StartAsync(https: true);
            _server.Add("/plain", HttpTestServer.RandomBytes(10));
            tls.Redirect("/down", _server.Url("/plain").ToString());
            HttpSettings settings = Fast();
            settings.ExtraTrustedCertificate = tls.Certificate;
            using HttpTransport transport = Transport(settings);

            var error = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, tls.Url("/down")));

            Assert.Equal("HttpInsecureRedirect", error.Condition);
            Assert.Empty(_server.Requests);
        }

        [Fact]
        public async Task A_server_that_never_answers_times_out_and_is_retried()
        {
            TestResource resource = _server.Add("/hang", HttpTestServer.RandomBytes(10));
            resource.HeaderDelay = TimeSpan.FromSeconds(30);
            // A second, not less: under load a retried request can take longer than 300 ms to reach the server at all.
            var settings = new HttpSettings(responseTimeout: TimeSpan.FromSeconds(1), maxRetries: 1, retryDelay: TimeSpan.FromMilliseconds(10));
            using HttpTransport transport = Transport(settings);

            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, _server.Url("/hang")));

            Assert.Equal("HttpTimeout", error.Condition);
            Assert.Equal(FailureCategory.OperationTimeout, error.Category);
            Assert.Equal(2, resource.RequestCount);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        }

        [Fact]
        public void A_deadline_counts_as_expired_before_any_other_callback_of_its_token_runs()
        {
            // HttpClient registers on the token after the timer exists, and a token runs its callbacks newest first:
            // the request ends (and the catch filter asks Expired) before a callback of the timer's own would run.
            var settings = new HttpSettings(responseTimeout: TimeSpan.FromMilliseconds(50));
            using var timer = new HttpTransport.RequestTimer(settings, CancellationToken.None);
            string? seen = "never called";
            using var called = new ManualResetEventSlim();
            using CancellationTokenRegistration registration = timer.Token.Register(() =>
            {
                seen = timer.Expired;
                called.Set();
            });

            timer.AwaitResponse();

            Assert.True(called.Wait(TimeSpan.FromSeconds(10)), "the deadline never passed");
            Assert.StartsWith("no response within", seen);
        }

        [Fact]
        public void A_cancelled_caller_is_not_a_timeout()
        {
            using var caller = new CancellationTokenSource();
            using var timer = new HttpTransport.RequestTimer(new HttpSettings(responseTimeout: TimeSpan.FromSeconds(30)), caller.Token);
            timer.AwaitResponse();

            caller.Cancel();

            Assert.True(timer.Token.IsCancellationRequested);
            Assert.Null(timer.Expired);
        }

        [Fact]
        public async Task A_stalled_body_times_out()
        {
            TestResource resource = _server.Add("/stall", HttpTestServer.RandomBytes(1 << 20));
            resource.StallAfter = 100_000;
            using HttpTransport transport = Transport(Fast(stall: TimeSpan.FromMilliseconds(500)));
            using HttpResponseMessage response = await Get(transport, _server.Url("/stall"));
            using Stream body = await HttpBodyStream.OpenAsync(response, 1 << 20, transport.Settings.StallTimeout, "http://x/stall");

            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<HttpTransferException>(() => body.CopyToAsync(Stream.Null));

            Assert.Equal("HttpBodyStalled", error.Condition);
            Assert.True(error.IsTransient);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        }

        [Theory]
        [InlineData(false, false)]
        [InlineData(true, false)]
        [InlineData(false, true)]
        public async Task A_body_that_ends_early_is_truncation_never_success(bool chunked, bool lie)
        {
            TestResource resource = _server.Add("/cut", HttpTestServer.RandomBytes(1 << 20));
            resource.Chunked = chunked;
            if (lie)
            {
                resource.ExtraClaimedLength = 1000;
            }
            else
            {
                resource.DropAfter = 300_000;
            }

            using HttpTransport transport = Transport(Fast());
            using HttpResponseMessage response = await Get(transport, _server.Url("/cut"));
            using Stream body = await HttpBodyStream.OpenAsync(response, lie ? (1 << 20) + 1000 : response.Content.Headers.ContentLength, transport.Settings.StallTimeout, "http://x/cut");

            var error = await Assert.ThrowsAsync<HttpTransferException>(() => body.CopyToAsync(Stream.Null));

            Assert.Equal("HttpBodyTruncated", error.Condition);
            Assert.True(error.IsTransient);
        }

        [Fact]
        public async Task Secrets_never_appear_in_messages_or_logs()
        {
            TestResource resource = _server.Add("/secret", HttpTestServer.RandomBytes(10));
            resource.FailTimes = 100;
            resource.FailStatus = 403;
            var headers = new Dictionary<string, string> { ["Authorization"] = "Bearer TOPSECRET" };
            using HttpTransport transport = Transport(Fast(headers: headers));
            TestResource busy = _server.Add("/busy", HttpTestServer.RandomBytes(10));
            busy.FailTimes = 100;

            var forbidden = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, _server.Url("/secret?X-Amz-Signature=SIGSECRET&token=TOPSECRET")));
            var unavailable = await Assert.ThrowsAsync<HttpTransferException>(() => Get(transport, _server.Url("/busy?X-Amz-Signature=SIGSECRET#frag")));

            string everything = string.Join("\n", _log) + forbidden + forbidden.Target + unavailable + unavailable.Target + forbidden.ToError().Message;
            Assert.DoesNotContain("SECRET", everything, StringComparison.Ordinal);
            Assert.Contains(_server.Url("/secret").ToString(), forbidden.Message, StringComparison.Ordinal);
            Assert.Equal("Bearer TOPSECRET", _server.RequestsTo("/secret").First().Header("Authorization"));
        }
    }
}
