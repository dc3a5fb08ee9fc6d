using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Transfers
{
    /// <summary>
    /// Adapts a reader without ranges (an HTTP server that ignores Range) to the part mechanism: one stream
    /// from the start, handed out slice by slice to parts that run one at a time, front to back.
    /// A retry reads from the start again and drops what the parts already have, after checking it is the same: the
    /// CRC32C of the bytes handed out up to each point a retry can go on from is kept (the start of each part, and
    /// every read of the last <c>window</c> bytes, as a reader of buffers of that size may have lost a buffer's
    /// worth at the break), and bytes that differ when read again (a source with no ETag or date to pin it,
    /// changed in between) fail as SourceChanged instead of being spliced onto the old ones (a probe: the new
    /// half after the old, "completed", exit 0).
    /// </summary>
    internal sealed class SequentialReader : IObjectReader
    {
        private readonly IObjectReader _inner;
        private readonly string _display;
        private readonly Hashing.Crc32 _crc = Hashing.Crc32.CreateCastagnoli();
        private readonly long _window;
        private readonly System.Collections.Generic.Dictionary<long, uint> _crcAtPart = new System.Collections.Generic.Dictionary<long, uint>();
        private readonly System.Collections.Generic.Queue<(long Position, uint Crc)> _crcAtRead = new System.Collections.Generic.Queue<(long Position, uint Crc)>();
        private Stream? _stream;
        private long _position;
        private bool _broken;

        /// <param name="window">The largest read of its consumers (a buffer): a retry goes on at most that far before the break.</param>
        public SequentialReader(IObjectReader inner, string display, long window)
        {
            _inner = inner;
            _display = display;
            _window = window;
        }

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
                _crc.Reset();
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

                if (offset > 0 && CrcBefore(offset) is uint before && before != _crc.Value)
                {
                    _broken = true;
                    throw new SourceChangedException(_display, $"read again from the start after its connection broke, its first {offset} bytes differ from those copied before");
                }

                // What the first reading handed out after this point is read anew: its points no longer describe the copy.
                var kept = new System.Collections.Generic.List<(long Position, uint Crc)>(_crcAtRead);
                _crcAtRead.Clear();
                foreach (var point in kept.Where(p => p.Position <= offset))
                {
                    _crcAtRead.Enqueue(point);
                }

            }

            if (offset != _position)
            {
                throw new NotSupportedException($"The source cannot be read from byte {offset}: it can only be read from the start, and reading stopped at byte {_position}.");
            }

            _crcAtPart[offset] = _crc.Value;
            return new Slice(this, length);
        }

        private uint? CrcBefore(long offset)
        {
            if (_crcAtPart.TryGetValue(offset, out uint atPart))
            {
                return atPart;
            }

            foreach ((long position, uint crc) in _crcAtRead)
            {
                if (position == offset)
                {
                    return crc;
                }
            }

            return null;
        }

        private void Handed(byte[] buffer, int offset, int count)
        {
            _crc.Append(new ReadOnlySpan<byte>(buffer, offset, count));
            _position += count;
            _crcAtRead.Enqueue((_position, _crc.Value));
            while (_crcAtRead.Peek().Position < _position - _window)
            {
                _crcAtRead.Dequeue();
            }
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

                _crc.Append(new ReadOnlySpan<byte>(scratch, 0, n));
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
                _owner.Handed(buffer, offset, n);
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
