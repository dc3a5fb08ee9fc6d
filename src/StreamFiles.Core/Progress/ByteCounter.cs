using System.Threading;

namespace StreamFiles.Core.Progress
{
    /// <summary>A byte count that workers advance and a progress sampler reads, without locks.</summary>
    public sealed class ByteCounter
    {
        private long _value;

        public long Value => Volatile.Read(ref _value);

        public void Add(long bytes) => Interlocked.Add(ref _value, bytes);

        public void Set(long bytes) => Interlocked.Exchange(ref _value, bytes);
    }
}
