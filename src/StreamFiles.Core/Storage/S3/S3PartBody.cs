using System;
using System.Buffers;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// A part's content as the SDK wants a request body: a known length and "seekable" (the SDK insists, to rewind
    /// for its own retries). Only rewinding to the start is supported, by opening the part's window again.
    /// The SDK and HttpClient read bodies a few KiB at a time; the window (a positional read per call) is read in
    /// 256 KiB steps through one pooled buffer instead, so a part costs tens of system calls, not thousands.
    /// Each complete reading is checked against the CRC32C of the pre-pass: a part whose bytes changed in between
    /// fails with SourceChangedException instead of going out unlike its checksum headers. The body of a request that
    /// publishes the object when it ends (a single PutObject) checks the source's version before its last step goes
    /// out, so a file modified, truncated or deleted meanwhile never becomes a complete object.
    /// </summary>
    internal sealed class S3PartBody : Stream
    {
        private const int StepSize = 256 * 1024;

        private readonly PartContent _content;
        private readonly CancellationToken _cancellationToken;
        private Stream _window;
        private long _position;
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(StepSize);
        private int _bufferStart;
        private int _bufferEnd;
        private Task<int>? _lastRead;
        private readonly uint? _expectedCrc;
        private readonly string _sourceDisplay;
        private readonly Hashing.Crc32 _crc = Hashing.Crc32.CreateCastagnoli();
        private readonly bool _verifyBeforeEnd;
        private readonly CancellationTokenSource? _abandon;
        private long _filled;

        private S3PartBody(PartContent content, Stream window, long length, uint? expectedCrc, string sourceDisplay, bool verifyBeforeEnd, CancellationTokenSource? abandon, CancellationToken cancellationToken)
        {
            _verifyBeforeEnd = verifyBeforeEnd;
            _abandon = abandon;
            _content = content;
            _window = window;
            Length = length;
            _expectedCrc = expectedCrc;
            _sourceDisplay = sourceDisplay;
            _cancellationToken = cancellationToken;
        }

        /// <param name="abandon">Cancelled when the body finds the source changed, so the request is not retried.</param>
        public static async Task<S3PartBody> OpenAsync(PartContent content, long length, uint? expectedCrc, string sourceDisplay, bool verifyBeforeEnd, CancellationTokenSource? abandon, CancellationToken cancellationToken)
        {
            Stream window = await content.OpenAsync(cancellationToken).ConfigureAwait(false);
            return new S3PartBody(content, window, length, expectedCrc, sourceDisplay, verifyBeforeEnd, abandon, cancellationToken);
        }

        /// <summary>The change this body found in its source, if it found one.</summary>
        public SourceChangedException? SourceChange { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length { get; }

        public override long Position
        {
            get => _position;
            set => Seek(value, SeekOrigin.Begin);
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer, offset, count, CancellationToken.None).ConfigureAwait(false).GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (_bufferStart < _bufferEnd)
            {
                // Served from the buffer: no await, and the SDK reads with the same count again and again, so the
                // finished task is reused as MemoryStream does (a task per 4 KiB read would be most of the garbage).
                int n = Math.Min(count, _bufferEnd - _bufferStart);
                Buffer.BlockCopy(_buffer!, _bufferStart, buffer, offset, n);
                _bufferStart += n;
                _position += n;
                Task<int>? last = _lastRead;
                return last != null && last.Result == n ? last : (_lastRead = Task.FromResult(n));
            }

            return ReadCoreAsync(buffer, offset, count, cancellationToken);
        }

        private async Task<int> ReadCoreAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            byte[] step = _buffer ?? throw new ObjectDisposedException(nameof(S3PartBody));
            if (_bufferStart == _bufferEnd)
            {
                int want = (int)Math.Min(step.Length, Length - _position);
                if (want <= 0)
                {
                    return 0;
                }

                _bufferStart = 0;
                _bufferEnd = 0;
                while (_bufferEnd < want)
                {
                    int read = await _window.ReadAsync(step, _bufferEnd, want - _bufferEnd, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    _bufferEnd += read;
                }

                if (_bufferEnd == 0)
                {
                    return 0;
                }

                try
                {
                    CheckReading(step, _bufferEnd);
                    if (_verifyBeforeEnd && _position + _bufferEnd >= Length)
                    {
                        await _content.VerifySourceAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (SourceChangedException changed)
                {
                    SourceChange = changed;
                    _abandon?.Cancel();
                    throw;
                }
            }

            int n = Math.Min(count, _bufferEnd - _bufferStart);
            Buffer.BlockCopy(step, _bufferStart, buffer, offset, n);
            _bufferStart += n;
            _position += n;
            return n;
        }

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
            _bufferStart = 0;
            _bufferEnd = 0;
            _filled = 0;
            _crc.Reset();
            return 0;
        }

        private void CheckReading(byte[] step, int count)
        {
            if (_expectedCrc is not uint expected)
            {
                return;
            }

            _crc.Append(new ReadOnlySpan<byte>(step, 0, count));
            _filled += count;
            if (_filled == Length && _crc.Value != expected)
            {
                throw new SourceChangedException(_sourceDisplay, $"the bytes of {_content.Part} changed between two readings (CRC32C {_crc.Value:X8}, first {expected:X8})");
            }
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
                byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
                if (buffer != null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            base.Dispose(disposing);
        }
    }
}
