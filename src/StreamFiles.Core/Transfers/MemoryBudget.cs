using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Transfers
{
    /// <summary>
    /// The one memory budget every transfer of an operation shares: a fixed number of pooled buffers, handed
    /// out as leases. A part waits for a lease before it reads a byte, so peak buffer memory is at most
    /// MaxMemory whatever the number and size of the files. Buffers come from a private ArrayPool sized to
    /// the budget, so the pool itself never holds more than the budget either.
    /// </summary>
    public sealed class MemoryBudget
    {
        public const int DefaultBufferSize = 256 * 1024;
        public const int MinBufferSize = 64 * 1024;

        private readonly SemaphoreSlim _tokens;
        private readonly ArrayPool<byte> _pool;
        private int _inUse;
        private int _peak;

        public MemoryBudget(long maxMemory, int bufferSize = DefaultBufferSize)
        {
            if (maxMemory < MinBufferSize)
            {
                throw new ArgumentOutOfRangeException(nameof(maxMemory), maxMemory, $"The memory budget must be at least {ByteSize.Format(MinBufferSize)}.");
            }

            if (bufferSize < MinBufferSize)
            {
                throw new ArgumentOutOfRangeException(nameof(bufferSize), bufferSize, $"Buffers must be at least {ByteSize.Format(MinBufferSize)}.");
            }

            // A budget smaller than one buffer gets smaller buffers rather than none.
            BufferSize = (int)Math.Min(bufferSize, maxMemory);
            BufferCount = (int)Math.Min(maxMemory / BufferSize, 4096);
            MaxMemory = (long)BufferSize * BufferCount;
            _tokens = new SemaphoreSlim(BufferCount, BufferCount);
            _pool = ArrayPool<byte>.Create(BufferSize, BufferCount);
        }

        public int BufferSize { get; }

        public int BufferCount { get; }

        /// <summary>The budget as granted: a whole number of buffers.</summary>
        public long MaxMemory { get; }

        /// <summary>The most buffers that were leased at once (tests and benchmarks check the cap).</summary>
        public int PeakBuffers => Volatile.Read(ref _peak);

        public int BuffersInUse => Volatile.Read(ref _inUse);

        public async Task<Lease> RentAsync(CancellationToken cancellationToken)
        {
            await _tokens.WaitAsync(cancellationToken).ConfigureAwait(false);
            byte[] buffer;
            try
            {
                buffer = _pool.Rent(BufferSize);
            }
            catch
            {
                _tokens.Release();
                throw;
            }

            int inUse = Interlocked.Increment(ref _inUse);
            int peak;
            while (inUse > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, inUse, peak) != peak)
            {
            }

            return new Lease(this, buffer);
        }

        private void Return(byte[] buffer)
        {
            _pool.Return(buffer);
            Interlocked.Decrement(ref _inUse);
            _tokens.Release();
        }

        /// <summary>One buffer of the budget; disposing gives it back. Use BufferSize bytes of Array at most.</summary>
        public sealed class Lease : IDisposable
        {
            private MemoryBudget? _owner;

            internal Lease(MemoryBudget owner, byte[] array)
            {
                _owner = owner;
                Array = array;
            }

            public byte[] Array { get; }

            public int Length => _owner?.BufferSize ?? 0;

            public void Dispose()
            {
                MemoryBudget? owner = Interlocked.Exchange(ref _owner, null);
                owner?.Return(Array);
            }
        }
    }
}
