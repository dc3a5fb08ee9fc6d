using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Resume
{
    /// <summary>
    /// What identifies a source version for resuming: length, modification time, ETag, and SHA-256 of its first
    /// and last 64 KiB. A rerun continues only when all of them still match, so a file that was replaced by one
    /// of the same size and time (a restored backup) still restarts cleanly.
    /// </summary>
    public sealed class SourceFingerprint
    {
        public const int SampleSize = 64 * 1024;

        public SourceFingerprint(long length, DateTimeOffset? lastModified, string? etag, string? head, string? tail)
        {
            Length = length;
            LastModified = lastModified;
            ETag = etag;
            Head = head;
            Tail = tail;
        }

        public long Length { get; }

        public DateTimeOffset? LastModified { get; }

        public string? ETag { get; }

        public string? Head { get; }

        public string? Tail { get; }

        public static async Task<SourceFingerprint> ComputeAsync(ObjectInfo source, IObjectReader reader, byte[] buffer, CancellationToken cancellationToken)
        {
            long length = source.Length ?? throw new ArgumentException("A resumable source has a known length.", nameof(source));
            string? head = null;
            string? tail = null;
            if (length > 0)
            {
                int sample = (int)Math.Min(SampleSize, Math.Min(length, buffer.Length));
                head = await SampleAsync(reader, 0, sample, buffer, cancellationToken).ConfigureAwait(false);
                if (reader.SupportsRanges)
                {
                    tail = await SampleAsync(reader, length - sample, sample, buffer, cancellationToken).ConfigureAwait(false);
                }
            }

            return new SourceFingerprint(length, source.LastModified, source.ETag, head, tail);
        }

        /// <summary>Null when they match; otherwise what differs, for the verbose log.</summary>
        public string? Difference(SourceFingerprint now)
        {
            if (now.Length != Length)
            {
                return string.Format(CultureInfo.InvariantCulture, "its size changed from {0} to {1} bytes", Length, now.Length);
            }

            if (!Nullable.Equals(now.LastModified, LastModified))
            {
                return "its modification time changed";
            }

            if (!string.Equals(now.ETag, ETag, StringComparison.Ordinal))
            {
                return "its ETag changed";
            }

            if (!string.Equals(now.Head, Head, StringComparison.Ordinal) || !string.Equals(now.Tail, Tail, StringComparison.Ordinal))
            {
                return "its first or last bytes changed";
            }

            return null;
        }

        private static async Task<string> SampleAsync(IObjectReader reader, long offset, int count, byte[] buffer, CancellationToken cancellationToken)
        {
            using Stream stream = await reader.OpenRangeAsync(offset, count, cancellationToken).ConfigureAwait(false);
            int total = 0;
            while (total < count)
            {
                int n = await stream.ReadAsync(buffer, total, count - total, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            using var sha = SHA256.Create();
            return Hex.Encode(sha.ComputeHash(buffer, 0, total));
        }
    }
}
