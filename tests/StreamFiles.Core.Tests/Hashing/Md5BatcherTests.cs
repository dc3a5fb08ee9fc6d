using System;
using System.Diagnostics;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;

namespace StreamFiles.Core.Tests.Hashing
{
    /// <summary>The flat-combining MD5 batcher: concurrent streams come out as .NET's MD5 says, queued bytes are hashed together.</summary>
    public sealed class Md5BatcherTests
    {
        [Theory]
        [MemberData(nameof(Md5MultiBufferTests.Widths), MemberType = typeof(Md5MultiBufferTests))]
        public async Task ConcurrentStreamsHashedThroughTheBatcherMatchMd5(int width)
        {
            using var batcher = new Md5Batcher(width);
            byte[][] messages = Enumerable.Range(0, 8).Select(i => Random((3 * 1024 * 1024) + (i * 1001), seed: 20 + i)).ToArray();
            var lanes = messages.Select(_ => new Md5Lane()).ToArray();

            await Task.WhenAll(Enumerable.Range(0, messages.Length).Select(i => Task.Run(async () =>
            {
                var random = new Random(i);
                int position = 0;
                while (position < messages[i].Length)
                {
                    int size = Math.Min(messages[i].Length - position, random.Next(1, 70_000));
                    await batcher.AppendAsync(lanes[i], messages[i], position, size);
                    position += size;
                }
            })));

            for (int i = 0; i < messages.Length; i++)
            {
                Assert.Equal(Convert.ToHexString(MD5.HashData(messages[i])), Convert.ToHexString(lanes[i].FinishAndReset()));
            }

            Assert.Equal(messages.Sum(m => (long)(m.Length / 64)), batcher.Blocks);
            Assert.False(batcher.IsRunning);
        }

        [Fact]
        public async Task BytesQueuedWhileALongSpanIsHashedJoinItBetweenSlices()
        {
            byte[] big = Random(48 * 1024 * 1024, seed: 30);
            byte[][] small = Enumerable.Range(0, 3).Select(i => Random(256 * 1024, seed: 31 + i)).ToArray();

            // The scenario needs the three to arrive while the long span is still being hashed. On a loaded machine the
            // test thread can be descheduled for longer than the 48 MiB take, so a run where the long span had already
            // ended is not a failure but a run that did not test anything: it is tried again (at most five times).
            for (int attempt = 1; ; attempt++)
            {
                using var batcher = new Md5Batcher();
                var bigLane = new Md5Lane();
                var smallLanes = small.Select(_ => new Md5Lane()).ToArray();

                Task first = Task.Run(() => batcher.AppendAsync(bigLane, big, 0, big.Length));
                SpinWait.SpinUntil(() => batcher.IsRunning || first.IsCompleted);
                Task[] queued = Enumerable.Range(0, 3).Select(i => batcher.AppendAsync(smallLanes[i], small[i], 0, small[i].Length)).ToArray();
                bool arrivedWhileRunning = !first.IsCompleted;
                await first;
                bool doneBeforeTheLongSpan = queued.All(t => t.IsCompleted);
                await Task.WhenAll(queued);

                Assert.Equal(Convert.ToHexString(MD5.HashData(big)), Convert.ToHexString(bigLane.FinishAndReset()));
                for (int i = 0; i < small.Length; i++)
                {
                    Assert.Equal(Convert.ToHexString(MD5.HashData(small[i])), Convert.ToHexString(smallLanes[i].FinishAndReset()));
                }

                if (!arrivedWhileRunning && attempt < 5)
                {
                    continue;
                }

                // 48 MiB take tens of milliseconds: the three arrive while they hash, wait, join the long span's next slice
                // and end before it, every one of their blocks hashed beside one of the long span's.
                Assert.True(arrivedWhileRunning, "in five attempts the long span never outlasted the queuing of three short ones");
                Assert.True(doneBeforeTheLongSpan);
                if (Md5Batcher.IsAccelerated)
                {
                    Assert.True(batcher.SharedBlocks >= 4L * 256 * 1024 / 64, $"{batcher.SharedBlocks} shared blocks");
                }

                return;
            }
        }

