using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Tests.Transfers.Support;
using StreamFiles.Core.Transfers;
using Xunit.Abstractions;

namespace StreamFiles.Core.Tests.Transfers
{
    public sealed class ScaleTests : IDisposable
    {
        private readonly TempDirectory _dir = new TempDirectory();
        private readonly ITestOutputHelper _output;

        public ScaleTests(ITestOutputHelper output) => _output = output;

        public void Dispose() => _dir.Dispose();

        [Fact]
        public void TenThousandSmallFilesInOneBatch()
        {
            var data = new byte[4096];
            var random = new Random(5);
            for (int d = 0; d < 100; d++)
            {
                string directory = _dir.File($"tree/dir {d:D3}");
                Directory.CreateDirectory(directory);
                for (int f = 0; f < 100; f++)
                {
                    random.NextBytes(data);
                    File.WriteAllBytes(Path.Combine(directory, $"file {f:D3}.bin"), data.AsSpan(0, (d * 100 + f) % data.Length).ToArray());
                }
            }

            var clock = Stopwatch.StartNew();
            CollectingSink sink = TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out"), recurse: true, throttleLimit: 16);
            _output.WriteLine($"10,000 files in {clock.Elapsed.TotalSeconds:F2} s {sink.Errors.Count} errors: {sink.Errors.FirstOrDefault()?.Message}");

            Assert.Empty(sink.Errors);
            Assert.Equal(10_000, sink.Transfers.Count);
            Assert.All(sink.Transfers, r => Assert.Equal(TransferStatus.Completed, r.Status));
            Assert.Equal(10_000, sink.Transfers.Select(r => r.Destination).Distinct().Count());
            Assert.True(Coreutils.SameTree(_dir.File("tree"), _dir.File("out")));

            // A rerun with SkipUnchanged by size and time touches nothing.
            CollectingSink rerun = TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out"), new TransferOptions(skipUnchanged: true, compare: TransferCompare.SizeAndTime), recurse: true, throttleLimit: 16);
            _output.WriteLine($"rerun after {clock.Elapsed.TotalSeconds:F2} s: {rerun.Errors.FirstOrDefault()?.Message}");
            Assert.Empty(rerun.Errors);
            Assert.All(rerun.Transfers, r => Assert.Equal(TransferStatus.Skipped, r.Status));
        }

        /// <summary>A real full disk: a 1 MiB tmpfs (needs root; otherwise the injected ENOSPC test stands alone).</summary>
        [Fact]
        public void ARealFullDiskIsDiskFullAndLeavesNothing()
        {
            string mount = _dir.File("small");
            Directory.CreateDirectory(mount);
            if (ProcessRunner.Run("mount", new[] { "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount }).ExitCode != 0)
            {
                _output.WriteLine("tmpfs cannot be mounted here (not root?): covered by LocalTransferTests.AFullDiskIsDiskFull only");
                return;
            }

            try
            {
                string source = _dir.RandomFile("big.bin", 3 * 1024 * 1024);
                CollectingSink sink = TransferHarness.Run(new[] { source }, Path.Combine(mount, "big.bin"));
                CommandError error = Assert.Single(sink.Errors);
                _output.WriteLine(error.Message + " " + error.Exception?.GetType() + " " + error.Exception?.InnerException?.HResult);
                Assert.Equal("DiskFull", error.Condition);
                Assert.Equal(FailureCategory.WriteError, error.Category);
                Assert.Empty(Directory.GetFileSystemEntries(mount));
            }
            finally
            {
                ProcessRunner.Run("umount", new[] { mount });
            }
        }
    }
}
