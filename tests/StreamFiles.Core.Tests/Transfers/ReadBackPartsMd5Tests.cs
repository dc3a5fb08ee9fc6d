using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Local;
using StreamFiles.Core.Tests.TestSupport;
using StreamFiles.Core.Transfers;
using Xunit;

namespace StreamFiles.Core.Tests.Transfers
{
    /// <summary>
    /// The MD5s of a download's parts, read back from the partial file as the parts are written. The expected MD5s come
    /// from .NET's MD5 (the platform's, not the multi-lane kernel under test) over the same bytes.
    /// </summary>
    public sealed class ReadBackPartsMd5Tests : IDisposable
    {
        private const int KiB = 1024;
        private readonly TempDirectory _dir = new TempDirectory();

        public void Dispose() => _dir.Dispose();

        [Fact]
        public void Writes_in_any_order_and_layout_hand_over_each_part_once_when_its_last_byte_is_written()
        {
            // Parts [0,4) [4,8) [8,10); writes that straddle them.
            var parts = new WrittenParts(10, 4);
            Assert.Equal(3, parts.Count);
            parts.Wrote(2, 4);
            Assert.False(parts.Ready.TryRead(out _));
            parts.Wrote(8, 2);
            parts.Wrote(0, 2);
            parts.Wrote(6, 2);
            var ready = new List<int>();
            while (parts.Ready.TryRead(out int index))
            {
                ready.Add(index);
            }

            Assert.Equal(new[] { 2, 0, 1 }, ready);
        }

        [Fact]
        public async Task Parts_written_in_any_order_each_get_the_md5_of_their_bytes_and_are_released_once()
        {
            // 37 parts of 300 KiB and a short last one, written in 100 KiB blocks in a scrambled order: more parts than
            // lanes, writes that straddle the parts, slices that do not divide them.
            const long partSize = 300 * KiB;
            long length = (36 * partSize) + 12_345;
            string path = _dir.WriteRandom("object.bin.partial", length, seed: 21);
            byte[] content = File.ReadAllBytes(path);
            var written = new WrittenParts(length, partSize);
            var check = new RecordingCheck();
            var cursor = new RecordingCursor();

            using IObjectReader partial = LocalObjectReader.Open(path, portable: false);
            Task run = ReadBackPartsMd5.RunAsync(partial, length, written, check, cursor, CancellationToken.None);
            const int block = 100 * KiB;
            int blocks = (int)((length + block - 1) / block);
            foreach (int b in Enumerable.Range(0, blocks).OrderBy(i => (i * 37) % blocks))
            {
                written.Wrote((long)b * block, Math.Min(block, length - ((long)b * block)));
                if (b % 7 == 0)
                {
                    await Task.Delay(1);
                }
            }

            await run.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(37, check.Md5s.Count);
            for (int i = 0; i < 37; i++)
            {
                int from = (int)(i * partSize);
                int size = (int)Math.Min(partSize, length - from);
                Assert.Equal(Convert.ToHexString(MD5.HashData(content.AsSpan(from, size))), Convert.ToHexString(check.Md5s[i]));
            }

            // Each part released once, once hashed: together, the whole file.
            Assert.Equal(37, cursor.Released.Count);
            long at = 0;
            foreach ((long offset, long released) in cursor.Released.OrderBy(r => r.Offset))
            {
                Assert.Equal(at, offset);
                at += released;
            }

            Assert.Equal(length, at);
            Assert.False(cursor.Disposed); // the caller owns it
        }

        [Fact]
        public async Task Parts_wait_for_company_until_the_lanes_are_full_or_enough_bytes_wait()
        {
            const long partSize = 64 * KiB;
            int count = 40;
            long length = count * partSize;
            string path = _dir.WriteRandom("company.bin.partial", length, seed: 22);
            var written = new WrittenParts(length, partSize);
            var check = new RecordingCheck();
            using IObjectReader partial = LocalObjectReader.Open(path, portable: false);

            // Three parts written, and at most five parts' bytes may wait: with more lanes than three, none is hashed yet.
            Task run = ReadBackPartsMd5.RunAsync(partial, length, written, check, new RecordingCursor(), CancellationToken.None, lagBytes: 5 * partSize);
            written.Wrote(0, 3 * partSize);
            await Task.Delay(300);
            if (Md5Blocks.Width > 3)
            {
                Assert.Empty(check.Md5s);

                // Two more make five parts waiting: they are hashed without waiting for the lanes to fill.
                written.Wrote(3 * partSize, 2 * partSize);
                await WaitUntil(() => check.Md5s.Count == 5);
            }
            else
            {
                Assert.Equal(3, check.Md5s.Count); // one lane (no vector kernel): nothing to wait for
            }

            written.Wrote(5 * partSize, length - (5 * partSize));
            await run.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(count, check.Md5s.Count);
        }

        [Fact]
        public async Task Cancelling_ends_the_check_and_a_short_file_fails_it()
        {
            const long partSize = 128 * KiB;
            long length = 4 * partSize;
            string path = _dir.WriteRandom("short.bin.partial", length - 1000, seed: 23); // the last part lacks 1000 bytes
            var check = new RecordingCheck();
            using IObjectReader partial = LocalObjectReader.Open(path, portable: false);

            // Waiting for parts that never come: cancelling stops it.
            using var stop = new CancellationTokenSource();
            var some = new WrittenParts(length, partSize);
            some.Wrote(0, partSize);
            Task stopped = ReadBackPartsMd5.RunAsync(partial, length, some, check, new RecordingCursor(), stop.Token);
            await Task.Delay(100);
            Assert.False(stopped.IsCompleted);
            stop.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stopped.WaitAsync(TimeSpan.FromSeconds(60)));

            var all = new WrittenParts(length, partSize);
            all.Wrote(0, length);
            var error = await Assert.ThrowsAsync<IOException>(() => ReadBackPartsMd5.RunAsync(partial, length, all, check, new RecordingCursor(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("part 4", error.Message);
        }

        private static async Task WaitUntil(Func<bool> condition)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!condition())
            {
                Assert.True(DateTime.UtcNow < deadline, "timed out");
                await Task.Delay(10);
            }
        }

        private sealed class RecordingCheck : IDeferredPartCheck
        {
            public ConcurrentDictionary<int, byte[]> Md5s { get; } = new ConcurrentDictionary<int, byte[]>();

            public long? HandOverPartMd5s(long rangeSize) => throw new NotSupportedException();

            public void PartMd5(int index, byte[] md5) => Assert.True(Md5s.TryAdd(index, md5), $"part {index} came twice");
        }

        private sealed class RecordingCursor : IReadBackCursor
        {
            public List<(long Offset, long Length)> Released { get; } = new List<(long Offset, long Length)>();

            public bool Disposed { get; private set; }

            public void Release(long offset, long length) => Released.Add((offset, length));

            public void Dispose() => Disposed = true;
        }
    }
}
