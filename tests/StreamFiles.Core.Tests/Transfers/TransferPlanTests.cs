using System;
using System.Linq;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Transfers;
using CrcTests = StreamFiles.Core.Tests.Hashing;

namespace StreamFiles.Core.Tests.Transfers
{
    public sealed class TransferPlanTests
    {
        private const long MiB = 1024 * 1024;
        private static readonly PartLimits S3 = new PartLimits(5 * MiB, 5L * 1024 * MiB, 10_000);

        [Theory]
        [InlineData(0L, 1)]
        [InlineData(1L, 1)]
        [InlineData(8 * MiB - 1, 1)]
        [InlineData(8 * MiB, 1)]
        [InlineData(8 * MiB + 1, 2)]
        [InlineData(80 * MiB, 10)]
        [InlineData(80 * MiB + 1, 11)]
        public void DefaultPartsAre8MiB(long length, int parts)
        {
            TransferPlan plan = TransferPlan.Plan(length, null, PartLimits.Unlimited, sourceSupportsRanges: true);
            Assert.Equal(parts, plan.PartCount);
            Assert.Equal(parts == 1, plan.IsSingleRequest);
            Assert.Equal(length, Enumerable.Range(1, plan.PartCount).Sum(n => plan.Part(n).Length));
            Assert.False(plan.Sequential);
        }

        [Fact]
        public void PartsTileTheFileWithAShortLastPart()
        {
            TransferPlan plan = TransferPlan.Plan(20 * MiB + 3, 8 * MiB, PartLimits.Unlimited, true);
            Assert.Equal(new[] { (0L, 8 * MiB), (8 * MiB, 8 * MiB), (16 * MiB, 4 * MiB + 3) }, Enumerable.Range(1, 3).Select(n => (plan.Part(n).Offset, plan.Part(n).Length)));
            Assert.Equal(3, plan.Part(3).Number);
            Assert.Throws<ArgumentOutOfRangeException>(() => plan.Part(4));
        }

        [Fact]
        public void LargeFilesGrowThePartSizeInWholeMiBToStayWithin10000Parts()
        {
            long length = 100L * 1024 * MiB; // 100 GiB: 12,800 parts of 8 MiB
            TransferPlan plan = TransferPlan.Plan(length, null, PartLimits.Unlimited, true);
            Assert.True(plan.PartCount <= 10_000);
            Assert.Equal(11 * MiB, plan.PartSize);
            Assert.Equal(0, plan.PartSize % MiB);
        }

        [Fact]
        public void FiveTebibytesFitS3()
        {
            TransferPlan plan = TransferPlan.Plan(5L * 1024 * 1024 * MiB, null, S3, true);
            Assert.True(plan.PartCount <= 10_000);
            Assert.True(plan.PartSize <= S3.MaxPartSize);
        }

        [Fact]
        public void TheDestinationsMinimumWinsOverASmallRequest() =>
            Assert.Equal(5 * MiB, TransferPlan.Plan(50 * MiB, 1 * MiB, S3, true).PartSize);

        [Fact]
        public void ARequestedPartSizeIsUsedWhenItFits() =>
            Assert.Equal(25, TransferPlan.Plan(100 * MiB, 4 * MiB, PartLimits.Unlimited, true).PartCount);

        [Fact]
        public void ASingleRequestDestinationGetsOnePart() =>
            Assert.Equal(1, TransferPlan.Plan(3L * 1024 * MiB, null, PartLimits.SingleRequest, true).PartCount);

        [Fact]
        public void AnUnknownLengthIsOneSequentialStream()
        {
            TransferPlan plan = TransferPlan.Plan(null, null, PartLimits.Unlimited, true);
            Assert.True(plan.Sequential);
            Assert.Equal(1, plan.PartCount);
            Assert.Equal(-1, plan.Part(1).Length);
        }

        [Fact]
        public void ASourceWithoutRangesIsReadSequentially() =>
            Assert.True(TransferPlan.Plan(100 * MiB, null, PartLimits.Unlimited, sourceSupportsRanges: false).Sequential);

        [Fact]
        public void TooLargeForTheDestinationIsAnError() =>
            Assert.Throws<ArgumentOutOfRangeException>(() => TransferPlan.Plan(long.MaxValue / 2, null, S3, true));
    }

    public sealed class CrcCombineTests
    {
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void CombiningPartCrcsGivesTheWholeFileCrc(bool castagnoli)
        {
            var random = new Random(7);
            byte[] data = new byte[1_000_003];
            random.NextBytes(data);
            uint whole = StreamFiles.Core.Hashing.Crc32.Compute(data, castagnoli);
            foreach (int parts in new[] { 1, 2, 3, 17, 1000 })
            {
                int size = (data.Length + parts - 1) / parts;
                uint combined = 0;
                for (int offset = 0; offset < data.Length; offset += size)
                {
                    int length = Math.Min(size, data.Length - offset);
                    uint part = StreamFiles.Core.Hashing.Crc32.Compute(data.AsSpan(offset, length), castagnoli);
                    combined = offset == 0 ? part : StreamFiles.Core.Hashing.CrcCombine.Combine(combined, part, length, castagnoli);
                }

                Assert.Equal(whole, combined);
            }
        }

