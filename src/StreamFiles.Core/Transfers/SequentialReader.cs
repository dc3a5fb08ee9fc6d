using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Transfers
{
    /// <summary>
    /// Adapts a reader without ranges (an HTTP server that ignores Range) to the part mechanism: one stream
    /// from the start, handed out slice by slice to parts that run one at a time, front to back.
    /// </summary>
    internal sealed class SequentialReader : IObjectReader
    {
        private readonly IObjectReader _inner;
        private Stream? _stream;
        private long _position;
        private bool _broken;

        public SequentialReader(IObjectReader inner) => _inner = inner;

        public bool SupportsRanges => false;

        public async Task<Stream> OpenRangeAsync(long offset, long? length, CancellationToken cancellationToken)
        {
            if (_broken)
            {
                // A retry after the stream failed (a connection that dropped): the only way back in is from the
                // start, reading again and dropping what earlier parts already have.
                _stream?.Dispose();
                _stream = null;
                _broken = false;
                _position = 0;
            }

            if (_stream is null)
            {
                _stream = await _inner.OpenRangeAsync(0, null, cancellationToken).ConfigureAwait(false);
                try
                {
                    await SkipAsync(offset, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _broken = true;
                    throw;
                }
            }

            if (offset != _position)
            {
                throw new NotSupportedException($"The source cannot be read from byte {offset}: it can only be read from the start, and reading stopped at byte {_position}.");
            }

            return new Slice(this, length);
        }

        private async Task SkipAsync(long offset, CancellationToken cancellationToken)
        {
            if (offset <= 0)
            {
                return;
            }

            byte[] scratch = new byte[64 * 1024];
            while (_position < offset)
            {
                int n = await _stream!.ReadAsync(scratch, 0, (int)Math.Min(scratch.Length, offset - _position), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new EndOfStreamException($"The source ended at byte {_position} when it was read again up to byte {offset}.");
                }

                _position += n;
            }
        }

        public void Dispose()
        {
            _stream?.Dispose();
            _inner.Dispose();
        }

        private sealed class Slice : Stream
        {
            private readonly SequentialReader _owner;
            private long _left;

            public Slice(SequentialReader owner, long? length)
            {
                _owner = owner;
                _left = length ?? long.MaxValue;
            }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position
            {
                get => throw new NotSupportedException();
                set => throw new NotSupportedException();
            }

            public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                if (_left <= 0)
                {
                    return 0;
                }

                int n;
                try
                {
                    n = await _owner._stream!.ReadAsync(buffer, offset, (int)Math.Min(count, _left), cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _owner._broken = true;
                    throw;
                }

                _left -= n;
                _owner._position += n;
                return n;
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
