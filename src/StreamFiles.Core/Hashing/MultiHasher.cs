using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// Feeds one ordered byte stream to any set of algorithms. Each algorithm (and the chunk manifest)
    /// is a lane with its own state. With AppendAsync every lane works through the buffers in order on
    /// the thread pool at its own pace: a fast lane runs ahead into the next buffers instead of waiting
    /// for the slowest lane at the end of each one, so several algorithms cost about as much as the
    /// slowest one (or as their sum divided by the cores, if that is more) rather than their sum.
    /// </summary>
    public sealed class MultiHasher : IDisposable
    {
        private readonly HashSettings _settings;
        private readonly List<HashLane> _lanes = new List<HashLane>();
        private readonly ChunkLane? _manifest;

        // The last work queued on each lane; the next buffer's work for that lane runs after it.
        private readonly Task[] _tails;
        private long _length;

        public MultiHasher(HashSettings settings)
        {
            _settings = settings ?? throw new ArgumentNullException(nameof(settings));
            foreach (ChecksumAlgorithm algorithm in settings.Algorithms)
            {
                _lanes.Add(algorithm == ChecksumAlgorithm.S3ETag
                    ? new ChunkLane(ChecksumAlgorithm.MD5, settings.ChunkSize)
                    : new WholeStreamLane(algorithm));
            }

            if (settings.IncludeChunkHashes)
            {
                _manifest = new ChunkLane(settings.ChunkAlgorithm, settings.ChunkSize);
                _lanes.Add(_manifest);
            }

            _tails = new Task[_lanes.Count];
            for (int i = 0; i < _tails.Length; i++)
            {
                _tails[i] = Task.CompletedTask;
            }
        }

        public HashSettings Settings => _settings;

        /// <summary>Bytes appended so far (hashed or still queued).</summary>
        public long Length => _length;

        /// <summary>How many independent consumers each buffer has; more than one can use more than one core.</summary>
        internal int LaneCount => _lanes.Count;

        /// <summary>Hashes a buffer on the calling thread, lane after lane, after any queued work.</summary>
        public void Append(byte[] buffer, int offset, int count)
        {
            WaitForQueuedWork();
            foreach (HashLane lane in _lanes)
            {
                lane.Append(buffer, offset, count);
            }

            _length += count;
        }

        /// <summary>
        /// Queues a buffer for every lane on the thread pool and returns a task that completes when all lanes
        /// are done with it. The buffer must stay untouched until then. The caller need not wait before
        /// appending the next buffer (that is what lets lanes drift apart), but must append from one thread,
        /// in stream order.
        /// </summary>
        public Task AppendAsync(byte[] buffer, int offset, int count)
        {
            if (buffer is null)
            {
                throw new ArgumentNullException(nameof(buffer));
            }

            _length += count;
            if (_lanes.Count == 1)
            {
                return Enqueue(0, buffer, offset, count);
            }

            var work = new Task[_lanes.Count];
            for (int i = 0; i < work.Length; i++)
            {
                work[i] = Enqueue(i, buffer, offset, count);
            }

            return Task.WhenAll(work);
        }

        /// <summary>The digests of everything appended; waits for queued work first.</summary>
        public HashDigests Finish()
        {
            WaitForQueuedWork();
            Dictionary<string, string> hashes = HashDigests.NewTable();
            for (int i = 0; i < _settings.Algorithms.Count; i++)
            {
                hashes[_settings.Algorithms[i].ToString()] = _lanes[i] switch
                {
                    WholeStreamLane whole => whole.Finish(),
                    ChunkLane parts => parts.FinishS3ETag(),
                    _ => throw new InvalidOperationException("unknown lane"),
                };
            }

            return new HashDigests(_length, hashes, _manifest?.FinishManifest());
        }

        private Task Enqueue(int index, byte[] buffer, int offset, int count)
        {
            HashLane lane = _lanes[index];
            Task previous = _tails[index];
            Task next = previous.Status == TaskStatus.RanToCompletion
                ? Task.Run(() => lane.Append(buffer, offset, count))
                : previous.ContinueWith(
                    done =>
                    {
                        // A lane that failed stays failed: its state no longer matches the stream.
                        done.GetAwaiter().GetResult();
                        lane.Append(buffer, offset, count);
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.DenyChildAttach,
                    TaskScheduler.Default);
            _tails[index] = next;
            return next;
        }

        private void WaitForQueuedWork()
        {
            foreach (Task tail in _tails)
            {
                tail.GetAwaiter().GetResult();
            }
        }

        public void Dispose()
        {
            foreach (Task tail in _tails)
            {
                // Lanes still hashing keep their state until they finish; never dispose it under them.
                if (!tail.IsCompleted)
                {
                    return;
                }
            }

            foreach (HashLane lane in _lanes)
            {
                lane.Dispose();
            }
        }
    }
}
