using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace StreamFiles.Core.Tests.Http
{
    /// <summary>
    /// A real Kestrel server on 127.0.0.1 inside the test process, serving resources whose behaviour each test
    /// sets: ranges or not, validators, a body that drops, stalls or lies about its length, failures with
    /// Retry-After, redirects, Content-Disposition names, Basic auth, and PUT uploads it records.
    /// </summary>
    public sealed class HttpTestServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, TestResource> _resources = new ConcurrentDictionary<string, TestResource>(StringComparer.Ordinal);

        private readonly bool _ownsCertificate;

        private HttpTestServer(WebApplication app, Uri baseUri, X509Certificate2? certificate, bool ownsCertificate)
        {
            _app = app;
            BaseUri = baseUri;
            Certificate = certificate;
            _ownsCertificate = ownsCertificate;
        }

        public Uri BaseUri { get; }

        /// <summary>The self-signed certificate of an HTTPS server (trusted by nobody unless a test says so).</summary>
        public X509Certificate2? Certificate { get; }

        public ConcurrentQueue<RecordedRequest> Requests { get; } = new ConcurrentQueue<RecordedRequest>();

        /// <summary>Bodies received by PUT, by path.</summary>
        public ConcurrentDictionary<string, byte[]> Uploads { get; } = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);

        /// <param name="certificate">Another HTTPS server's certificate, so that one trusted certificate serves two origins.</param>
        public static async Task<HttpTestServer> StartAsync(bool https = false, X509Certificate2? certificate = null)
        {
            bool owns = https && certificate is null;
            certificate = https ? certificate ?? CreateCertificate() : null;
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(options =>
            {
                options.Limits.MaxRequestBodySize = null;
                options.Limits.MinRequestBodyDataRate = null;
                options.Limits.MinResponseDataRate = null;
                options.Listen(IPAddress.Loopback, 0, listen =>
                {
                    if (certificate != null)
                    {
                        listen.UseHttps(certificate);
                    }
                });
            });
            WebApplication app = builder.Build();
            HttpTestServer? server = null;
            app.Run(context => server!.HandleAsync(context));
            await app.StartAsync().ConfigureAwait(false);
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            server = new HttpTestServer(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)), certificate, owns);
            return server;
        }

        public Uri Url(string pathAndQuery) => new Uri(BaseUri, pathAndQuery);

        public TestResource Add(string path, byte[] content)
        {
            var resource = new TestResource(content);
            _resources[path] = resource;
            return resource;
        }

        public TestResource Redirect(string path, string location, int status = 302)
        {
            var resource = new TestResource(Array.Empty<byte>()) { RedirectTo = location, RedirectStatus = status };
            _resources[path] = resource;
            return resource;
        }

        /// <summary>Accepts PUT bodies at path (recorded in Uploads), optionally requiring Basic auth.</summary>
        public TestResource AcceptUploads(string path)
        {
            var resource = new TestResource(Array.Empty<byte>()) { AcceptsPut = true };
            _resources[path] = resource;
            return resource;
        }

        public IReadOnlyList<RecordedRequest> RequestsTo(string path) => Requests.Where(r => r.Path == path).ToList();

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            if (_ownsCertificate)
            {
                Certificate?.Dispose();
            }
        }

        public static byte[] RandomBytes(int length, int seed = 7)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        private async Task HandleAsync(HttpContext context)
        {
            HttpRequest request = context.Request;
            string path = request.Path.Value ?? "/";
            var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            Requests.Enqueue(new RecordedRequest(request.Method, path, request.QueryString.Value ?? string.Empty, headers));

            if (!_resources.TryGetValue(path, out TestResource? resource))
            {
                context.Response.StatusCode = 404;
                return;
            }

            int number = Interlocked.Increment(ref resource.RequestCount);
            if (resource.HeaderDelay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(resource.HeaderDelay, context.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (resource.RequiredCredential != null)
            {
                string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(resource.RequiredCredential));
                if (!headers.TryGetValue("Authorization", out string? given) || given != expected)
                {
                    context.Response.StatusCode = 401;
                    context.Response.Headers.WWWAuthenticate = "Basic realm=\"test\"";
                    return;
                }
            }

            if (number >= resource.FailFromRequest && number - resource.FailFromRequest < resource.FailTimes) // FailTimes may be int.MaxValue
            {
                context.Response.StatusCode = resource.FailStatus;
                if (resource.RetryAfter != null)
                {
                    context.Response.Headers.RetryAfter = resource.RetryAfter;
                }

                foreach (var (name, value) in resource.FailHeaders)
                {
                    context.Response.Headers[name] = value;
                }

                if (resource.FailBody != null && !HttpMethods.IsHead(request.Method))
                {
                    context.Response.ContentType = "application/xml";
                    await context.Response.Body.WriteAsync(resource.FailBody).ConfigureAwait(false);
                }

                return;
            }

            if (resource.RedirectTo != null)
            {
                context.Response.StatusCode = resource.RedirectStatus;
                context.Response.Headers.Location = resource.RedirectTo;
                return;
            }

            if (resource.AcceptsPut)
            {
                await ReceiveAsync(context, path, resource).ConfigureAwait(false);
                return;
            }

            if (!resource.AnyMethod && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
            {
                context.Response.StatusCode = 405;
                return;
            }

            await ServeAsync(context, resource).ConfigureAwait(false);
        }

        private async Task ServeAsync(HttpContext context, TestResource resource)
        {
            HttpRequest request = context.Request;
            HttpResponse response = context.Response;
            (byte[] content, string? etag, DateTimeOffset? lastModified) = resource.Snapshot();
            long total = content.Length;

            if (etag != null)
            {
                response.Headers.ETag = etag;
            }

            if (lastModified.HasValue)
            {
                response.Headers.LastModified = lastModified.Value.ToString("R", CultureInfo.InvariantCulture);
            }

            if (resource.ContentDisposition != null)
            {
                response.Headers.ContentDisposition = resource.ContentDisposition;
            }

            foreach (var (name, value) in resource.Headers)
            {
                response.Headers[name] = value;
            }

            if (resource.AcceptRanges)
            {
                response.Headers.AcceptRanges = "bytes";
            }

            string? ifMatch = request.Headers.IfMatch;
            if (!string.IsNullOrEmpty(ifMatch) && ifMatch != "*" && ifMatch != etag)
            {
                response.StatusCode = 412;
                return;
            }

            long start = 0;
            long length = total;
            string? range = request.Headers.Range;
            if (resource.AcceptRanges && !string.IsNullOrEmpty(range) && IfRangeHolds(request.Headers.IfRange, etag, lastModified))
            {
                if (!TryParseRange(range!, total, out start, out length))
                {
                    response.StatusCode = 416;
                    response.Headers.ContentRange = "bytes */" + total.ToString(CultureInfo.InvariantCulture);
                    return;
                }

                long claimedTotal = resource.ClaimedTotal ?? total;
                response.StatusCode = 206;
                response.Headers.ContentRange = start > 0 && resource.ContentRangeText != null ? resource.ContentRangeText : string.Format(CultureInfo.InvariantCulture, "bytes {0}-{1}/{2}", start, start + length - 1, claimedTotal);
            }

            if (!resource.Chunked)
            {
                response.ContentLength = length + resource.ExtraClaimedLength;
            }

            response.ContentType = "application/octet-stream";
            if (HttpMethods.IsHead(request.Method))
            {
                return;
            }

            // A fault hits only the response whose bytes include its offset.
            long? dropAt = resource.DropAfter >= start && resource.DropAfter < start + length && resource.RequestCount >= resource.DropFromRequest ? resource.DropAfter : null;
            long? stallAt = resource.StallAfter >= start && resource.StallAfter < start + length ? resource.StallAfter : null;
            long sent = 0;
            const int Chunk = 64 * 1024;
            try
            {
                while (sent < length)
                {
                    int n = (int)Math.Min(Chunk, length - sent);
                    long absolute = start + sent;
                    if (dropAt.HasValue && absolute + n > dropAt.Value)
                    {
                        n = (int)Math.Max(0, dropAt.Value - absolute);
                    }

                    if (stallAt.HasValue && absolute + n > stallAt.Value)
                    {
                        n = (int)Math.Max(0, stallAt.Value - absolute);
                    }

                    if (n > 0)
                    {
                        await response.Body.WriteAsync(content.AsMemory((int)absolute, n), context.RequestAborted).ConfigureAwait(false);
                        sent += n;
                        resource.AddServed(n);
                        if (resource.ChunkDelay > TimeSpan.Zero)
                        {
                            await Task.Delay(resource.ChunkDelay, context.RequestAborted).ConfigureAwait(false);
                        }
                    }

                    if (dropAt.HasValue && start + sent >= dropAt.Value && sent < length)
                    {
                        await response.Body.FlushAsync().ConfigureAwait(false);
                        resource.DropsDone++;
                        if (resource.DropOnce)
                        {
                            resource.DropAfter = null;
                        }

                        context.Abort();
                        return;
                    }

                    if (stallAt.HasValue && start + sent >= stallAt.Value && sent < length)
                    {
                        await response.Body.FlushAsync().ConfigureAwait(false);
                        await Task.Delay(Timeout.Infinite, context.RequestAborted).ConfigureAwait(false);
                    }
                }

                if (resource.ExtraClaimedLength > 0)
                {
                    // Announced more than there is: end the connection as a server that died would.
                    await response.Body.FlushAsync().ConfigureAwait(false);
                    context.Abort();
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away (or gave up on a stall).
            }
            catch (IOException)
            {
            }

        }

        private async Task ReceiveAsync(HttpContext context, string path, TestResource resource)
        {
            HttpRequest request = context.Request;
            if (!HttpMethods.IsPut(request.Method))
            {
                context.Response.StatusCode = 405;
                return;
            }

            if (request.Headers.IfNoneMatch == "*" && Uploads.ContainsKey(path))
            {
                context.Response.StatusCode = 412;
                return;
            }

            using var buffer = new MemoryStream();
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] chunk = new byte[64 * 1024];
            long received = 0;
            try
            {
                int n;
                while ((n = await request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
                {
                    if (!resource.DiscardUploads)
                    {
                        buffer.Write(chunk, 0, n);
                    }

                    Interlocked.Add(ref resource.BytesReceived, n);
                    if (resource.UploadChunkDelay > TimeSpan.Zero)
                    {
                        await Task.Delay(resource.UploadChunkDelay, context.RequestAborted).ConfigureAwait(false);
                    }

                    md5.AppendData(chunk, 0, n);
                    sha256.AppendData(chunk, 0, n);
                    received += n;
                    if (resource.DropAfter.HasValue && received >= resource.DropAfter.Value)
                    {
                        resource.DropAfter = null;
                        context.Abort();
                        return;
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is OperationCanceledException || e is BadHttpRequestException)
            {
                return;
            }

            string? givenMd5 = request.Headers["Content-MD5"];
            if (!string.IsNullOrEmpty(givenMd5) && givenMd5 != Convert.ToBase64String(md5.GetHashAndReset()))
            {
                context.Response.StatusCode = 400;
                await context.Response.WriteAsync("<Error><Code>BadDigest</Code></Error>").ConfigureAwait(false);
                return;
            }

            string? givenSha = request.Headers["x-amz-checksum-sha256"];
            if (!string.IsNullOrEmpty(givenSha) && givenSha != Convert.ToBase64String(sha256.GetHashAndReset()))
            {
                context.Response.StatusCode = 400;
                await context.Response.WriteAsync("<Error><Code>BadDigest</Code></Error>").ConfigureAwait(false);
                return;
            }

            Uploads[path] = buffer.ToArray();
            resource.AfterUploadStored?.Invoke();
            context.Response.StatusCode = 200;
            context.Response.Headers.ETag = "\"" + Convert.ToHexString(MD5.HashData(buffer.ToArray())).ToLowerInvariant() + "\"";
        }

        private static bool IfRangeHolds(string? ifRange, string? etag, DateTimeOffset? lastModified)
        {
            if (string.IsNullOrEmpty(ifRange))
            {
                return true;
            }

            if (ifRange.StartsWith("\"", StringComparison.Ordinal) || ifRange.StartsWith("W/", StringComparison.Ordinal))
            {
                return etag != null && !etag.StartsWith("W/", StringComparison.Ordinal) && ifRange == etag;
            }

            return lastModified.HasValue
                && DateTimeOffset.TryParse(ifRange, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset date)
                && date == new DateTimeOffset(lastModified.Value.UtcDateTime.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        }

        private static bool TryParseRange(string header, long total, out long start, out long length)
        {
            start = 0;
            length = 0;
            if (!RangeHeaderValue.TryParse(header, out RangeHeaderValue? parsed) || parsed.Ranges.Count != 1)
            {
                return false;
            }

            RangeItemHeaderValue item = parsed.Ranges.First();
            if (item.From.HasValue)
            {
                if (item.From.Value >= total)
                {
                    return false;
                }

                start = item.From.Value;
                long end = Math.Min(item.To ?? total - 1, total - 1);
                length = end - start + 1;
                return length > 0;
            }

            if (item.To.HasValue && total > 0)
            {
                length = Math.Min(item.To.Value, total);
                start = total - length;
                return length > 0;
            }

            return false;
        }

        private static X509Certificate2 CreateCertificate()
        {
            using RSA key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            using X509Certificate2 created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
            return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
        }
    }

    public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
    }

    /// <summary>One resource of the test server and the faults it shows; tests change these while it is served.</summary>
    public sealed class TestResource
    {
        private readonly object _gate = new object();
        private byte[] _content;
        private long _served;

        public TestResource(byte[] content)
        {
            _content = content;
            ETag = "\"v1\"";
            LastModified = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        }

        public int RequestCount;

        public long BytesReceived;

        /// <summary>PUT bodies are hashed and counted but not kept (large uploads).</summary>
        public bool DiscardUploads { get; set; }

        /// <summary>Answers POST and other methods with the content too, as an API endpoint would (the body is not read).</summary>
        public bool AnyMethod { get; set; }

        public byte[] Content
        {
            get { lock (_gate) { return _content; } }
        }

        public string? ETag { get; set; }

        public DateTimeOffset? LastModified { get; set; }

        public bool AcceptRanges { get; set; } = true;

        /// <summary>No Content-Length (a chunked body).</summary>
        public bool Chunked { get; set; }

        /// <summary>Abort the connection once the byte at this offset would be sent.</summary>
        public long? DropAfter { get; set; }

        /// <summary>Requests before this one (counted from 1) never drop: a test can spare the stat's probe.</summary>
        public int DropFromRequest { get; set; }

        /// <summary>Only the first response drops; later ones are whole.</summary>
        public bool DropOnce { get; set; }

        public int DropsDone { get; set; }

        /// <summary>Stop sending (but keep the connection) at this offset.</summary>
        public long? StallAfter { get; set; }

        /// <summary>A pause before the response headers: a server that accepted the connection and hangs.</summary>
        public TimeSpan HeaderDelay { get; set; }

        /// <summary>A pause after every 64 KiB sent: a slow server, so a test can interrupt a transfer mid-way.</summary>
        public TimeSpan ChunkDelay { get; set; }

        /// <summary>Content-Length announces this many bytes more than are sent, then the connection closes.</summary>
        public long ExtraClaimedLength { get; set; }

        /// <summary>The Content-Range of every 206 but the first range's, as written (one that cannot be parsed, for one).</summary>
        public string? ContentRangeText { get; set; }

        /// <summary>The total that Content-Range claims, when it lies.</summary>
        public long? ClaimedTotal { get; set; }

        public int FailTimes { get; set; }

        /// <summary>The first request (1-based) that FailTimes fails: 2 lets a stat's first request through.</summary>
        public int FailFromRequest { get; set; } = 1;

        public int FailStatus { get; set; } = 503;

        public string? RetryAfter { get; set; }

        /// <summary>Headers of the successful responses (an S3 stand-in's x-amz-checksum-*).</summary>
        public Dictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>Headers of the failure responses (an S3 stand-in's x-amz-bucket-region).</summary>
        public Dictionary<string, string> FailHeaders { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>The body of the failure responses but HEAD's (an S3 error document), or none.</summary>
        public byte[]? FailBody { get; set; }

        public string? ContentDisposition { get; set; }

        public string? RedirectTo { get; set; }

        public int RedirectStatus { get; set; } = 302;

        public bool AcceptsPut { get; set; }

        /// <summary>A pause after each chunk of a PUT body read, to make an upload last long enough to interfere with.</summary>
        public TimeSpan UploadChunkDelay { get; set; }

        /// <summary>Runs once a PUT body is stored, before the answer: what happens while the client waits for it.</summary>
        public Action? AfterUploadStored { get; set; }

        /// <summary>"user:password" that Basic auth must carry.</summary>
        public string? RequiredCredential { get; set; }

        /// <summary>After this many bytes have been served in total, the content is replaced (ChangeTo) with a new ETag.</summary>
        public long? ChangeAfterServed { get; set; }

        public byte[]? ChangeTo { get; set; }

        public long Served => Interlocked.Read(ref _served);

        public void Replace(byte[] content, string? etag, DateTimeOffset? lastModified = null)
        {
            lock (_gate)
            {
                _content = content;
                ETag = etag;
                LastModified = lastModified ?? LastModified?.AddMinutes(1);
            }
        }

        internal (byte[] Content, string? ETag, DateTimeOffset? LastModified) Snapshot()
        {
            lock (_gate)
            {
                return (_content, ETag, LastModified);
            }
        }

        internal void AddServed(long n)
        {
            long total = Interlocked.Add(ref _served, n);
            if (ChangeAfterServed.HasValue && total >= ChangeAfterServed.Value && ChangeTo != null)
            {
                byte[] next = ChangeTo;
                ChangeTo = null;
                ChangeAfterServed = null;
                // A server that sends no ETag keeps sending none: only Last-Modified tells the versions apart.
                Replace(next, ETag is null ? null : "\"v2\"");
            }
        }
    }
}
