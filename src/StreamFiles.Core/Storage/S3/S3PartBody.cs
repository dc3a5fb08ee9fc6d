using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// A part's content as the SDK wants a request body: a known length and "seekable" (the SDK insists, to rewind
    /// for its own retries). Only rewinding to the start is supported, by opening the part's window again; the
    /// window itself is forward-only and never buffered here.
    /// </summary>
    internal sealed class S3PartBody : Stream
    {
        private readonly PartContent _content;
        private readonly CancellationToken _cancellationToken;
        private Stream _window;
        private long _position;

        private S3PartBody(PartContent content, Stream window, long length, CancellationToken cancellationToken)
        {
            _content = content;
            _window = window;
            Length = length;
            _cancellationToken = cancellationToken;
        }

        public static async Task<S3PartBody> OpenAsync(PartContent content, long length, CancellationToken cancellationToken)
        {
            Stream window = await content.OpenAsync(cancellationToken).ConfigureAwait(false);
            return new S3PartBody(content, window, length, cancellationToken);
        }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length { get; }

        public override long Position
        {
            get => _position;
            set => Seek(value, SeekOrigin.Begin);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read = _window.Read(buffer, offset, (int)Math.Min(count, Length - _position));
            _position += read;
            return read;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            int read = await _window.ReadAsync(buffer, offset, (int)Math.Min(count, Length - _position), cancellationToken).ConfigureAwait(false);
            _position += read;
            return read;
        }

#if NET8_0_OR_GREATER
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read = await _window.ReadAsync(buffer.Slice(0, (int)Math.Min(buffer.Length, Length - _position)), cancellationToken).ConfigureAwait(false);
            _position += read;
            return read;
        }
#endif

        public override long Seek(long offset, SeekOrigin origin)
        {
            long target = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => Length + offset,
            };
            if (target == _position)
            {
                return _position;
            }

            if (target != 0)
            {
                throw new NotSupportedException("A part body can only be rewound to its start.");
            }

            // A retry inside the SDK: read the part again from its source. Rare, so a blocking open is acceptable.
            _window.Dispose();
            _window = _content.OpenAsync(_cancellationToken).ConfigureAwait(false).GetAwaiter().GetResult();
            _position = 0;
            return 0;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _window.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
