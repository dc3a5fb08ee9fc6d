using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// Reads a stream once and hashes it with every configured algorithm. A few pooled buffers circulate:
    /// while the hashers work on some, the next read fills another, so memory stays at a few buffers
    /// whatever the size of the file — two for one algorithm, up to four when several algorithms hash
    /// side by side and the faster ones need room to run ahead of the slowest.
    /// </summary>
    public sealed class ChunkedHasher
    {
        private const int SingleLaneDepth = 2;
        private const int MultiLaneDepth = 4;

        public ChunkedHasher(HashSettings settings) => Settings = settings ?? throw new ArgumentNullException(nameof(settings));

        public HashSettings Settings { get; }

        public async Task<FileHashResult> HashFileAsync(string path, ByteCounter? progress = null, CancellationToken cancellationToken = default)
        {
            var started = DateTime.UtcNow;
            HashDigests digests;
            // (A path that is no file, or none at all, takes the stream's way below, which reports it as it always has.)
            FileInfo? file = Files.LinkedFile.Target(new FileInfo(path)); // a link's own size is not its file's
            if (Settings.GrowsChunks && file != null && file.Exists && Settings.For(file.Length) is HashSettings sized && !ReferenceEquals(sized, Settings))
            {
                return await new ChunkedHasher(sized).HashFileAsync(path, progress, cancellationToken).ConfigureAwait(false);
            }

#if NET8_0_OR_GREATER
            if (Settings.Algorithms.Count == 1 && Settings.Algorithms[0] == ChecksumAlgorithm.S3ETag && file != null && file.Exists && PartsMd5.Suits(file.Length, Settings.ChunkSize))
            {
                // The S3 ETag alone: its parts are hashed side by side in the lanes of the vector kernel.
                (long length, List<byte[]> parts) = await PartsMd5.HashAsync(path, Settings.ChunkSize, Settings.BufferSize, progress, cancellationToken).ConfigureAwait(false);
                Dictionary<string, string> hashes = HashDigests.NewTable();
                hashes[nameof(ChecksumAlgorithm.S3ETag)] = ChunkLane.S3ETag(parts);
                digests = new HashDigests(length, hashes, Settings.IncludeChunkHashes ? ChunkLane.Manifest(parts, Settings.ChunkSize, length) : null);
                return new FileHashResult(path, Settings.Algorithms[0], digests, Settings.IncludeChunkHashes ? Settings.ChunkSize : (long?)null, DateTime.UtcNow - started);
            }
#endif
            Files.SpecialFile.ThrowIfSpecial(path, pipeTo: "streamfiles hash");
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan))
            {
                digests = await HashAsync(stream, progress, cancellationToken).ConfigureAwait(false);
            }

            return new FileHashResult(path, Settings.Algorithms[0], digests, Settings.IncludeChunkHashes ? Settings.ChunkSize : (long?)null, DateTime.UtcNow - started);
        }

        /// <summary>
        /// Hashes a stream (standard input) as a file is hashed, its result named <paramref name="name"/>; with its
        /// <paramref name="length"/> known (standard input redirected from a file), S3ETag assumes the parts a file of that
        /// length is uploaded in, as for a file named (a probe: `hash -a s3etag &lt; 100G` gave an ETag of 12,800 parts).
        /// </summary>
        public async Task<FileHashResult> HashStreamAsync(string name, Stream stream, ByteCounter? progress = null, CancellationToken cancellationToken = default, long? length = null)
        {
            if (Settings.GrowsChunks && length is long known && Settings.For(known) is HashSettings sized && !ReferenceEquals(sized, Settings))
            {
                return await new ChunkedHasher(sized).HashStreamAsync(name, stream, progress, cancellationToken).ConfigureAwait(false);
            }

            var started = DateTime.UtcNow;
            HashDigests digests = await HashAsync(stream, progress, cancellationToken).ConfigureAwait(false);
            return new FileHashResult(name, Settings.Algorithms[0], digests, Settings.IncludeChunkHashes ? Settings.ChunkSize : (long?)null, DateTime.UtcNow - started);
        }

        public async Task<HashDigests> HashAsync(Stream stream, ByteCounter? progress = null, CancellationToken cancellationToken = default)
        {
            if (stream is null)
            {
                throw new ArgumentNullException(nameof(stream));
            }

            using var hasher = new MultiHasher(Settings);
            int depth = hasher.LaneCount > 1 ? MultiLaneDepth : SingleLaneDepth;
            var buffers = new byte[depth][];
            var hashing = new Task?[depth];
            var lengths = new int[depth];
            try
            {
                for (int i = 0; i < depth; i++)
                {
                    buffers[i] = ArrayPool<byte>.Shared.Rent(Settings.BufferSize);
                }

                for (int slot = 0; ; slot = (slot + 1) % depth)
                {
                    // The oldest buffer comes back once every lane is done with it.
                    await Retire(slot).ConfigureAwait(false);
                    int read = await ReadFullAsync(stream, buffers[slot], cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    lengths[slot] = read;
                    hashing[slot] = hasher.AppendAsync(buffers[slot], 0, read);
                }

                for (int slot = 0; slot < depth; slot++)
                {
                    await Retire(slot).ConfigureAwait(false);
                }

                return hasher.Finish();
            }
            finally
            {
                // A read may fail while hash tasks still use buffers: never return one to the pool under them.
                for (int i = 0; i < depth; i++)
                {
                    await SafeWait(hashing[i]).ConfigureAwait(false);
                    if (buffers[i] != null)
                    {
                        ArrayPool<byte>.Shared.Return(buffers[i]);
                    }
                }
            }

            async Task Retire(int slot)
            {
                Task? pending = hashing[slot];
                if (pending != null)
                {
                    await pending.ConfigureAwait(false);
                    hashing[slot] = null;
                    progress?.Add(lengths[slot]);
                }
            }
        }

        private int BufferLength(byte[] buffer) => Math.Min(buffer.Length, Settings.BufferSize);

        private async Task<int> ReadFullAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
        {
            int total = 0;
            int wanted = BufferLength(buffer);
            while (total < wanted)
            {
                int n = await stream.ReadAsync(buffer, total, wanted - total, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return total;
        }

        private static async Task SafeWait(Task? task)
        {
            if (task is null)
            {
                return;
            }

            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception) when (task.IsFaulted || task.IsCanceled)
            {
                // Already observed or superseded by the exception that is propagating.
            }
        }
    }
}
