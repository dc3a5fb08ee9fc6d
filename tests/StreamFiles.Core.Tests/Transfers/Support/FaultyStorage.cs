using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Local;

namespace StreamFiles.Core.Tests.Transfers.Support
{
    /// <summary>
    /// The local backend with faults injected through the storage seam: reads that fail after N bytes
    /// (permanently or once, as a transient error), writes that fail or corrupt, a stat that reports a
    /// changed source, and a pace limit to keep a transfer running long enough to cancel it.
    /// </summary>
    public sealed class FaultyStorage : IReadableStorage, IWritableStorage, IListableStorage
    {
        private readonly LocalStorage _inner;
        private readonly object _readGate = new object();
        private long _bytesRead;
        private long _bytesGranted;
        private long _bytesWritten;
        private int _transientLeft;
        private int _stats;

        public FaultyStorage(bool portable = false) => _inner = new LocalStorage(portable);

        /// <summary>
        /// Reading fails once this many bytes (over all parts) have been read: parts reading at the same time share
        /// the allowance, so whatever the concurrency no more than this is read before the failure.
        /// </summary>
        public long? FailReadAfter { get; set; }

        /// <summary>The exception a failing read throws (default: IOException).</summary>
        public Func<Exception> ReadFailure { get; set; } = () => new IOException("injected read failure");

        /// <summary>How many read failures are transient (retried) before reads succeed again.</summary>
        public int TransientReadFailures
        {
            get => _transientLeft;
            set => _transientLeft = value;
        }

        public long? FailWriteAfter { get; set; }

        public Func<Exception> WriteFailure { get; set; } = () => new IOException("injected write failure");

        /// <summary>Flips a bit of every write at this file offset (what Verify must catch).</summary>
        public long? CorruptWriteAt { get; set; }

        /// <summary>From this stat call on (1-based), files report a later modification time.</summary>
        public int? ChangeAfterStats { get; set; }

        /// <summary>Sleep per read call, to slow a transfer down.</summary>
        public TimeSpan ReadDelay { get; set; }

        /// <summary>Wait (cancellably) before each stat answers, as a slow or unreachable store does.</summary>
        public TimeSpan StatDelay { get; set; }

        public string Name => "faulty-local";

        public PartLimits PartLimits => _inner.PartLimits;

        public long BytesRead => Interlocked.Read(ref _bytesRead);

        public bool IsTransient(Exception exception) => exception is TransientTestException;

        public async Task<ObjectInfo?> StatAsync(Location location, CancellationToken cancellationToken)
        {
            if (StatDelay > TimeSpan.Zero)
            {
                await Task.Delay(StatDelay, cancellationToken);
            }

            ObjectInfo? info = await _inner.StatAsync(location, cancellationToken);
            int call = Interlocked.Increment(ref _stats);
            if (info != null && !info.IsContainer && ChangeAfterStats.HasValue && call >= ChangeAfterStats.Value)
            {
                return new ObjectInfo(info.Location, info.Length, info.LastModified?.AddSeconds(5), info.ETag, false, info.Checksums, info.UnixMode);
            }

            return info;
        }

        public async Task<IObjectReader> OpenReadAsync(ObjectInfo source, CancellationToken cancellationToken) =>
            new Reader(this, await _inner.OpenReadAsync(source, cancellationToken));

        public async Task<IObjectWriter> OpenWriterAsync(WriteRequest request, CancellationToken cancellationToken) =>
            new Writer(this, await _inner.OpenWriterAsync(request, cancellationToken));

        public IAsyncEnumerable<ListedObject> ListAsync(Location container, bool recurse, CancellationToken cancellationToken) =>
            _inner.ListAsync(container, recurse, cancellationToken);

        private sealed class Reader : IObjectReader
        {
            private readonly FaultyStorage _owner;
            private readonly IObjectReader _inner;

            public Reader(FaultyStorage owner, IObjectReader inner)
            {
                _owner = owner;
                _inner = inner;
            }

