using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// A forward-only read window [offset, offset+length) over a file, read positionally: many windows over
    /// one handle can be read at once from different threads. The read function does the I/O (RandomAccess
    /// on .NET 8; a locked Seek+Read of a FileStream on .NET Standard).
    /// </summary>
    internal sealed class RangeStream : Stream
    {
        private readonly Func<long, Memory<byte>, CancellationToken, ValueTask<int>> _readAt;
        private readonly IDisposable? _owned;
        private readonly long _end;
        private long _position;

        public RangeStream(Func<long, Memory<byte>, CancellationToken, ValueTask<int>> readAt, long offset, long? length, IDisposable? owned = null)
        {
            _readAt = readAt;
            _position = offset;
            _end = length.HasValue ? offset + length.Value : long.MaxValue;
            _owned = owned;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadCoreAsync(new Memory<byte>(buffer, offset, count), cancellationToken).AsTask();

#if NET8_0_OR_GREATER
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ReadCoreAsync(buffer, cancellationToken);
#endif

        private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            long left = _end - _position;
            if (left <= 0 || buffer.Length == 0)
            {
                return 0;
            }

            if (buffer.Length > left)
            {
                buffer = buffer.Slice(0, (int)left);
            }

            int read = await _readAt(_position, buffer, cancellationToken).ConfigureAwait(false);
            _position += read;
            return read;
        }

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
                _owned?.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