        [Fact]
        public void EmptyPiecesChangeNothing()
        {
            uint crc = StreamFiles.Core.Hashing.Crc32.Compute(new byte[] { 1, 2, 3 }, true);
            Assert.Equal(crc, StreamFiles.Core.Hashing.CrcCombine.Combine(crc, 0, 0, true));
            Assert.Equal(crc, StreamFiles.Core.Hashing.CrcCombine.Combine(0, crc, 3, true));
        }
    }

    public sealed class TransferIntegrityTests
    {
        [Fact]
        public async System.Threading.Tasks.Task Crc64nvmePartsAreHashedInAnyOrderAndCombined()
        {
            // Like CRC32C, and unlike SHA256, CRC64NVME needs no file order: parts fed last-first must not wait for
            // their turn, the journal keeps each part's CRC64NVME, and the whole value is combined from them.
            byte[] data = new byte[(5 * 1024 * 1024) + 17];
            new Random(9).NextBytes(data);
            TransferPlan plan = TransferPlan.Plan(data.Length, 1024 * 1024, PartLimits.Unlimited, sourceSupportsRanges: true);
            using var integrity = new TransferIntegrity(StreamFiles.Core.Hashing.ChecksumAlgorithm.CRC64NVME, plan);

            Assert.False(integrity.IsOrdered);
            Assert.Equal("CRC64NVME", integrity.PartAlgorithmName);
            for (int number = plan.PartCount; number >= 1; number--)
            {
                PartSpec part = plan.Part(number);
                TransferIntegrity.PartHash hash = integrity.StartPart(part);
                // An ordered feed would wait here for the earlier parts, and time out.
                await hash.AppendAsync(part.Offset, data, (int)part.Offset, (int)part.Length, feedWhole: true, default).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                ulong expected = CrcTests.Crc64Tests.Bitwise(data.AsSpan((int)part.Offset, (int)part.Length));
                Assert.Equal(expected.ToString("X16"), hash.Complete());
            }

            Assert.Equal(CrcTests.Crc64Tests.Bitwise(data).ToString("X16"), integrity.FinishWhole());
        }

        [Fact]
        public void AResumedPartsCrc64nvmeIsTakenFromTheJournal()
        {
            byte[] data = new byte[3000];
            new Random(10).NextBytes(data);
            TransferPlan plan = TransferPlan.Plan(data.Length, 1000, PartLimits.Unlimited, sourceSupportsRanges: true);
            using var integrity = new TransferIntegrity(StreamFiles.Core.Hashing.ChecksumAlgorithm.CRC64NVME, plan);
            for (int number = 1; number <= plan.PartCount; number++)
            {
                PartSpec part = plan.Part(number);
                string crc = CrcTests.Crc64Tests.Bitwise(data.AsSpan((int)part.Offset, (int)part.Length)).ToString("X16");
                integrity.AddCompletedPart(new PartReceipt(number, part.Offset, part.Length, crc));
            }

            Assert.Equal(CrcTests.Crc64Tests.Bitwise(data).ToString("X16"), integrity.FinishWhole());
            Assert.Throws<ArgumentException>(() => integrity.AddCompletedPart(new PartReceipt(1, 0, 1000, "1234ABCD"))); // a CRC32's width
        }
    }

    public sealed class MemoryBudgetTests
    {
        [Fact]
        public async System.Threading.Tasks.Task LeasesNeverExceedTheBudget()
        {
            var budget = new MemoryBudget(4 * 1024 * 1024, 1024 * 1024);
            Assert.Equal(4, budget.BufferCount);
            var leases = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 4).Select(_ => budget.RentAsync(default)));
            System.Threading.Tasks.Task<MemoryBudget.Lease> fifth = budget.RentAsync(default);
            await System.Threading.Tasks.Task.Delay(50);
            Assert.False(fifth.IsCompleted);
            leases[0].Dispose();
            (await fifth).Dispose();
            foreach (MemoryBudget.Lease lease in leases.Skip(1))
            {
                lease.Dispose();
            }

            Assert.Equal(4, budget.PeakBuffers);
            Assert.Equal(0, budget.BuffersInUse);
        }

        [Fact]
        public void ABudgetSmallerThanABufferGetsSmallerBuffers()
        {
            var budget = new MemoryBudget(256 * 1024, 1024 * 1024);
            Assert.Equal(256 * 1024, budget.BufferSize);
            Assert.Equal(1, budget.BufferCount);
        }

        [Fact]
        public async System.Threading.Tasks.Task DisposingALeaseTwiceReturnsItOnce()
        {
            var budget = new MemoryBudget(1024 * 1024, 1024 * 1024);
            MemoryBudget.Lease lease = await budget.RentAsync(default);
            lease.Dispose();
            lease.Dispose();
            Assert.Equal(0, budget.BuffersInUse);
        }
    }
}