        [Fact]
        public async Task BytesOfOneOfTwoOpenStreamsWaitForTheOthersAndGoTogether()
        {
            using var batcher = WithTwoOpenStreams();
            byte[] a = Random(300_000, seed: 50);
            byte[] b = Random(200_000, seed: 51);
            var laneA = new Md5Lane();
            var laneB = new Md5Lane();

            Task first = batcher.AppendAsync(laneA, a, 0, a.Length);
            bool waited = !first.IsCompleted;
            bool stillWaiting = !first.IsCompleted;
            Task second = batcher.AppendAsync(laneB, b, 0, b.Length);
            await Task.WhenAll(first, second);

            Assert.True(waited); // both streams' bytes went as one batch, unless the deadline came between the two calls
            Assert.Equal(Convert.ToHexString(MD5.HashData(a)), Convert.ToHexString(laneA.FinishAndReset()));
            Assert.Equal(Convert.ToHexString(MD5.HashData(b)), Convert.ToHexString(laneB.FinishAndReset()));
            if (Md5Batcher.IsAccelerated && stillWaiting)
            {
                Assert.True(batcher.SharedBlocks > 0);
            }
        }

        [Fact]
        public async Task BytesWaitingForAStreamThatSendsNothingAreHashedAfterTheDeadlineOrWhenItCloses()
        {
            using var batcher = WithTwoOpenStreams();
            byte[] a = Random(100_000, seed: 52);
            var lane = new Md5Lane();
            await batcher.AppendAsync(lane, a, 0, a.Length).WaitAsync(TimeSpan.FromSeconds(30)); // the deadline, not the other stream
            Assert.Equal(Convert.ToHexString(MD5.HashData(a)), Convert.ToHexString(lane.FinishAndReset()));

            batcher.Open();
            Task waiting = batcher.AppendAsync(lane, a, 0, a.Length);
            batcher.Close();
            batcher.Close();
            await waiting.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(Convert.ToHexString(MD5.HashData(a)), Convert.ToHexString(lane.FinishAndReset()));
        }

        [Fact]
        public async Task BytesStopWaitingForAStreamThatNeverSendsWhileTheyDo()
        {
            // Two streams open, but only one sends (as when an ordered whole-file hash holds the other back): after a
            // few deadlines in vain, its bytes are hashed as they come instead of waiting CompanyWait every time.
            using var batcher = WithTwoOpenStreams();
            byte[] a = Random(10_000, seed: 53);
            var lane = new Md5Lane();
            using var expected = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            for (int i = 0; i < Md5Batcher.LonelyLimit; i++)
            {
                Assert.True(batcher.WaitsForCompany);
                // Waits for the other stream until the deadline (not asserted: a slow machine may reach it at once).
                await batcher.AppendAsync(lane, a, 0, a.Length).WaitAsync(TimeSpan.FromSeconds(30));
                expected.AppendData(a);

                // The deadline's combiner may still be winding down when the awaited bytes are done; bytes appended
                // before it has would join its batch instead of meeting a deadline of their own.
                await UntilIdleAsync(batcher);
            }

            Assert.False(batcher.WaitsForCompany);
            Task now = batcher.AppendAsync(lane, a, 0, a.Length);
            Assert.True(now.IsCompletedSuccessfully);
            expected.AppendData(a);
            Assert.Equal(Convert.ToHexString(expected.GetHashAndReset()), Convert.ToHexString(lane.FinishAndReset()));
        }

        [Fact]
        public async Task BytesThatStoppedWaitingWaitAgainOnceTheOtherStreamsSend()
        {
            // The streams of a download open one by one: the first deadlines find no company even where the streams move
            // together later. After giving up, every ProbeEvery-th append waits once more, and company then resumes waiting.
            for (int attempt = 1; ; attempt++)
            {
                using var batcher = WithTwoOpenStreams();
                byte[] a = Random(10_000, seed: 54);
                byte[] b = Random(20_000, seed: 55);
                var laneA = new Md5Lane();
                var laneB = new Md5Lane();
                using var expectedA = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
                while (batcher.WaitsForCompany)
                {
                    await batcher.AppendAsync(laneA, a, 0, a.Length).WaitAsync(TimeSpan.FromSeconds(30));
                    expectedA.AppendData(a);
                    await UntilIdleAsync(batcher);
                }

                // Hashed at once until the probe, which waits (unless a slow machine reaches its deadline first).
                Task probe = Task.CompletedTask;
                int immediate = 0;
                while (probe.IsCompleted && immediate < Md5Batcher.ProbeEvery)
                {
                    probe = batcher.AppendAsync(laneA, a, 0, a.Length);
                    expectedA.AppendData(a);
                    if (probe.IsCompleted)
                    {
                        immediate++;
                    }
                }

                if (probe.IsCompleted)
                {
                    // No append waited, or the probe's deadline passed before the test looked at it.
                    Assert.True(attempt < 5, "no append waited for company again in five attempts");
                    continue;
                }

                Assert.Equal(Md5Batcher.ProbeEvery - 1, immediate);
                long sharedBefore = batcher.SharedBlocks;
                Task other = batcher.AppendAsync(laneB, b, 0, b.Length);
                await Task.WhenAll(probe, other).WaitAsync(TimeSpan.FromSeconds(30));
                await UntilIdleAsync(batcher);
                Assert.Equal(Convert.ToHexString(expectedA.GetHashAndReset()), Convert.ToHexString(laneA.FinishAndReset()));
                Assert.Equal(Convert.ToHexString(MD5.HashData(b)), Convert.ToHexString(laneB.FinishAndReset()));
                if (batcher.WaitsForCompany)
                {
                    if (Md5Batcher.IsAccelerated)
                    {
                        Assert.True(batcher.SharedBlocks > sharedBefore); // the probe and the other stream's bytes went together
                    }

                    return;
                }

                // The probe's deadline came before the other stream's bytes (the test thread was descheduled): try again.
                Assert.True(attempt < 5, "the probe never met the other stream's bytes in five attempts");
            }
        }

