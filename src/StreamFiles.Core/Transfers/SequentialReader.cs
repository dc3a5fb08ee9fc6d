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

        public SequentialReader(IObjectReader inner) => _inner = inner;

        public bool SupportsRanges => false;

        public async Task<Stream> OpenRangeAsync(long offset, long? length, CancellationToken cancellationToken)
        {
            if (offset != _position)
            {
                throw new NotSupportedException($"The source cannot be read from byte {offset}: it can only be read from the start, and reading stopped at byte {_position}.");
            }

            _stream ??= await _inner.OpenRangeAsync(0, null, cancellationToken).ConfigureAwait(false);
            return new Slice(this, length);
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

                int n = await _owner._stream!.ReadAsync(buffer, offset, (int)Math.Min(count, _left), cancellationToken).ConfigureAwait(false);
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
