using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Transfers
{
    /// <summary>A read-only window on a part that hashes and counts bytes as the backend reads them.</summary>
    internal sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly TransferIntegrity.PartHash _hash;
        private readonly Action<int> _counted;
        private long _position;

        public HashingStream(Stream inner, TransferIntegrity.PartHash hash, Action<int> counted)
        {
            _inner = inner;
            _hash = hash;
            _counted = counted;
            _position = hash.Part.Offset;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _hash.Part.Length >= 0 ? _hash.Part.Length : throw new NotSupportedException();

        public override long Position
        {
            get => _position - _hash.Part.Offset;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            int read;
            try
            {
                read = await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (TransferErrors.Mark(e, writing: false))
            {
                throw;
            }

            if (read > 0)
            {
                // Part checksums only (feedWhole: false): this completes synchronously.
                await _hash.AppendAsync(_position, buffer, offset, read, feedWhole: false, cancellationToken).ConfigureAwait(false);
                _position += read;
                _counted(read);
            }

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
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