        [Fact]
        public void UrgentBytesDoNotWaitForCompany()
        {
            // A range stream whose staging ring is full is about to wait for these bytes: they go at once.
            using var batcher = WithTwoOpenStreams();
            byte[] a = Random(100_000, seed: 56);
            var lane = new Md5Lane();
            Task urgent = batcher.AppendAsync(lane, a, 0, a.Length, urgent: true);
            Assert.True(urgent.IsCompletedSuccessfully);
            Assert.True(batcher.WaitsForCompany); // the other bytes still wait
            Assert.Equal(Convert.ToHexString(MD5.HashData(a)), Convert.ToHexString(lane.FinishAndReset()));
        }

        [Fact]
        public async Task HurryHashesBytesWaitingForCompanyAndTheLanesNextBytesUntilUnhurry()
        {
            for (int attempt = 1; ; attempt++)
            {
                using var batcher = WithTwoOpenStreams();
                byte[] a = Random(100_000, seed: 57);
                var lane = new Md5Lane();
                using var expected = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
                Task waiting = batcher.AppendAsync(lane, a, 0, a.Length);
                expected.AppendData(a);
                bool waited = !waiting.IsCompleted;
                batcher.Hurry(lane);
                if (!waited || batcher.IsRunning)
                {
                    // The deadline came first (a descheduled test thread): this attempt tests nothing.
                    await waiting.WaitAsync(TimeSpan.FromSeconds(30));
                    batcher.Unhurry(lane);
                    Assert.True(attempt < 5, "the bytes never waited for company long enough to be hurried in five attempts");
                    continue;
                }

                Assert.True(waiting.IsCompletedSuccessfully); // hashed on the hurrying thread, before Hurry returned
                Task next = batcher.AppendAsync(lane, a, 0, a.Length);
                expected.AppendData(a);
                Assert.True(next.IsCompletedSuccessfully);

                batcher.Unhurry(lane);
                Task after = batcher.AppendAsync(lane, a, 0, a.Length);
                expected.AppendData(a);
                bool waitsAgain = !after.IsCompleted;
                await after.WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(Convert.ToHexString(expected.GetHashAndReset()), Convert.ToHexString(lane.FinishAndReset()));
                Assert.True(waitsAgain);
                return;
            }
        }

        [Fact]
        public void ALoneCallerHashesItsOwnBytesBeforeItReturns()
        {
            using var batcher = new Md5Batcher();
            byte[] data = Random(100_000, seed: 40);
            var lane = new Md5Lane();
            Task done = batcher.AppendAsync(lane, data, 0, data.Length);
            Assert.True(done.IsCompletedSuccessfully);
            Assert.False(batcher.IsRunning);
            Assert.Equal(0, batcher.SharedBlocks);
            Assert.Equal(Convert.ToHexString(MD5.HashData(data)), Convert.ToHexString(lane.FinishAndReset()));
        }

        private static Md5Batcher WithTwoOpenStreams()
        {
            var batcher = new Md5Batcher();
            batcher.Open();
            batcher.Open();
            return batcher;
        }

        private static async Task UntilIdleAsync(Md5Batcher batcher)
        {
            var clock = Stopwatch.StartNew();
            while (batcher.IsRunning)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the batch never finished");
                await Task.Delay(1);
            }
        }

        private static byte[] Random(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }
    }
}
