#if NET8_0_OR_GREATER
using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// The MD5 of every part of a file, many parts at once. A file's parts are separate messages, so one reader can
    /// keep every lane of the multi-lane kernel busy (Md5Blocks.Width parts side by side) where a front-to-back read
    /// keeps one: this is the S3 ETag of a local file (`hash -a s3etag`, -SkipUnchanged against an S3 object) at
    /// the kernel's full width. Each round reads the next slice of every part in the batch at its own offset: Width
    /// slices are in memory at once (16 MiB with AVX-512 and the default 1 MiB buffer). On a disk that seeks, a round
    /// costs one seek per part; with 1 MiB slices that is one seek per MiB read.
    /// </summary>
    internal static class PartsMd5
    {
        /// <summary>Whether this pays here: only with a vector kernel, and only for a file of two parts or more.</summary>
        public static bool Suits(long length, long partSize) => Md5Blocks.IsVectorized && length > partSize;

        /// <summary>The length of the file as it was opened and the MD5 of each part of it, in order.</summary>
        public static async Task<(long Length, List<byte[]> Digests)> HashAsync(string path, long partSize, int sliceBytes, ByteCounter? progress, CancellationToken cancellationToken)
        {
            int width = Md5Blocks.Width;
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
            long length = RandomAccess.GetLength(handle);
            long partCount = length == 0 ? 1 : ((length - 1) / partSize) + 1;
            var digests = new List<byte[]>((int)Math.Min(partCount, 10_000));
            var buffers = new byte[width][];
            try
            {
                for (int i = 0; i < width; i++)
                {
                    buffers[i] = ArrayPool<byte>.Shared.Rent(sliceBytes);
                }

                var lanes = new List<Md5Lane>(width);
                var pieces = new List<ArraySegment<byte>>(width);
                var reads = new List<Task<int>>(width);
                var next = new long[width];
                var end = new long[width];
                for (long first = 0; first < partCount; first += width)
                {
                    int n = (int)Math.Min(width, partCount - first);
                    var batch = new Md5Lane[n];
                    for (int i = 0; i < n; i++)
                    {
                        batch[i] = new Md5Lane();
                        next[i] = (first + i) * partSize;
                        end[i] = Math.Min(length, next[i] + partSize);
                    }

                    while (true)
                    {
                        reads.Clear();
                        for (int i = 0; i < n; i++)
                        {
                            int want = (int)Math.Min(sliceBytes, end[i] - next[i]);
                            reads.Add(want == 0 ? Task.FromResult(0) : RandomAccess.ReadAsync(handle, buffers[i].AsMemory(0, want), next[i], cancellationToken).AsTask());
                        }

                        int[] got = await Task.WhenAll(reads).ConfigureAwait(false);
                        lanes.Clear();
                        pieces.Clear();
                        long bytes = 0;
                        for (int i = 0; i < n; i++)
                        {
                            if (got[i] == 0)
                            {
                                if (next[i] < end[i])
                                {
                                    throw new IOException($"'{path}' got shorter while it was being hashed; hash it again once nothing writes to it.");
                                }

                                continue;
                            }

                            lanes.Add(batch[i]);
                            pieces.Add(new ArraySegment<byte>(buffers[i], 0, got[i]));
                            next[i] += got[i];
                            bytes += got[i];
                        }

                        if (lanes.Count == 0)
                        {
                            break;
                        }

                        Md5MultiBuffer.Append(lanes, pieces);
                        progress?.Add(bytes);
                    }

                    foreach (Md5Lane lane in batch)
                    {
                        digests.Add(lane.FinishAndReset());
                    }
                }
            }
            finally
            {
                foreach (byte[] buffer in buffers)
                {
                    if (buffer != null)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }

            return (length, digests);
        }
    }
}
#endif
