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
        public async Task Parts_written_in_any_order_each_get_the_md5_of_their_bytes_once()
        {
            // 37 parts of 300 KiB and a short last one: more parts than lanes, slices that do not divide the parts.
            const long partSize = 300 * KiB;
            long length = (36 * partSize) + 12_345;
            string path = _dir.WriteRandom("object.bin.partial", length, seed: 21);
            byte[] content = File.ReadAllBytes(path);
            int count = 37;
            var written = Enumerable.Range(0, count).Select(_ => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
            var check = new RecordingCheck();
            var cursor = new RecordingCursor();

            using IObjectReader partial = LocalObjectReader.Open(path, portable: false);
            Task run = ReadBackPartsMd5.RunAsync(partial, length, partSize, written.Select(w => (Task)w.Task).ToList(), check, cursor, CancellationToken.None);
            foreach (int part in Enumerable.Range(0, count).OrderBy(i => (i * 17) % count))
            {
                written[part].SetResult(true);
                if (part % 5 == 0)
                {
                    await Task.Delay(2);
                }
            }

            await run.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(count, check.Md5s.Count);
            for (int i = 0; i < count; i++)
            {
                int from = (int)(i * partSize);
                int size = (int)Math.Min(partSize, length - from);
                Assert.Equal(Convert.ToHexString(MD5.HashData(content.AsSpan(from, size))), Convert.ToHexString(check.Md5s[i]));
            }

            Assert.Equal(length, cursor.Moves.Last());
            Assert.True(cursor.Moves.Zip(cursor.Moves.Skip(1)).All(pair => pair.First <= pair.Second), "the cursor went back: " + string.Join(", ", cursor.Moves));
            Assert.True(cursor.Disposed is false); // the caller owns it
        }

        [Fact]
        public async Task Parts_wait_for_company_until_the_lanes_are_full_or_enough_bytes_wait()
        {
            const long partSize = 64 * KiB;
            int count = 40;
            long length = count * partSize;
            string path = _dir.WriteRandom("company.bin.partial", length, seed: 22);
            var written = Enumerable.Range(0, count).Select(_ => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
            var check = new RecordingCheck();
            using IObjectReader partial = LocalObjectReader.Open(path, portable: false);

            // Three parts written, and at most five parts' bytes may wait: with more lanes than three, none is hashed yet.
            Task run = ReadBackPartsMd5.RunAsync(partial, length, partSize, written.Select(w => (Task)w.Task).ToList(), check, new RecordingCursor(), CancellationToken.None, lagBytes: 5 * partSize);
            for (int i = 0; i < 3; i++)
            {
                written[i].SetResult(true);
            }

            await Task.Delay(300);
            if (Md5Blocks.Width > 3)
            {
                Assert.Empty(check.Md5s);

                // Two more make five parts waiting: they are hashed without waiting for the lanes to fill.
                written[3].SetResult(true);
                written[4].SetResult(true);
                await WaitUntil(() => check.Md5s.Count == 5);
            }
            else
            {
                Assert.Equal(3, check.Md5s.Count); // one lane (no vector kernel): nothing to wait for
            }

            foreach (TaskCompletionSource<bool> part in written)
            {
                part.TrySetResult(true);
            }

            await run.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(count, check.Md5s.Count);
        }

        [Fact]
        public async Task A_cancelled_part_ends_the_check_and_a_short_file_fails_it()
        {
            const long partSize = 128 * KiB;
            long length = 4 * partSize;
            string path = _dir.WriteRandom("short.bin.partial", length - 1000, seed: 23); // the last part lacks 1000 bytes
            var check = new RecordingCheck();
            using IObjectReader partial = LocalObjectReader.Open(path, portable: false);

            var cancelled = Enumerable.Range(0, 4).Select(_ => new TaskCompletionSource<bool>()).ToArray();
            Task stopped = ReadBackPartsMd5.RunAsync(partial, length, partSize, cancelled.Select(w => (Task)w.Task).ToList(), check, new RecordingCursor(), CancellationToken.None);
            cancelled[0].SetResult(true);
            cancelled[1].SetCanceled();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stopped.WaitAsync(TimeSpan.FromSeconds(60)));

            Task all = ReadBackPartsMd5.RunAsync(partial, length, partSize, Enumerable.Range(0, 4).Select(_ => Task.CompletedTask).ToList(), check, new RecordingCursor(), CancellationToken.None);
            var error = await Assert.ThrowsAsync<IOException>(() => all.WaitAsync(TimeSpan.FromSeconds(60)));
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

            public long? HandOverPartMd5s() => throw new NotSupportedException();

            public void PartMd5(int index, byte[] md5) => Assert.True(Md5s.TryAdd(index, md5), $"part {index} came twice");
        }

        private sealed class RecordingCursor : IReadBackCursor
        {
            public List<long> Moves { get; } = new List<long>();

            public bool Disposed { get; private set; }

            public void MoveTo(long offset) => Moves.Add(offset);

            public void Dispose() => Disposed = true;
        }
    }
}
