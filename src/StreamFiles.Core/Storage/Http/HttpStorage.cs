using System;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage.Http
{
    /// <summary>
    /// HTTP(S) URLs as a backend: downloads by GET (ranged GETs in parallel when the server serves ranges and
    /// the size is known, each pinned to the version first seen with If-Range), uploads by one streaming PUT
    /// (S3 presigned URLs included). Stat probes with "GET Range: bytes=0-0" rather than HEAD, because a
    /// presigned GET URL is signed for GET only, and because the answer shows whether ranges really work.
    /// </summary>
    public sealed class HttpStorage : IReadableStorage, IWritableStorage, IDisposable
    {
        // What the probe learnt beyond ObjectInfo, for the reader opened on that very ObjectInfo.
        private readonly ConditionalWeakTable<ObjectInfo, Probe> _probes = new ConditionalWeakTable<ObjectInfo, Probe>();

        // Made on first use: every host registers this backend, and most runs (local, S3) never send an HTTP request;
        // building the client and its retry pipeline costs ~0.1 s of CPU at start-up (reflection-based validation).
        private readonly Lazy<HttpTransport> _transport;

        public HttpStorage(HttpSettings? settings = null, Action<string>? log = null)
        {
            HttpSettings chosen = settings ?? HttpSettings.Default;
            Settings = chosen;
            _transport = new Lazy<HttpTransport>(() => new HttpTransport(chosen, log), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public string Name => "http";

        public HttpSettings Settings { get; }

        /// <summary>One PUT per object: HTTP has no standard multipart upload.</summary>
        public PartLimits PartLimits => PartLimits.SingleRequest;

        internal HttpTransport Transport => _transport.Value;

        public async Task<ObjectInfo?> StatAsync(Location location, CancellationToken cancellationToken)
        {
            Uri uri = UriOf(location);
            HttpResponseMessage response = await Transport.SendAsync(
                HttpMethod.Get,
                uri,
                request => request.Headers.Range = new RangeHeaderValue(0, 0),
                null,
                r => r.StatusCode == HttpStatusCode.NotFound || r.StatusCode == HttpStatusCode.Gone || r.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable,
                cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && response.Content.Headers.ContentRange is null)
            {
                // A 416 that says no size (RFC 9110 wants Content-Range: bytes */size) tells nothing: not an empty
                // file (a probe: -Force replaced a 5,000-byte file with an empty one, "completed"). Asked whole, the
                // server says what it has, and its ranges are not relied on.
                response.Dispose();
                response = await Transport.SendAsync(
                    HttpMethod.Get,
                    uri,
                    null,
                    null,
                    r => r.StatusCode == HttpStatusCode.NotFound || r.StatusCode == HttpStatusCode.Gone,
                    cancellationToken).ConfigureAwait(false);
            }

            using (response)
            {
                return Describe(uri, response);
            }
        }

        private ObjectInfo? Describe(Uri uri, HttpResponseMessage response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound || response.StatusCode == HttpStatusCode.Gone)
            {
                return null;
            }

            long? length;
            bool ranges;
            ContentRangeHeaderValue? contentRange = response.Content.Headers.ContentRange;
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                length = contentRange?.Length;
                ranges = length.HasValue && contentRange!.From == 0;
            }
            else if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                // Only an empty object has no byte 0.
                length = contentRange?.Length ?? 0;
                ranges = true;
                if (length != 0)
                {
                    throw new HttpTransferException("HttpBadRange", FailureCategory.ProtocolError, HttpTransport.Redact(uri),
                        $"GET '{HttpTransport.Redact(uri)}' refused the range of its first byte although it is {length} bytes long.", isTransient: false);
                }
            }
            else
            {
                // 200: the server ignores ranges and started sending everything; disposing the response stops it.
                length = response.Content.Headers.ContentLength;
                ranges = false;
            }

            string? etag = response.Headers.ETag?.ToString();
            DateTimeOffset? lastModified = response.Content.Headers.LastModified;
            if ((response.Headers.ETag is null || response.Headers.ETag.IsWeak) && !lastModified.HasValue)
            {
                // Nothing names the version the ranges would come from (If-Range needs a strong ETag or a date; a weak
                // one may not be used there): parallel ranges of a file that changes meanwhile were spliced into one
                // that is neither (a probe: completed, exit 0). Such a file is read as one stream, and a rerun starts
                // it over.
                ranges = false;
            }

            string? suggested = ContentDisposition.FileName(response.Content.Headers.TryGetValues("Content-Disposition", out var values) ? string.Join(",", values) : null);
            var described = new HttpLocation(uri, suggested);
            var info = new ObjectInfo(described, length, lastModified, etag);
            _probes.Add(info, new Probe(ranges, response.Headers.ETag));
            return info;
        }

        public async Task<IObjectReader> OpenReadAsync(ObjectInfo source, CancellationToken cancellationToken)
        {
            if (source is null)
            {
                throw new ArgumentNullException(nameof(source));
            }

            if (!_probes.TryGetValue(source, out Probe? probe))
            {
                // An ObjectInfo this storage did not make (a journal's, a caller's): look again, and insist it is the same version.
                ObjectInfo now = await StatAsync(source.Location, cancellationToken).ConfigureAwait(false)
                    ?? throw new SourceChangedException(source.Location.Display, "it was deleted");
                if (!source.SameVersionAs(now))
                {
                    throw new SourceChangedException(source.Location.Display, now.Length != source.Length ? "its size changed" : "it was modified");
                }

                _probes.TryGetValue(now, out probe);
            }

            return new HttpObjectReader(Transport, UriOf(source.Location), source, probe!.SupportsRanges, probe.ETag);
        }

        public Task<IObjectWriter> OpenWriterAsync(WriteRequest request, CancellationToken cancellationToken)
        {
            if (request is null)
            {
                throw new ArgumentNullException(nameof(request));
            }

            if (request.Plan.PartCount != 1)
            {
                throw new NotSupportedException($"An HTTP upload is a single PUT; the plan asked for {request.Plan.PartCount.ToString(CultureInfo.InvariantCulture)} parts.");
            }

            return Task.FromResult<IObjectWriter>(new HttpObjectWriter(Transport, UriOf(request.Destination), request));
        }

        public bool IsTransient(Exception exception) => HttpTransport.IsTransient(exception);

        public void Dispose()
        {
            if (_transport.IsValueCreated)
            {
                _transport.Value.Dispose();
            }
        }

        private static Uri UriOf(Location location) =>
            location is HttpLocation http ? http.Uri : throw new ArgumentException($"'{location?.Display}' is not an HTTP(S) URL.", nameof(location));

        private sealed class Probe
        {
            public Probe(bool supportsRanges, EntityTagHeaderValue? etag)
            {
                SupportsRanges = supportsRanges;
                ETag = etag;
            }

            public bool SupportsRanges { get; }

            public EntityTagHeaderValue? ETag { get; }
        }
    }
}
