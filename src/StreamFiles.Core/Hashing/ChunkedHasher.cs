using System;
using System.Buffers;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// Reads a stream once and hashes it with every configured algorithm. Two pooled buffers alternate:
    /// while the hashers work on one, the next read fills the other, so memory stays at two buffers
    /// whatever the size of the file.
    /// </summary>
    public sealed class ChunkedHasher
    {
        public ChunkedHasher(HashSettings settings) => Settings = settings ?? throw new ArgumentNullException(nameof(settings));

        public HashSettings Settings { get; }

        public async Task<FileHashResult> HashFileAsync(string path, ByteCounter? progress = null, CancellationToken cancellationToken = default)
        {
            var started = DateTime.UtcNow;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            HashDigests digests = await HashAsync(stream, progress, cancellationToken).ConfigureAwait(false);
            return new FileHashResult(path, Settings.Algorithms[0], digests, Settings.IncludeChunkHashes ? Settings.ChunkSize : (long?)null, DateTime.UtcNow - started);
        }

        public async Task<HashDigests> HashAsync(Stream stream, ByteCounter? progress = null, CancellationToken cancellationToken = default)
        {
            if (stream is null)
            {
                throw new ArgumentNullException(nameof(stream));
            }

            byte[] current = ArrayPool<byte>.Shared.Rent(Settings.BufferSize);
            byte[] next = ArrayPool<byte>.Shared.Rent(Settings.BufferSize);
            Task hashing = Task.CompletedTask;
            using var hasher = new MultiHasher(Settings);
            try
            {
                int read = await ReadFullAsync(stream, current, cancellationToken).ConfigureAwait(false);
                while (read > 0)
                {
                    hashing = hasher.AppendAsync(current, 0, read);
                    int nextRead = await ReadFullAsync(stream, next, cancellationToken).ConfigureAwait(false);
                    await hashing.ConfigureAwait(false);
                    progress?.Add(read);
                    (current, next) = (next, current);
                    read = nextRead;
                }

                return hasher.Finish();
            }
            finally
            {
                // A read may fail while a hash task still uses a buffer: never return it to the pool under it.
                await SafeWait(hashing).ConfigureAwait(false);
                ArrayPool<byte>.Shared.Return(current);
                ArrayPool<byte>.Shared.Return(next);
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

        private static async Task SafeWait(Task task)
        {
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
