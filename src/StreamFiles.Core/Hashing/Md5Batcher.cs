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
    /// <para>Once its own bytes are hashed, a caller leaves the bytes that queued during its batch to a pool work
    /// item, so one stream's reads are never held up by the others'.</para>
    /// </summary>
    internal sealed class Md5Batcher
    {
        private readonly object _gate = new object();
        private readonly Queue<Request> _pending = new Queue<Request>();
        private bool _running;
        private long _sharedBlocks;
        private long _blocks;

        /// <summary>Whether batching pays here: without AVX-512, one lane at a time is all the kernel does.</summary>
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

        public Task AppendAsync(Md5Lane lane, byte[] buffer, int offset, int count)
        {
            if (count == 0)
            {
                return Task.CompletedTask;
            }

            var own = new Request(lane, new ArraySegment<byte>(buffer, offset, count));
            lock (_gate)
            {
                if (_running)
                {
                    own.Completion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _pending.Enqueue(own);
                    return own.Completion.Task;
                }

                _running = true;
            }

            return Combine(own);
        }

        /// <summary>Runs batches: the caller's own (when it has one) plus queued ones, until the queue is empty.</summary>
        private Task Combine(Request? own)
        {
            var lanes = new List<Md5Lane>(Md5Blocks.Lanes);
            var pieces = new List<ArraySegment<byte>>(Md5Blocks.Lanes);
            var batch = new List<Request>(Md5Blocks.Lanes);
            Exception? ownFailure = null;
            while (true)
            {
                batch.Clear();
                if (own != null)
                {
                    batch.Add(own);
                }

                lock (_gate)
                {
                    while (batch.Count < Md5Blocks.Lanes && _pending.Count > 0)
                    {
                        batch.Add(_pending.Dequeue());
                    }
                }

                lanes.Clear();
                pieces.Clear();
                long blocks = 0;
                foreach (Request request in batch)
                {
                    lanes.Add(request.Lane);
                    pieces.Add(request.Bytes);
                    blocks += (request.Lane.TailCount + request.Bytes.Count) / 64;
                }

                Exception? failure = null;
                try
                {
                    long shared = Md5MultiBuffer.Append(lanes, pieces);
                    Interlocked.Add(ref _sharedBlocks, shared);
                    Interlocked.Add(ref _blocks, blocks);
                }
                catch (Exception e)
                {
                    failure = e;
                }

                foreach (Request request in batch)
                {
                    if (request.Completion is null)
                    {
                        ownFailure = failure;
                    }
                    else if (failure is null)
                    {
                        request.Completion.TrySetResult(true);
                    }
                    else
                    {
                        request.Completion.TrySetException(failure);
                    }
                }

                lock (_gate)
                {
                    if (_pending.Count == 0)
                    {
                        _running = false;
                        break;
                    }
                }

                if (own != null)
                {
                    // Still running: the queued bytes go on in a pool work item while this caller returns to its stream.
                    ThreadPool.UnsafeQueueUserWorkItem(static batcher => batcher.Combine(null), this, preferLocal: false);
                    break;
                }
            }

            return ownFailure is null ? Task.CompletedTask : Task.FromException(ownFailure);
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

            /// <summary>Set for a queued request; null for the combining caller's own.</summary>
            public TaskCompletionSource<bool>? Completion { get; set; }
        }
    }
}
#endif
