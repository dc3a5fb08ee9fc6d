using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Storage.Http
{
    /// <summary>
    /// Uploads one object with a single streaming PUT (Content-Length, no buffering of the body), optionally with
    /// Content-MD5 or x-amz-checksum-sha256 from a pre-pass over the part. Without overwrite the PUT carries
    /// If-None-Match: * so a server that honours it (S3, WebDAV) refuses to replace an existing object.
    /// The object is visible when the PUT succeeds — a server publishes a PUT whole or not at all — so
    /// commit has nothing left to do, and an aborted upload leaves nothing behind to clean up.
    /// </summary>
    internal sealed class HttpObjectWriter : IObjectWriter, IPartUploader
    {
        private const int BufferSize = 256 * 1024;

        private readonly HttpTransport _transport;
        private readonly Uri _uri;
        private readonly WriteRequest _request;
        private readonly string _display;

        public HttpObjectWriter(HttpTransport transport, Uri uri, WriteRequest request)
        {
            _transport = transport;
            _uri = uri;
            _request = request;
            _display = request.Destination.Display;
        }

        public string? ResumeToken => null;

        public async Task<PartReceipt> UploadPartAsync(PartContent content, CancellationToken cancellationToken)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }

            PartSpec part = content.Part;
            long? length = part.Length >= 0 ? part.Length : (long?)null;
            UploadChecksum checksum = _transport.Settings.UploadChecksum;
            string? digest = checksum == UploadChecksum.None ? null : await DigestAsync(content, checksum, cancellationToken).ConfigureAwait(false);

            using HttpResponseMessage response = await _transport.SendAsync(
                HttpMethod.Put,
                _uri,
                request =>
                {
                    if (!_request.Overwrite)
                    {
                        request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
                    }

                    // Ask before sending gigabytes: an expired presigned URL is refused before the body goes out.
                    request.Headers.ExpectContinue = length > 1024 * 1024;
                },
                timer =>
                {
                    var body = new UploadContent(content, length, timer);
                    if (_transport.Settings.ContentType != null || !SignsTheContentType(_uri))
                    {
                        body.Headers.ContentType = MediaTypeHeaderValue.Parse(_transport.Settings.ContentType ?? "application/octet-stream");
                    }
                    if (checksum == UploadChecksum.Md5)
                    {
                        body.Headers.ContentMD5 = Convert.FromBase64String(digest!);
                    }
                    else if (checksum == UploadChecksum.Sha256)
                    {
                        body.Headers.TryAddWithoutValidation("x-amz-checksum-sha256", digest);
                    }

                    return body;
                },
                r => r.StatusCode == HttpStatusCode.PreconditionFailed,
                cancellationToken).ConfigureAwait(false);

            if (response.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                // The PUT asked not to replace anything (If-None-Match: *): whether it was there before is unknown.
                throw new DestinationExistsException(_display, why: " (the server refused to replace it: 412 to If-None-Match: *)", skipUnchangedApplies: false);
            }

            return new PartReceipt(part.Number, part.Offset, Math.Max(part.Length, 0), null, response.Headers.ETag?.Tag);
        }

        public Task<IReadOnlyList<PartReceipt>> ConfirmPartsAsync(IReadOnlyList<PartReceipt> journaled, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<PartReceipt>>(Array.Empty<PartReceipt>());

        public Task CommitAsync(IReadOnlyList<PartReceipt> parts, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task AbortAsync(bool keepForResume, CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }

        private static async Task<string> DigestAsync(PartContent content, UploadChecksum checksum, CancellationToken cancellationToken)
        {
            using IncrementalHash hash = IncrementalHash.CreateHash(checksum == UploadChecksum.Md5 ? HashAlgorithmName.MD5 : HashAlgorithmName.SHA256);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                using Stream stream = await content.OpenAsync(cancellationToken).ConfigureAwait(false);
                int read;
                while ((read = await stream.ReadAsync(buffer, 0, BufferSize, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            return Convert.ToBase64String(hash.GetHashAndReset());
        }

        private static async Task<int> ReadSourceAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
        {
            try
            {
                return await source.ReadAsync(buffer, 0, BufferSize, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                HttpTransport.MarkUploadSource(e);
                throw;
            }
        }

        /// <summary>The part's bytes, opened afresh for every attempt and written straight to the connection.</summary>
        private sealed class UploadContent : HttpContent
        {
            private readonly PartContent _content;
            private readonly long? _length;
            private readonly HttpTransport.RequestTimer _timer;

            public UploadContent(PartContent content, long? length, HttpTransport.RequestTimer timer)
            {
                _content = content;
                _length = length;
                _timer = timer;
                Headers.ContentLength = length;
            }

            protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
                CopyAsync(stream, _timer.Token);

#if NET
            protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
                CopyAsync(stream, cancellationToken);
#endif

            private async Task VerifySourceAsync(CancellationToken cancellationToken)
            {
                try
                {
                    await _content.VerifySourceAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is OperationCanceledException))
                {
                    HttpTransport.MarkUploadSource(e);
                    throw;
                }
            }

            protected override bool TryComputeLength(out long length)
            {
                length = _length ?? -1;
                return _length.HasValue;
            }

            private async Task CopyAsync(Stream target, CancellationToken cancellationToken)
            {
                byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    _timer.BodyProgress();
                    Stream source;
                    try
                    {
                        source = await _content.OpenAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (!(e is OperationCanceledException))
                    {
                        HttpTransport.MarkUploadSource(e);
                        throw;
                    }

                    using Stream opened = source;
                    int read;
                    long sent = 0;
                    while (true)
                    {
                        read = await ReadSourceAsync(source, buffer, cancellationToken).ConfigureAwait(false);
                        sent += read;
                        if (_length.HasValue && (read == 0 || sent >= _length.Value))
                        {
                            // The server publishes the object once the body is complete: the source is checked before the
                            // last bytes go out, so a file changed (or cut short) meanwhile never becomes a whole object.
                            await VerifySourceAsync(cancellationToken).ConfigureAwait(false);
                        }

                        if (read == 0)
                        {
                            break;
                        }

                        await target.WriteAsync(buffer, 0, read, cancellationToken).ConfigureAwait(false);
                        _timer.BodyProgress();
                    }

                    await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                    _timer.BodySent();
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }

        /// <summary>
        /// A query-string signature of the older kind: S3's Signature Version 2 (AWSAccessKeyId, Expires, Signature), as
        /// boto and `aws s3 presign` still make for some stores, or Google Cloud Storage's V2 (GoogleAccessId). Its
        /// signature covers the Content-Type, empty when the URL was made without one, so an upload sends none unless
        /// one is given (a probe: every such URL answered 403 SignatureDoesNotMatch to application/octet-stream).
        /// </summary>
        internal static bool SignsTheContentType(Uri uri)
        {
            bool signature = false, expires = false;
            foreach (string pair in uri.Query.TrimStart('?').Split('&'))
            {
                string name = pair.Split('=')[0];
                signature |= name == "Signature";
                expires |= name == "Expires";
            }

            return signature && expires;
        }
    }
}
