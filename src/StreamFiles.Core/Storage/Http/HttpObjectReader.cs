using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage.Http
{
    /// <summary>
    /// Reads one URL as the version its stat saw. Ranges are GETs with Range and If-Range (the strong ETag,
    /// else Last-Modified): a server whose file changed answers with the whole new file instead of the range,
    /// and that — like a different ETag, length or Content-Range — is a SourceChangedException, never bytes of
    /// two versions spliced together. Bodies are HttpBodyStreams: a connection that ends early is an error.
    /// </summary>
    internal sealed class HttpObjectReader : IObjectReader
    {
        private readonly HttpTransport _transport;
        private readonly Uri _uri;
        private readonly ObjectInfo _source;
        private readonly EntityTagHeaderValue? _etag;
        private readonly string _display;

        public HttpObjectReader(HttpTransport transport, Uri uri, ObjectInfo source, bool supportsRanges, EntityTagHeaderValue? etag)
        {
            _transport = transport;
            _uri = uri;
            _source = source;
            _etag = etag;
            _display = source.Location.Display;

            // Without a known length there is nothing to split, and nothing to check a range against.
            SupportsRanges = supportsRanges && source.Length.HasValue;
        }

        public bool SupportsRanges { get; }

        public async Task<Stream> OpenRangeAsync(long offset, long? length, CancellationToken cancellationToken)
        {
            if (offset < 0 || length < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), "Ranges start at 0 and are not negative.");
            }

            long? total = _source.Length;
            if (length == 0 || (total.HasValue && offset == total.Value && !length.HasValue))
            {
                return new MemoryStream(Array.Empty<byte>(), writable: false);
            }

            long? end = length.HasValue ? offset + length.Value : total;
            if (total.HasValue && end > total)
            {
                throw new SourceChangedException(_display, string.Format(CultureInfo.InvariantCulture, "bytes up to {0} were asked for, but it is {1} bytes long", end, total));
            }

            bool whole = offset == 0 && (!end.HasValue || end == total);
            if (!whole && !SupportsRanges)
            {
                throw new NotSupportedException($"'{_display}' cannot be read from byte {offset.ToString(CultureInfo.InvariantCulture)}: the server does not serve ranges.");
            }

            bool ranged = SupportsRanges && !(whole && !total.HasValue);
            HttpResponseMessage response = await _transport.SendAsync(
                HttpMethod.Get,
                _uri,
                request =>
                {
                    if (ranged)
                    {
                        request.Headers.Range = new RangeHeaderValue(offset, end - 1);
                        SetIfRange(request);
                    }
                },
                null,
                r => r.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable || r.StatusCode == HttpStatusCode.PreconditionFailed,
                cancellationToken).ConfigureAwait(false);

            try
            {
                CheckVersion(response, offset, end, ranged, whole);
            }
            catch
            {
                response.Dispose();
                throw;
            }

            long? expected = end.HasValue ? end.Value - offset : response.Content.Headers.ContentLength;
            return await HttpBodyStream.OpenAsync(response, expected, _transport.Settings.StallTimeout, _display).ConfigureAwait(false);
        }

        public void Dispose()
        {
        }

        private void SetIfRange(HttpRequestMessage request)
        {
            if (_etag != null && !_etag.IsWeak)
            {
                request.Headers.IfRange = new RangeConditionHeaderValue(_etag);
            }
            else if (_source.LastModified.HasValue)
            {
                request.Headers.IfRange = new RangeConditionHeaderValue(_source.LastModified.Value);
            }
        }

        private void CheckVersion(HttpResponseMessage response, long offset, long? end, bool ranged, bool whole)
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.RequestedRangeNotSatisfiable:
                    throw new SourceChangedException(_display, "the server no longer has the requested bytes (it got shorter)");
                case HttpStatusCode.PreconditionFailed:
                    throw new SourceChangedException(_display, "the server reports a different version");
            }

            EntityTagHeaderValue? etag = response.Headers.ETag;
            if (_etag != null && etag != null && !string.Equals(_etag.Tag, etag.Tag, StringComparison.Ordinal))
            {
                throw new SourceChangedException(_display, "its ETag changed");
            }

            DateTimeOffset? lastModified = response.Content.Headers.LastModified;
            if (_source.LastModified.HasValue && lastModified.HasValue && lastModified.Value != _source.LastModified.Value)
            {
                throw new SourceChangedException(_display, "its Last-Modified time changed");
            }

            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                ContentRangeHeaderValue? range = response.Content.Headers.ContentRange;
                if (!ranged || range is null || range.From != offset || range.To != end - 1)
                {
                    throw new HttpTransferException("HttpBadRange", Operations.FailureCategory.ProtocolError, _display,
                        string.Format(CultureInfo.InvariantCulture, "GET '{0}' asked for bytes {1}-{2} and got {3}.", _display, offset, end - 1, range?.ToString() ?? UnusableContentRange(response)),
                        isTransient: false);
                }

                if (range.Length.HasValue && range.Length != _source.Length)
                {
                    throw new SourceChangedException(_display, string.Format(CultureInfo.InvariantCulture, "its size changed from {0} to {1} bytes", _source.Length, range.Length));
                }

                return;
            }

            // 200: the whole object. For a range request that means If-Range failed: the file changed.
            if (ranged && !whole)
            {
                throw new SourceChangedException(_display, "the server sent the whole file instead of the requested range, so the version pinned with If-Range is gone");
            }

            long? announced = response.Content.Headers.ContentLength;
            if (_source.Length.HasValue && announced.HasValue && announced.Value != _source.Length.Value)
            {
                throw new SourceChangedException(_display, string.Format(CultureInfo.InvariantCulture, "its size changed from {0} to {1} bytes", _source.Length, announced));
            }
        }

        /// <summary>
        /// What to call a 206 whose Content-Range .NET could not parse (its end past the length, its start after its
        /// end): the header as it came, which the headers keep among their values; missing only when it is.
        /// </summary>
        private static string UnusableContentRange(HttpResponseMessage response) =>
            response.Content.Headers.TryGetValues("Content-Range", out System.Collections.Generic.IEnumerable<string>? values)
                ? "a Content-Range it cannot use ('" + string.Join(", ", values) + "')"
                : "a partial response without Content-Range";
    }
}