            public bool SupportsRanges => _inner.SupportsRanges;

            public async Task<Stream> OpenRangeAsync(long offset, long? length, CancellationToken cancellationToken) =>
                new FaultyStream(_owner, await _inner.OpenRangeAsync(offset, length, cancellationToken));

            public void Dispose() => _inner.Dispose();
        }

        private sealed class FaultyStream : Stream
        {
            private readonly FaultyStorage _owner;
            private readonly Stream _inner;

            public FaultyStream(FaultyStorage owner, Stream inner)
            {
                _owner = owner;
                _inner = inner;
            }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                if (_owner.ReadDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_owner.ReadDelay, cancellationToken);
                }

                long granted = 0;
                lock (_owner._readGate)
                {
                    if (_owner.FailReadAfter is long limit)
                    {
                        long left = limit - _owner._bytesGranted;
                        if (left <= 0)
                        {
                            if (Interlocked.Decrement(ref _owner._transientLeft) >= 0)
                            {
                                _owner.FailReadAfter = null;
                                throw new TransientTestException();
                            }

                            throw _owner.ReadFailure();
                        }

                        count = (int)Math.Min(count, left);
                        granted = count;
                        _owner._bytesGranted += granted;
                    }
                }

                int n = await _inner.ReadAsync(buffer, offset, count, cancellationToken);
                Interlocked.Add(ref _owner._bytesRead, n);
                if (granted > n)
                {
                    lock (_owner._readGate)
                    {
                        _owner._bytesGranted -= granted - n; // the range ended early: the rest of the allowance is not used
                    }
                }

                return n;
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

        private sealed class Writer : IObjectWriter, IPositionalWriter, IReadBackWriter, IDurableWriter
        {
            private readonly FaultyStorage _owner;
            private readonly IObjectWriter _inner;

            public Writer(FaultyStorage owner, IObjectWriter inner)
            {
                _owner = owner;
                _inner = inner;
            }

            public string? ResumeToken => _inner.ResumeToken;

            public Task<IReadOnlyList<PartReceipt>> ConfirmPartsAsync(IReadOnlyList<PartReceipt> journaled, CancellationToken cancellationToken) =>
                _inner.ConfirmPartsAsync(journaled, cancellationToken);

            public Task CommitAsync(IReadOnlyList<PartReceipt> parts, CancellationToken cancellationToken) => _inner.CommitAsync(parts, cancellationToken);

            public Task AbortAsync(bool keepForResume, CancellationToken cancellationToken) => _inner.AbortAsync(keepForResume, cancellationToken);

            public Task<IObjectReader> OpenReadBackAsync(CancellationToken cancellationToken) => ((IReadBackWriter)_inner).OpenReadBackAsync(cancellationToken);

            public IReadBackCursor FollowWrites(long? window = null) => ((IReadBackWriter)_inner).FollowWrites(window);

            public bool ReadBackIsLocal => ((IReadBackWriter)_inner).ReadBackIsLocal;

            public ValueTask WriteAtAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
            {
                if (_owner.FailWriteAfter.HasValue && Interlocked.Add(ref _owner._bytesWritten, data.Length) > _owner.FailWriteAfter.Value)
                {
                    throw _owner.WriteFailure();
                }

                if (_owner.CorruptWriteAt is long at && at >= offset && at < offset + data.Length)
                {
                    byte[] copy = data.ToArray();
                    copy[at - offset] ^= 0x01;
                    data = copy;
                }

                return ((IPositionalWriter)_inner).WriteAtAsync(offset, data, cancellationToken);
            }

            public void FlushToDisk() => ((IDurableWriter)_inner).FlushToDisk();

            public void Dispose() => _inner.Dispose();
        }
    }

    /// <summary>A failure the FaultyStorage calls transient, so the engine retries it.</summary>
    public sealed class TransientTestException : IOException
    {
        public TransientTestException()
            : base("injected transient failure")
        {
        }
    }
}
