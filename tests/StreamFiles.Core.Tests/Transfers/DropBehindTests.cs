using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading.Tasks;
using StreamFiles.Core.Storage.Local;
using StreamFiles.Core.Tests.TestSupport;
using Xunit;

namespace StreamFiles.Core.Tests.Transfers
{
    /// <summary>
    /// A large file being written asks the kernel to drop its written pages behind it (Linux). How much of a file the
    /// page cache holds is read with fincore (util-linux), not with the code under test.
    /// </summary>
    public sealed class DropBehindTests : IDisposable
    {
        private const int MiB = 1024 * 1024;
        private readonly TempDirectory _dir = new TempDirectory();

        // Next to the test binaries, on a disk: /tmp may be a tmpfs, whose pages are the file and never dropped.
        private readonly string _onDisk = Path.Combine(AppContext.BaseDirectory, "drop-behind-" + Guid.NewGuid().ToString("N"));

        public DropBehindTests() => Directory.CreateDirectory(_onDisk);

        public void Dispose()
        {
            _dir.Dispose();
            Directory.Delete(_onDisk, recursive: true);
        }

        [Fact]
        public void A_file_smaller_than_the_threshold_gets_none()
        {
            using LocalFile file = LocalFile.OpenWrite(_dir.File("small.bin.partial"), create: true, DropBehind.From - 1, portable: false);
            Assert.Null(file.DropBehind);
        }

        [Fact]
        public void A_file_of_unknown_length_gets_none()
        {
            using LocalFile file = LocalFile.OpenWrite(_dir.File("stream.bin.partial"), create: true, length: null, portable: false);
            Assert.Null(file.DropBehind);
        }

        [Fact]
        public async Task Parallel_writes_advise_once_per_interval_and_every_byte_arrives()
        {
            long length = (6 * DropBehind.Interval) + (3 * MiB);
            string path = _dir.File("big.bin.partial");
            byte[] content = new byte[length];
            new Random(7).NextBytes(content);
            using LocalFile file = LocalFile.OpenWrite(path, create: true, length, portable: false);
            if (!OperatingSystem.IsLinux())
            {
                Assert.Null(file.DropBehind); // posix_fadvise is Linux-only here
                return;
            }

            DropBehind dropBehind = Assert.IsType<DropBehind>(file.DropBehind);

            // Four writers, each taking every fourth MiB: the 16 MiB marks are passed by whichever writer gets there.
            int blocks = (int)(length / MiB);
            await Task.WhenAll(Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
            {
                for (int block = writer; block < blocks; block += 4)
                {
                    await file.WriteAtAsync((long)block * MiB, content.AsMemory(block * MiB, MiB), default);
                }
            })));

            Assert.Equal(6, dropBehind.Calls); // 99 MiB written: the marks at 16, 32, 48, 64, 80 and 96 MiB
            file.Copied(DropBehind.Interval);  // what copy_file_range moved counts the same: 115 MiB passes 112
            Assert.Equal(7, dropBehind.Calls);
            file.Finished();
            Assert.Equal(8, dropBehind.Calls);
            file.Dispose();

            using FileStream written = File.OpenRead(path);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(content)), Convert.ToHexString(SHA256.HashData(written)));
        }

        [Fact]
        public async Task Pages_on_disk_leave_the_page_cache_when_advised()
        {
            if (!OperatingSystem.IsLinux())
            {
                return; // nothing to observe: no drop-behind off Linux (see the test above)
            }

            long length = DropBehind.From;
            string path = Path.Combine(_onDisk, "cached.bin.partial");
            byte[] block = new byte[MiB];
            new Random(3).NextBytes(block);
            using LocalFile file = LocalFile.OpenWrite(path, create: true, length, portable: false);
            DropBehind dropBehind = Assert.IsType<DropBehind>(file.DropBehind);
            for (long offset = 0; offset < length; offset += MiB)
            {
                await file.WriteAtAsync(offset, block, default);
            }

            // On disk and clean. The drop-behind calls made while writing may already have dropped the pages the disk
            // had finished with (on a fast disk, all of them: a CI run once found none cached), so the file is read back
            // once, which caches every page, clean (by dd: the open LocalFile holds .NET's exclusive lock on it).
            file.FlushToDisk();
            ExternalTool.Run("dd", "if=" + path, "of=/dev/null", "bs=1M", "status=none");

            long before = ResidentBytes(path);
            Assert.True(before > 0, $"fincore: {before} bytes of {path} in the page cache after writing");

            // Clean pages are dropped by the next call.
            dropBehind.Advise();
            long after = ResidentBytes(path);
            Assert.True(after <= before / 16, $"fincore: {after} bytes cached after the advice, {before} before");
        }

        [Fact]
        public async Task Holds_keep_what_their_readers_have_not_released_cached()
        {
            if (!OperatingSystem.IsLinux())
            {
                return; // no drop-behind off Linux
            }

            long length = DropBehind.From;
            long eighth = length / 8;
            string path = Path.Combine(_onDisk, "held.bin.partial");
            byte[] block = new byte[MiB];
            new Random(4).NextBytes(block);
            using LocalFile file = LocalFile.OpenWrite(path, create: true, length, portable: false);
            DropBehind dropBehind = Assert.IsType<DropBehind>(file.DropBehind);
            using DropBehind.Hold anyOrder = dropBehind.HoldFor();
            using DropBehind.Hold inOrder = dropBehind.HoldFor(window: eighth);
            for (long offset = 0; offset < length; offset += MiB)
            {
                await file.WriteAtAsync(offset, block, default);
            }

            // On disk, clean and cached (as in the test above). One reader has released all but the third quarter; the
            // other has read the first quarter, and keeps an eighth ahead of it.
            file.FlushToDisk();
            ExternalTool.Run("dd", "if=" + path, "of=/dev/null", "bs=1M", "status=none");
            anyOrder.Release(6 * eighth, 2 * eighth);
            anyOrder.Release(0, 2 * eighth);
            anyOrder.Release(2 * eighth, 2 * eighth);
            inOrder.Release(0, 2 * eighth);
            Assert.Equal(new[] { (0L, 2 * eighth), (3 * eighth, 4 * eighth), (6 * eighth, 8 * eighth) }, dropBehind.Advised()); // what lies past the end was not released

            dropBehind.Advise();
            long held = ResidentBytes(path);
            Assert.True(held >= 3 * eighth && held <= (3 * eighth) + MiB, $"fincore: {held} bytes cached, where the holds keep {3 * eighth}");

            // Once both readers let go, the advice covers the whole file again.
            anyOrder.Dispose();
            Assert.Equal(new[] { (0L, 2 * eighth), (3 * eighth, long.MaxValue) }, dropBehind.Advised());
            inOrder.Dispose();
            Assert.Equal(new[] { (0L, long.MaxValue) }, dropBehind.Advised());
            dropBehind.Advise();
            long after = ResidentBytes(path);
            Assert.True(after <= held / 16, $"fincore: {after} bytes cached after the holds let go, {held} before");
        }

        private static long ResidentBytes(string path) =>
            long.Parse(ExternalTool.Run("fincore", "--bytes", "--noheadings", "--output", "RES", path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
