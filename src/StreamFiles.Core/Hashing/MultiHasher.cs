using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// Feeds one ordered byte stream to any set of algorithms. Each algorithm (and the chunk manifest)
    /// is a lane with its own state; with several lanes every buffer is hashed by all lanes in parallel,
    /// so several algorithms cost about as much as the slowest one rather than their sum.
    /// Buffers must be appended in stream order, one call at a time.
    /// </summary>
    public sealed class MultiHasher : IDisposable
    {
        private readonly HashSettings _settings;
        private readonly List<HashLane> _lanes = new List<HashLane>();
        private readonly ChunkLane? _manifest;
        private readonly Task[] _pending;
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

            _pending = new Task[_lanes.Count];
        }

        public HashSettings Settings => _settings;

        public long Length => _length;

        /// <summary>Hashes a buffer on the calling thread, lane after lane.</summary>
        public void Append(byte[] buffer, int offset, int count)
        {
            foreach (HashLane lane in _lanes)
            {
                lane.Append(buffer, offset, count);
            }

            _length += count;
        }

        /// <summary>
        /// Hashes a buffer on the thread pool, all lanes at once. The buffer must stay untouched until the
        /// returned task completes; the caller can meanwhile fill another one.
        /// </summary>
        public Task AppendAsync(byte[] buffer, int offset, int count)
        {
            _length += count;
            if (_lanes.Count == 1)
            {
                HashLane only = _lanes[0];
                return Task.Run(() => only.Append(buffer, offset, count));
            }

            for (int i = 0; i < _lanes.Count; i++)
            {
                HashLane lane = _lanes[i];
                _pending[i] = Task.Run(() => lane.Append(buffer, offset, count));
            }

            return Task.WhenAll(_pending);
        }

        public HashDigests Finish()
        {
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

        public void Dispose()
        {
            foreach (HashLane lane in _lanes)
            {
                lane.Dispose();
            }
        }
    }
}
