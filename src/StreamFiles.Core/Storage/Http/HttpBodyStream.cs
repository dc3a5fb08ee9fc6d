using System;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage.Http
{
    /// <summary>
    /// A response body, read forward only, that never passes a broken transfer off as a complete one: it fails
    /// when the connection ends before the announced length (truncation), and when no byte arrives for
    /// StallTimeout (a stalled server) — both as transient HttpTransferExceptions, so the part is retried.
    /// Disposing it releases the response (and its connection).
    /// </summary>
    internal sealed class HttpBodyStream : Stream
    {
        private readonly HttpResponseMessage _response;
        private readonly Stream _inner;
        private readonly long? _expectedLength;
        private readonly string _display;
        private readonly StallWatchdog _watchdog;
        private long _received;
        private int _disposed;

        private HttpBodyStream(HttpResponseMessage response, Stream inner, long? expectedLength, TimeSpan stallTimeout, string display)
        {
            _response = response;
            _inner = inner;
            _expectedLength = expectedLength;
            _display = display;
            _watchdog = new StallWatchdog(stallTimeout, _response.Dispose);
        }

        /// <summary>Takes ownership of response. expectedLength is what the request asked for (null: to the end).</summary>
        public static async Task<HttpBodyStream> OpenAsync(HttpResponseMessage response, long? expectedLength, TimeSpan stallTimeout, string display)
        {
            try
            {
                Stream inner = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                return new HttpBodyStream(response, inner, expectedLength, stallTimeout, display);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _expectedLength ?? throw new NotSupportedException();

        public override long Position
        {
            get => Interlocked.Read(ref _received);
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadCoreAsync(new Memory<byte>(buffer, offset, count), cancellationToken).AsTask();

#if NET
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ReadCoreAsync(buffer, cancellationToken);
#endif

        private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (buffer.Length == 0)
            {
                return 0;
            }

            if (_expectedLength.HasValue)
            {
                long left = _expectedLength.Value - _received;
                if (left <= 0)
                {
                    return 0;
                }

                if (left < buffer.Length)
                {
                    buffer = buffer.Slice(0, (int)left);
                }
            }

            int read;
            _watchdog.Arm();
            try
            {
#if NET
                read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
#else
                read = await ReadIntoAsync(buffer, cancellationToken).ConfigureAwait(false);
#endif
            }
            catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw Broken(e);
            }
            finally
            {
                _watchdog.Disarm();
            }

            if (_watchdog.Stalled)
            {
                throw Broken(null);
            }

            if (read == 0 && _expectedLength.HasValue && _received < _expectedLength.Value)
            {
                throw new HttpTransferException(
                    "HttpBodyTruncated",
                    FailureCategory.ReadError,
                    _display,
                    string.Format(CultureInfo.InvariantCulture, "The download of '{0}' ended after {1} of {2} bytes: the connection closed early.", _display, _received, _expectedLength.Value),
                    isTransient: true);
            }

            Interlocked.Add(ref _received, read);
            return read;
        }

#if !NET
        private async Task<int> ReadIntoAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray((ReadOnlyMemory<byte>)buffer, out ArraySegment<byte> segment))
            {
                return await _inner.ReadAsync(segment.Array!, segment.Offset, segment.Count, cancellationToken).ConfigureAwait(false);
            }

            byte[] temporary = new byte[buffer.Length];
            int read = await _inner.ReadAsync(temporary, 0, temporary.Length, cancellationToken).ConfigureAwait(false);
            temporary.AsSpan(0, read).CopyTo(buffer.Span);
            return read;
        }
#endif

        private HttpTransferException Broken(Exception? cause)
        {
            if (_watchdog.Stalled)
            {
                return new HttpTransferException(
                    "HttpBodyStalled",
                    FailureCategory.OperationTimeout,
                    _display,
                    string.Format(CultureInfo.InvariantCulture, "The download of '{0}' stalled: no data for {1:0.#} s after {2} bytes.", _display, _watchdog.Timeout.TotalSeconds, _received),
                    isTransient: true,
                    inner: cause);
            }

            string expected = _expectedLength.HasValue ? " of " + _expectedLength.Value.ToString(CultureInfo.InvariantCulture) : string.Empty;
            return new HttpTransferException(
                "HttpBodyTruncated",
                FailureCategory.ReadError,
                _display,
                string.Format(CultureInfo.InvariantCulture, "The download of '{0}' broke off after {1}{2} bytes: {3}", _display, _received, expected, HttpTransport.Describe(cause)),
                isTransient: true,
                inner: cause);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _watchdog.Dispose();
                _inner.Dispose();
                _response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
