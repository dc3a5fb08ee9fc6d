using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage.Http
{
    /// <summary>
    /// Sends one HTTP request the way every transfer needs it: extra headers and Basic credentials applied
    /// (credentials over HTTPS only, and dropped when a redirect leaves the origin), redirects followed up to
    /// a limit (never from HTTPS down to HTTP), a deadline for the response headers, and retries with
    /// exponential backoff and jitter (Polly.Core) for connection errors, timeouts, 408, 429 and 5xx,
    /// honouring Retry-After. TLS is validated by the system; nothing here can switch that off.
    /// Every message it produces shows URLs redacted: scheme, host, port and path only.
    /// </summary>
    internal sealed class HttpTransport : IDisposable
    {
        private static readonly string UserAgent = "StreamFiles/" + typeof(HttpTransport).Assembly.GetName().Version?.ToString(3);
        private static readonly Regex S3ErrorCode = new Regex("<Code>([A-Za-z0-9.]{1,64})</Code>", RegexOptions.CultureInvariant);

        private readonly HttpClient _client;
        private readonly ResiliencePipeline<HttpResponseMessage> _retries;
        private readonly Action<string>? _log;

        public HttpTransport(HttpSettings settings, Action<string>? log = null)
        {
            Settings = settings ?? throw new ArgumentNullException(nameof(settings));
            _log = log;
            _client = new HttpClient(CreateHandler(settings), disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            _client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
            _retries = CreateRetryPipeline(settings);
        }

        public HttpSettings Settings { get; }

        /// <summary>
        /// Sends a request, following redirects and retrying transient failures, and returns the response with
        /// its headers read and its body not yet read. A status that is not 2xx and that accept does not take
        /// fails as an HttpTransferException after the retries.
        /// </summary>
        /// <param name="configure">Sets per-request headers (Range, If-Range, checksums); called for every attempt.</param>
        /// <param name="content">Creates the request body afresh for every attempt and redirect; null for none.</param>
        public async Task<HttpResponseMessage> SendAsync(
            HttpMethod method,
            Uri uri,
            Action<HttpRequestMessage>? configure,
            Func<RequestTimer, HttpContent>? content,
            Func<HttpResponseMessage, bool>? accept,
            CancellationToken cancellationToken)
        {
            string display = Redact(uri);
            RequireSafeCredentials(uri, display);
            var context = ResilienceContextPool.Shared.Get(cancellationToken);
            try
            {
                context.Properties.Set(RequestKey, new RequestInfo(method, display));
                HttpResponseMessage response;
                try
                {
                    response = await _retries.ExecuteAsync(
                    (ctx, state) => new ValueTask<HttpResponseMessage>(state.Self.SendFollowingRedirectsAsync(state.Method, state.Uri, state.Configure, state.Content, ctx.CancellationToken)),
                    context,
                    (Self: this, Method: method, Uri: uri, Configure: configure, Content: content)).ConfigureAwait(false);
                }
                catch (HttpTransferException e) when (e.IsTransient && Settings.MaxRetries > 0)
                {
                    // Retried here already: the caller retrying as well would multiply the waits.
                    throw new HttpTransferException(e.Condition, e.Category, e.Target,
                        string.Format(CultureInfo.InvariantCulture, "{0} (gave up after {1} retries)", e.Message.TrimEnd('.'), Settings.MaxRetries) + ".",
                        isTransient: false, statusCode: e.StatusCode, inner: e.InnerException ?? e);
                }

                if (response.IsSuccessStatusCode || (accept != null && accept(response)))
                {
                    return response;
                }

                using (response)
                {
                    throw await StatusErrorAsync(method, display, response, Settings.MaxRetryAfter).ConfigureAwait(false);
                }
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        /// <summary>Describes an exception by its messages, innermost detail included, with nothing secret in it.</summary>
        public static string Describe(Exception? exception)
        {
            if (exception is null)
            {
                return "the connection was closed";
            }

            var text = new StringBuilder(WithoutPointer(exception.Message));
            for (Exception? inner = exception.InnerException; inner != null; inner = inner.InnerException)
            {
                string message = WithoutPointer(inner.Message);
                if (message.Length > 0 && text.ToString().IndexOf(message, StringComparison.Ordinal) < 0)
                {
                    text.Append(text.Length > 0 ? ": " : string.Empty).Append(message);
                }
            }

            // .NET's messages name host and port at most; a query string never belongs in them, so cut one if it appears.
            return Regex.Replace(text.ToString(), @"(https?://[^\s?#'""]*)[?#][^\s'""]*", "$1", RegexOptions.CultureInvariant);
        }

        /// <summary>
        /// .NET's "The SSL connection could not be established, see inner exception." points at the inner text, which
        /// follows here anyway: the pointer goes.
        /// </summary>
        private static string WithoutPointer(string? message) =>
            Regex.Replace(message ?? string.Empty, @",? *see inner exception\.?$", string.Empty, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant).TrimEnd('.', ' ');

        /// <summary>The URL as it may be shown: scheme, host, port and path (no query, fragment or user info).</summary>
        public static string Redact(Uri uri) => UriRedaction.Redact(uri);

        /// <summary>
        /// Whether an exception from a request or a body read is worth another try. Only HTTP's own failures
        /// qualify: a local disk error met during the same transfer is never this backend's to retry.
        /// </summary>
        public static bool IsTransient(Exception exception) => exception switch
        {
            HttpTransferException http => http.IsTransient,
            HttpRequestException request => !TlsFailure.Is(request) && FromUploadSource(request) is null,
            _ => false,
        };

        /// <summary>Marks an exception thrown while reading the bytes of an upload: the source's failure, not the server's.</summary>
        internal static Exception MarkUploadSource(Exception exception)
        {
            exception.Data[UploadSourceKey] = true;
            return exception;
        }

        public void Dispose() => _client.Dispose();

        private const string UploadSourceKey = "StreamFiles.UploadSource";

        private static readonly ResiliencePropertyKey<RequestInfo> RequestKey = new ResiliencePropertyKey<RequestInfo>("streamfiles.request");

        private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(
            HttpMethod method,
            Uri uri,
            Action<HttpRequestMessage>? configure,
            Func<RequestTimer, HttpContent>? content,
            CancellationToken cancellationToken)
        {
            Uri current = uri;
            bool sameOrigin = true;
            for (int redirects = 0; ; redirects++)
            {
                HttpResponseMessage response = await SendOnceAsync(method, current, sameOrigin, configure, content, cancellationToken).ConfigureAwait(false);
                if (!IsRedirect(response.StatusCode))
                {
                    return response;
                }

                Uri? location = response.Headers.Location;
                string from = Redact(current);
                response.Dispose();
                if (location is null)
                {
                    throw new HttpTransferException("HttpBadRedirect", FailureCategory.ProtocolError, Redact(uri),
                        $"{method} '{from}' answered with a redirect ({(int)response.StatusCode}) but no Location.", isTransient: false, statusCode: response.StatusCode);
                }

                Uri next = location.IsAbsoluteUri ? location : new Uri(current, location);
                if (redirects + 1 > Settings.MaxRedirects)
                {
                    throw new HttpTransferException("HttpTooManyRedirects", FailureCategory.LimitsExceeded, Redact(uri),
                        string.Format(CultureInfo.InvariantCulture, "{0} '{1}' was redirected more than {2} times (last to '{3}').", method, Redact(uri), Settings.MaxRedirects, Redact(next)),
                        isTransient: false, statusCode: response.StatusCode);
                }

                if (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
                {
                    throw new HttpTransferException("HttpBadRedirect", FailureCategory.ProtocolError, Redact(uri),
                        $"{method} '{from}' was redirected to a '{next.Scheme}:' URL, which StreamFiles does not follow.", isTransient: false, statusCode: response.StatusCode);
                }

                if (current.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp)
                {
                    throw new HttpTransferException("HttpInsecureRedirect", FailureCategory.SecurityError, Redact(uri),
                        $"{method} '{from}' was redirected from HTTPS to plain HTTP ('{Redact(next)}'); StreamFiles does not follow that. Use the HTTP URL directly if you trust it.",
                        isTransient: false, statusCode: response.StatusCode);
                }

                // Only 307/308 promise the same method and body; for anything but GET/HEAD the others would change the request.
                bool keepsMethod = response.StatusCode == HttpStatusCode.TemporaryRedirect || (int)response.StatusCode == 308;
                if (!keepsMethod && method != HttpMethod.Get && method != HttpMethod.Head)
                {
                    throw new HttpTransferException("HttpBadRedirect", FailureCategory.ProtocolError, Redact(uri),
                        $"{method} '{from}' was redirected with {(int)response.StatusCode}, which does not repeat a {method}; StreamFiles follows only 307 and 308 for it.",
                        isTransient: false, statusCode: response.StatusCode);
                }

                sameOrigin = sameOrigin && SameOrigin(current, next);
                current = next;
            }
        }

        private async Task<HttpResponseMessage> SendOnceAsync(
            HttpMethod method,
            Uri uri,
            bool sameOrigin,
            Action<HttpRequestMessage>? configure,
            Func<RequestTimer, HttpContent>? content,
            CancellationToken cancellationToken)
        {
            using var timer = new RequestTimer(Settings, cancellationToken);
            var request = new HttpRequestMessage(method, uri);
            try
            {
                foreach (KeyValuePair<string, string> header in Settings.Headers)
                {
                    // Secrets go to the origin the user named, not to wherever it redirects.
                    if (!sameOrigin && IsSecretHeader(header.Key))
                    {
                        continue;
                    }

                    request.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                if (Settings.Credential != null && sameOrigin)
                {
                    request.Headers.Authorization = Settings.Credential.ToBasicHeader();
                }

                configure?.Invoke(request);
                if (content != null)
                {
                    request.Content = content(timer);
                }

                timer.AwaitResponse();
                return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timer.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && timer.Expired != null)
            {
                request.Dispose();
                throw new HttpTransferException("HttpTimeout", FailureCategory.OperationTimeout, Redact(uri),
                    $"{method} '{Redact(uri)}' timed out: {timer.Expired}.", isTransient: true, inner: e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && e.InnerException is TimeoutException)
            {
                // SocketsHttpHandler's ConnectTimeout ends the request as a cancellation carrying a TimeoutException;
                // left alone it would look like Ctrl+C to the caller and never be retried.
                request.Dispose();
                throw new HttpTransferException("HttpTimeout", FailureCategory.OperationTimeout, Redact(uri),
                    string.Format(CultureInfo.InvariantCulture, "{0} '{1}' timed out: no connection within {2:0.#} s.", method, Redact(uri), Settings.ConnectTimeout.TotalSeconds),
                    isTransient: true, inner: e);
            }
            catch (HttpRequestException e)
            {
                request.Dispose();
                Exception? source = FromUploadSource(e);
                if (source != null)
                {
                    // The file being uploaded failed to read: report that, as the source's error.
                    ExceptionDispatchInfo.Capture(source).Throw();
                }

                throw Classify(method, uri, e);
            }
            catch
            {
                request.Dispose();
                throw;
            }
        }

        private void RequireSafeCredentials(Uri uri, string display)
        {
            if (Settings.Credential != null && uri.Scheme != Uri.UriSchemeHttps)
            {
                throw new CommandFailureException(new CommandError(
                    "HttpCredentialNeedsHttps",
                    FailureCategory.SecurityError,
                    display,
                    $"A credential is sent only over HTTPS, and '{display}' is plain HTTP, where anyone on the way could read the password. Use an https:// URL."));
            }

            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new CommandFailureException(new CommandError(
                    "HttpCredentialInUrl",
                    FailureCategory.SecurityError,
                    display,
                    $"'{display}' carries a user name or password in the URL, where logs and process lists can see it. Remove it and pass the credential separately (-Credential, --user)."));
            }
        }

        private HttpTransferException Classify(HttpMethod method, Uri uri, HttpRequestException e)
        {
            string display = Redact(uri);
            if (TlsFailure.Is(e))
            {
                return new HttpTransferException("HttpTlsError", FailureCategory.SecurityError, display,
                    TlsFailure.CertificateRefused(e)
                        ? $"{method} '{display}': the TLS connection could not be established securely ({Describe(e)}). StreamFiles validates every certificate; install the issuing CA in the system's trust store if the server is yours."
                        : $"{method} '{display}': the server did not complete a TLS handshake ({Describe(e)}). If it serves plain HTTP on that port, use an http:// URL; otherwise check the host and the port.",
                    isTransient: false, inner: e);
            }

            return new HttpTransferException("HttpConnectionFailed", FailureCategory.ConnectionError, display,
                $"{method} '{display}' failed: {Describe(e)}.", isTransient: true, inner: e);
        }

        private static Exception? FromUploadSource(Exception e)
        {
            for (Exception? inner = e; inner != null; inner = inner.InnerException)
            {
                if (inner.Data.Contains(UploadSourceKey))
                {
                    return inner;
                }
            }

            return null;
        }

        private static async Task<HttpTransferException> StatusErrorAsync(HttpMethod method, string display, HttpResponseMessage response, TimeSpan maxRetryAfter)
        {
            int status = (int)response.StatusCode;
            TimeSpan? retryAfter = IsRetryableStatus(response.StatusCode) ? RetryAfter(response) : null;
            // A wait longer than is waited for fails at once: the message says so, not that the server "kept failing".
            string busy = retryAfter > maxRetryAfter
                ? string.Format(CultureInfo.InvariantCulture, " The server asked to wait {0:0} s before trying again (Retry-After), longer than the {1:0} s StreamFiles waits; run the command again later.", retryAfter.Value.TotalSeconds, maxRetryAfter.TotalSeconds)
                : " The server kept failing; try again later.";
            string code = await ReadErrorCodeAsync(response).ConfigureAwait(false);
            string what = string.Format(CultureInfo.InvariantCulture, "{0} {1}{2}", status, response.ReasonPhrase, code.Length > 0 ? " (" + code + ")" : string.Empty);
            (string condition, FailureCategory category, string hint) = status switch
            {
                401 => ("HttpUnauthorized", FailureCategory.AuthenticationError, " Check the credential or the Authorization header."),
                403 => ("HttpForbidden", FailureCategory.PermissionDenied, " A presigned URL may have expired or been signed for another method or headers."),
                404 => ("HttpNotFound", FailureCategory.ObjectNotFound, " Check the URL."),
                410 => ("HttpNotFound", FailureCategory.ObjectNotFound, " Check the URL."),
                408 => ("HttpServerUnavailable", FailureCategory.ResourceUnavailable, busy),
                429 => ("HttpServerUnavailable", FailureCategory.ResourceUnavailable, busy),

                // Not retried, and no later try will differ: the server does not do this method (a static file server
                // asked to take a PUT) or this protocol version.
                405 => ("HttpStatusError", FailureCategory.NotImplemented, $" The server does not accept {method} at this URL."),
                501 => ("HttpStatusError", FailureCategory.NotImplemented, $" The server does not support {method}; check that the URL is one that accepts {(method == HttpMethod.Put ? "uploads" : "downloads")}."),
                505 => ("HttpStatusError", FailureCategory.NotImplemented, " The server does not support this HTTP version."),
                _ when status >= 500 => ("HttpServerUnavailable", FailureCategory.ResourceUnavailable, busy),
                _ => ("HttpStatusError", FailureCategory.ProtocolError, string.Empty),
            };
            return new HttpTransferException(condition, category, display, $"{method} '{display}' failed: {what}.{hint}", isTransient: false, statusCode: response.StatusCode);
        }

        /// <summary>An S3-style error code from a small XML error body ("SignatureDoesNotMatch"), or "".</summary>
        private static async Task<string> ReadErrorCodeAsync(HttpResponseMessage response)
        {
            try
            {
                string? type = response.Content.Headers.ContentType?.MediaType;
                long? length = response.Content.Headers.ContentLength;
                if (type is null || type.IndexOf("xml", StringComparison.OrdinalIgnoreCase) < 0 || !(length <= 16 * 1024))
                {
                    return string.Empty;
                }

                string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                Match match = S3ErrorCode.Match(body);
                return match.Success ? match.Groups[1].Value : string.Empty;
            }
            catch (Exception e) when (e is IOException || e is HttpRequestException || e is InvalidOperationException)
            {
                return string.Empty;
            }
        }

        private ResiliencePipeline<HttpResponseMessage> CreateRetryPipeline(HttpSettings settings)
        {
            if (settings.MaxRetries == 0)
            {
                return ResiliencePipeline<HttpResponseMessage>.Empty;
            }

            var options = new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = settings.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryDelay,
                MaxDelay = settings.MaxRetryAfter,
                ShouldHandle = args => new ValueTask<bool>(
                    args.Outcome.Exception != null
                        ? IsTransient(args.Outcome.Exception)
                        : args.Outcome.Result != null && IsRetryableStatus(args.Outcome.Result.StatusCode) && !(RetryAfter(args.Outcome.Result) > settings.MaxRetryAfter)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(args.Outcome.Result is null ? null : RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    Transfers.RequestRetries.Retrying();
                    if (_log != null)
                    {
                        RequestInfo info = args.Context.Properties.GetValue(RequestKey, new RequestInfo(HttpMethod.Get, string.Empty));
                        string why = args.Outcome.Exception != null
                            ? args.Outcome.Exception.Message
                            : string.Format(CultureInfo.InvariantCulture, "{0} {1}", (int)args.Outcome.Result!.StatusCode, args.Outcome.Result.ReasonPhrase);
                        _log(string.Format(CultureInfo.InvariantCulture, "{0} '{1}': {2} Retry {3} of {4} in {5:0.0} s.", info.Method, info.Display, why.TrimEnd('.') + ".", args.AttemptNumber + 1, settings.MaxRetries, args.RetryDelay.TotalSeconds));
                    }

                    return default;
                },
            };
            return new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(options).Build();
        }

        internal static bool IsRetryableStatus(HttpStatusCode status)
        {
            int code = (int)status;
            return code == 408 || code == 429 || (code >= 500 && code != 501 && code != 505 && code < 600);
        }

        /// <summary>The wait a 429/503 response asks for (seconds or an HTTP date), or null.</summary>
        internal static TimeSpan? RetryAfter(HttpResponseMessage response)
        {
            var header = response.Headers.RetryAfter;
            if (header is null)
            {
                return null;
            }

            if (header.Delta.HasValue)
            {
                return header.Delta.Value < TimeSpan.Zero ? TimeSpan.Zero : header.Delta.Value;
            }

            if (header.Date.HasValue)
            {
                TimeSpan wait = header.Date.Value - DateTimeOffset.UtcNow;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }

            return null;
        }

        private static bool IsRedirect(HttpStatusCode status)
        {
            int code = (int)status;
            return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
        }

        private static bool SameOrigin(Uri a, Uri b) =>
            string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
            && a.Port == b.Port;

        /// <summary>
        /// The headers a redirect to another origin leaves behind: Authorization, Proxy-Authorization and Cookie, and
        /// every name that speaks of a secret (a probe saw X-Password, X-Signature, X-Session and Authentication go
        /// along). Stricter than curl, which keeps custom headers; a header that is not secret (Accept, X-Trace) goes on.
        /// </summary>
        private static readonly string[] SecretWords = { "auth", "cookie", "token", "key", "secret", "pass", "signature", "session", "credential" };

        private static bool IsSecretHeader(string name)
        {
            foreach (string word in SecretWords)
            {
                if (name.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        private static HttpMessageHandler CreateHandler(HttpSettings settings)
        {
            X509Certificate2? extra = settings.ExtraTrustedCertificate;
#if NET
            var handler = new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                UseProxy = true,
                ConnectTimeout = settings.ConnectTimeout,
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
                Expect100ContinueTimeout = TimeSpan.FromSeconds(2),
            };
            if (extra != null)
            {
                handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) => Trusted(extra, certificate, errors);
            }

            return handler;
#else
            var handler = new HttpClientHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                UseProxy = true,
            };
            try
            {
                // .NET Framework allows two connections per server unless told otherwise; parallel ranges need more.
                handler.MaxConnectionsPerServer = 64;
            }
            catch (PlatformNotSupportedException)
            {
            }

            if (extra != null)
            {
                handler.ServerCertificateCustomValidationCallback = (message, certificate, chain, errors) => Trusted(extra, certificate, errors);
            }

            return handler;
#endif
        }

        internal static bool Trusted(X509Certificate2 extra, X509Certificate? certificate, SslPolicyErrors errors)
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            // Only the chain may fail, and only for exactly the one extra certificate; a wrong host name never passes.
            return errors == SslPolicyErrors.RemoteCertificateChainErrors
                && certificate != null
                && string.Equals(certificate.GetCertHashString(), extra.GetCertHashString(), StringComparison.OrdinalIgnoreCase);
        }

        private readonly struct RequestInfo
        {
            public RequestInfo(HttpMethod method, string display)
            {
                Method = method;
                Display = display;
            }

            public HttpMethod Method { get; }

            public string Display { get; }
        }

        /// <summary>
        /// The deadlines of one attempt: the response headers must come within ResponseTimeout (which also
        /// covers connecting), and an upload body must make progress within StallTimeout; the timeout for
        /// the response starts only when the whole body has been sent.
        /// </summary>
        internal sealed class RequestTimer : IDisposable
        {
            private readonly HttpSettings _settings;
            private readonly CancellationTokenSource _source;
            private readonly CancellationToken _caller;
            private string _phase = string.Empty;

            public RequestTimer(HttpSettings settings, CancellationToken cancellationToken)
            {
                _settings = settings;
                _caller = cancellationToken;
                _source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            }

            public CancellationToken Token => _source.Token;

            /// <summary>
            /// What took too long, once the deadline passed (null before, and when the caller cancelled). Read from the
            /// source's state, which is set before any callback runs: a callback of our own could still be waiting
            /// behind HttpClient's, which ends the request first.
            /// </summary>
            public string? Expired => _source.IsCancellationRequested && !_caller.IsCancellationRequested ? _phase : null;

            public void AwaitResponse()
            {
                _phase = string.Format(CultureInfo.InvariantCulture, "no response within {0:0.#} s", _settings.ResponseTimeout.TotalSeconds);
                _source.CancelAfter(_settings.ResponseTimeout);
            }

            /// <summary>An upload wrote some bytes: it has another StallTimeout to write more.</summary>
            public void BodyProgress()
            {
                _phase = string.Format(CultureInfo.InvariantCulture, "the upload made no progress for {0:0.#} s", _settings.StallTimeout.TotalSeconds);
                _source.CancelAfter(_settings.StallTimeout);
            }

            public void BodySent() => AwaitResponse();

            public void Dispose() => _source.Dispose();
        }
    }
}
