#if NET8_0_OR_GREATER
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// Hashes the MD5 lanes of concurrent streams (the parts of one download) together, by flat combining: a caller
    /// that finds nobody hashing hashes its own bytes at once, together with whatever other lanes queued meanwhile;
    /// a caller that finds a batch running queues its bytes and awaits them without holding a thread. The caller's
    /// buffer must stay unchanged until the returned task completes.
    /// <para>While several streams are open (Open/Close), bytes wait up to CompanyWait for the others' before a batch
    /// starts (at once when every open stream has bytes queued): a stream's reads come every ten milliseconds or so
    /// and take a fraction of that to hash, so hashing each on arrival would mostly run one lane. The streams stage
    /// their reads, so the wait does not hold their sockets; bytes a stream is about to wait for come urgent (or the
    /// stream hurries its lane), and do not wait. A lone stream's bytes are hashed at once.</para>
    /// <para>Bytes are hashed in slices, and requests queued meanwhile join between slices. Once its own bytes are
    /// hashed, a caller leaves the rest to a pool work item, so one stream's reads are never held up by the others'.</para>
    /// </summary>
    internal sealed class Md5Batcher : IDisposable
    {
        /// <summary>Bytes of each lane hashed between two looks at the queue.</summary>
        private const int SliceBytes = 16 * 1024;

        private readonly object _gate = new object();
        private readonly Queue<Request> _pending = new Queue<Request>();

        // The requests being hashed: only the running combiner touches them (_running hands them from one to the next).
        private readonly List<Request> _active = new List<Request>(Md5Blocks.Lanes);
        private readonly Timer _deadline;
        private bool _running;
        private int _streams;

        // Deadlines that found no company, less batches that found some: streams that cannot move together (a
        // whole-file hash fed in order holds the later parts back until the earlier ones are done) would otherwise
        // make every read wait the whole CompanyWait for nothing. At LonelyLimit bytes stop waiting, except every
        // ProbeEvery-th append, which waits once more: the streams of a download open one by one over a few hundred
        // milliseconds, so the first deadlines are lonely even where the streams move together later.
        private int _lonely;
        private int _sinceProbe;
        private long _sharedBlocks;
        private long _blocks;

        private readonly int _width;

        public Md5Batcher()
            : this(Md5Blocks.Width)
        {
        }

        /// <summary>A batcher that hashes with the kernel of <paramref name="width"/> lanes (16, 8 or 1): the tests run each kernel the CPU has.</summary>
        internal Md5Batcher(int width)
        {
            _width = width;
            _deadline = new Timer(static state => ((Md5Batcher)state!).OnDeadline(), this, Timeout.Infinite, Timeout.Infinite);
        }

        /// <summary>How long bytes wait for the other streams' before they are hashed without them.</summary>
        internal static TimeSpan CompanyWait { get; } = TimeSpan.FromMilliseconds(20);

        /// <summary>After this many more lonely deadlines than companionable batches, bytes no longer wait for company.</summary>
        internal const int LonelyLimit = 8;

        /// <summary>Once bytes no longer wait, every this-many-th append waits again; if company comes, waiting resumes.</summary>
        internal const int ProbeEvery = 32;

        /// <summary>Whether bytes still wait for the other streams' (false once waiting has proved to be in vain).</summary>
        internal bool WaitsForCompany
        {
            get
            {
                lock (_gate)
                {
                    return _lonely < LonelyLimit;
                }
            }
        }

        /// <summary>Whether batching pays here: without AVX-512 or AVX2, one lane at a time is all the kernel does.</summary>
        public static bool IsAccelerated => Md5Blocks.IsVectorized;

        /// <summary>Whole 64-byte blocks that went through the batcher.</summary>
        public long Blocks => Interlocked.Read(ref _blocks);

        /// <summary>Lane-blocks hashed in rounds shared by two lanes or more (what batching saved).</summary>
        public long SharedBlocks => Interlocked.Read(ref _sharedBlocks);

        /// <summary>Whether a batch is being hashed now (tests use it to queue bytes behind one).</summary>
        internal bool IsRunning
        {
            get
            {
                lock (_gate)
                {
                    return _running;
                }
            }
        }

        /// <param name="urgent">The caller is about to wait for these bytes: they do not wait for company.</param>
        public Task AppendAsync(Md5Lane lane, byte[] buffer, int offset, int count, bool urgent = false)
        {
            if (count == 0)
            {
                return Task.CompletedTask;
            }

            var own = new Request(lane, new ArraySegment<byte>(buffer, offset, count));
            lock (_gate)
            {
                // Bytes wait (without a thread) while a batch runs, or for the other open streams' bytes to come
                // along, at most CompanyWait: hashed alone they would cost as much as with fifteen others.
                bool gaveUp = _lonely >= LonelyLimit;
                bool probe = false;
                if (gaveUp && ++_sinceProbe >= ProbeEvery)
                {
                    _sinceProbe = 0;
                    probe = true;
                }

                bool waitForCompany = !urgent && !lane.Hurried && _streams > 1 && _pending.Count + 1 < _streams && (!gaveUp || probe);
                if (!_running && !waitForCompany && _pending.Count > 0)
                {
                    CompanyCame();
                }

                if (_running || waitForCompany)
                {
                    own.Completion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _pending.Enqueue(own);
                    if (!_running && _pending.Count == 1)
                    {
                        _deadline.Change(CompanyWait, Timeout.InfiniteTimeSpan);
                    }

                    return own.Completion.Task;
                }

                _running = true;
            }

            return Combine(own);
        }

        /// <summary>A stream that appends through this batcher opened: bytes wait for it to join them.</summary>
        public void Open()
        {
            lock (_gate)
            {
                _streams++;
            }
        }

        /// <summary>
        /// A stream cannot go on until bytes it appended to <paramref name="lane"/> are hashed: what is queued is hashed
        /// now (on the calling thread unless a batch is running), and until the matching Unhurry, that lane's bytes are
        /// hashed as they come instead of waiting for company. The other lanes' bytes still wait.
        /// </summary>
        public void Hurry(Md5Lane lane)
        {
            lock (_gate)
            {
                lane.Hurried = true;
                if (_running || _pending.Count == 0)
                {
                    return;
                }

                _running = true;
            }

            Combine(null);
        }

        /// <summary>The bytes the stream hurried for are hashed: that lane's bytes may wait for company again.</summary>
        public void Unhurry(Md5Lane lane)
        {
            lock (_gate)
            {
                lane.Hurried = false;
            }
        }

        /// <summary>The stream closed: bytes waiting for it are hashed now when nobody else is due.</summary>
        public void Close()
        {
            lock (_gate)
            {
                _streams--;
                if (_running || _pending.Count == 0 || _pending.Count < _streams)
                {
                    return;
                }

                _running = true;
            }

            ThreadPool.UnsafeQueueUserWorkItem(static batcher => batcher.Combine(null), this, preferLocal: false);
        }

        public void Dispose() => _deadline.Dispose();

        /// <summary>Bytes that waited found company (under the gate): one lonely deadline less; after a probe, waiting resumes.</summary>
        private void CompanyCame()
        {
            if (_lonely > 0)
            {
                _lonely = _lonely >= LonelyLimit ? 0 : _lonely - 1;
            }
        }

        private void OnDeadline()
        {
            lock (_gate)
            {
                if (_running || _pending.Count == 0)
                {
                    return;
                }

                if (_pending.Count == 1)
                {
                    _lonely = Math.Min(_lonely + 1, LonelyLimit);
                }
                else
                {
                    CompanyCame();
                }

                _running = true;
            }

            Combine(null);
        }

        /// <summary>
        /// Hashes the lanes in hand in slices of at most SliceBytes each, taking in queued requests between slices, so
        /// bytes that arrive while a long span is being hashed join it at once rather than waiting for it to end.
        /// The caller that combines stops when its own bytes are done and hands what is left to a pool work item.
        /// </summary>
        private Task Combine(Request? own)
        {
            var lanes = new List<Md5Lane>(Md5Blocks.Lanes);
            var pieces = new List<ArraySegment<byte>>(Md5Blocks.Lanes);
            if (own != null)
            {
                _active.Add(own);
            }

            while (true)
            {
                lock (_gate)
                {
                    while (_active.Count < Md5MultiBuffer.BatchLanes(_width) && _pending.Count > 0)
                    {
                        _active.Add(_pending.Dequeue());
                    }

                    if (_active.Count == 0)
                    {
                        _running = false;
                        return Task.CompletedTask;
                    }
                }

                lanes.Clear();
                pieces.Clear();
                long blocks = 0;
                foreach (Request request in _active)
                {
                    int take = Math.Min(request.Bytes.Count - request.Done, SliceBytes);
                    lanes.Add(request.Lane);
                    pieces.Add(new ArraySegment<byte>(request.Bytes.Array!, request.Bytes.Offset + request.Done, take));
                    blocks += (request.Lane.TailCount + take) / 64;
                    request.Done += take;
                }

                Exception? failure = null;
                try
                {
                    long shared = Md5MultiBuffer.Append(lanes, pieces, _width);
                    Interlocked.Add(ref _sharedBlocks, shared);
                    Interlocked.Add(ref _blocks, blocks);
                }
                catch (Exception e)
                {
                    failure = e;
                }

                bool ownDone = false;
                for (int i = _active.Count - 1; i >= 0; i--)
                {
                    Request request = _active[i];
                    if (failure is null && request.Done < request.Bytes.Count)
                    {
                        continue;
                    }

                    _active.RemoveAt(i);
                    if (request == own)
                    {
                        ownDone = true;
                    }
                    else if (failure is null)
                    {
                        request.Completion!.TrySetResult(true);
                    }
                    else
                    {
                        request.Completion!.TrySetException(failure);
                    }
                }

                if (ownDone)
                {
                    lock (_gate)
                    {
                        if (_active.Count == 0 && _pending.Count == 0)
                        {
                            _running = false;
                            return failure is null ? Task.CompletedTask : Task.FromException(failure);
                        }
                    }

                    // Others are still hashing: a pool work item carries them on while this caller returns to its stream.
                    ThreadPool.UnsafeQueueUserWorkItem(static batcher => batcher.Combine(null), this, preferLocal: false);
                    return failure is null ? Task.CompletedTask : Task.FromException(failure);
                }
            }
        }

        private sealed class Request
        {
            public Request(Md5Lane lane, ArraySegment<byte> bytes)
            {
                Lane = lane;
                Bytes = bytes;
            }

            public Md5Lane Lane { get; }

            public ArraySegment<byte> Bytes { get; }

            /// <summary>The bytes hashed so far.</summary>
            public int Done { get; set; }

            /// <summary>Set for a queued request; null for the combining caller's own.</summary>
            public TaskCompletionSource<bool>? Completion { get; set; }
        }
    }
}
#endif
