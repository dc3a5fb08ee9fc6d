using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Amazon.S3.Model;
using StreamFiles.Core.Locations;
using ChecksumAlgorithm = StreamFiles.Core.Hashing.ChecksumAlgorithm;
using S3Location = StreamFiles.Core.Locations.S3Location;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// Ranged GETs of one version of an object: every range asks If-Match the ETag seen by HEAD, so bytes of two
    /// versions never end up in one file; a newer version surfaces as SourceChangedException.
    /// </summary>
    internal sealed class S3ObjectReader : IObjectReader
    {
        private readonly S3Client _client;
        private readonly S3Location _location;
        private readonly ObjectInfo _source;

        public S3ObjectReader(S3Client client, S3Location location, ObjectInfo source)
        {
            _client = client;
            _location = location;
            _source = source;
        }

        public bool SupportsRanges => true;

        public async Task<Stream> OpenRangeAsync(long offset, long? length, CancellationToken cancellationToken)
        {
            long? total = _source.Length;
            if (length == 0 || (total.HasValue && offset >= total.Value && offset == 0))
            {
                return Stream.Null; // a range of an empty object is unsatisfiable (416); there is nothing to read
            }

            long end = length.HasValue ? offset + length.Value - 1 : (total.HasValue ? total.Value - 1 : long.MaxValue);
            var request = new GetObjectRequest
            {
                BucketName = _location.Bucket,
                Key = _location.Key,
            };
            if (offset != 0 || length.HasValue)
            {
                request.ByteRange = end == long.MaxValue ? new ByteRange("bytes=" + offset + "-") : new ByteRange(offset, end);
            }

            if (!string.IsNullOrEmpty(_source.ETag))
            {
                request.EtagToMatch = S3Tags.Quote(_source.ETag!);
            }

            GetObjectResponse response;
            try
            {
                response = await _client.Client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (S3Errors.IsPreconditionFailed(e))
            {
                throw new SourceChangedException(_location.Display, $"its ETag is no longer {_source.ETag}: the object was overwritten", e);
            }
            catch (Exception e) when (!(e is OperationCanceledException) && !S3Errors.IsTransient(e))
            {
                throw new Operations.CommandFailureException(S3Errors.Describe(e, "download", _location.Display, _client));
            }

            return new ResponseStream(response);
        }

        public void Dispose()
        {
        }

        /// <summary>The body of one GET; disposing it releases the response and its connection.</summary>
        private sealed class ResponseStream : Stream
        {
            private readonly GetObjectResponse _response;
            private readonly Stream _body;

            public ResponseStream(GetObjectResponse response)
            {
                _response = response;
                _body = response.ResponseStream;
            }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => _response.ContentLength;

            public override long Position
            {
                get => throw new NotSupportedException();
                set => throw new NotSupportedException();
            }

            public override int Read(byte[] buffer, int offset, int count) => _body.Read(buffer, offset, count);

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                _body.ReadAsync(buffer, offset, count, cancellationToken);

#if NET8_0_OR_GREATER
            public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
                _body.ReadAsync(buffer, cancellationToken);
#endif

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _body.Dispose();
                    _response.Dispose();
                }

                base.Dispose(disposing);
            }
        }
    }
}
