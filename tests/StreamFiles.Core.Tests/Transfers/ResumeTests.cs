using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Resume;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Tests.Transfers.Support;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.Transfers
{
    /// <summary>Interrupted transfers and their reruns: journals, partial files, changed sources, cancellation.</summary>
    public sealed class ResumeTests : IDisposable
    {
        private const int KiB = 1024;
        private const int MiB = 1024 * 1024;
        private readonly TempDirectory _dir = new TempDirectory();

        public void Dispose() => _dir.Dispose();

        private static TransferOptions Resumable(ChecksumAlgorithm checksum = ChecksumAlgorithm.CRC32C, int concurrency = 1) =>
            new TransferOptions(resume: true, partSize: 256 * KiB, concurrency: concurrency, bufferSize: 64 * KiB, checksum: checksum);

        /// <summary>Copies 3 MiB in 12 parts of 256 KiB and fails after 1 MiB + 100 bytes: parts 1-4 are done.</summary>
        private (string Source, string Destination) FailHalfWay(ChecksumAlgorithm checksum = ChecksumAlgorithm.CRC32C)
        {
            string source = _dir.RandomFile("s.bin", 3 * MiB);
            string destination = _dir.File("d.bin");
            // The resume fingerprint reads the first and last 64 KiB through the same reader first.
            var storage = new FaultyStorage { FailReadAfter = MiB + (128 * KiB) + 100 };
            CollectingSink failed = TransferHarness.Run(new[] { source }, destination, Resumable(checksum), storages: TransferHarness.With(storage));
            Assert.Equal("ReadError", Assert.Single(failed.Errors).Condition);
            Assert.False(File.Exists(destination));
            Assert.True(File.Exists(destination + ".partial"));
            ResumeJournal? journal = ResumeJournal.TryLoad(destination + ".partial.journal", out string? problem);
            Assert.True(journal != null, problem);
            Assert.Equal(new[] { 1, 2, 3, 4 }, journal!.Parts.Select(p => p.Number));
            return (source, destination);
        }

        /// <summary>
        /// A crash must never leave a journal that lists bytes the disk does not hold: the engine flushes the data
        /// file before each journal save. Checked through the writer seam at every write, flush and the commit.
        /// </summary>
        [Fact]
        public void TheJournalListsOnlyPartsAlreadyFlushedToDisk()
        {
            string source = _dir.RandomFile("s.bin", 100 * 64 * KiB);
            string destination = _dir.File("d.bin");
            var storage = new FlushRecordingStorage { WriteDelay = TimeSpan.FromMilliseconds(10) };
            var options = new TransferOptions(resume: true, partSize: 64 * KiB, concurrency: 2, bufferSize: 64 * KiB);

            CollectingSink sink = TransferHarness.Run(new[] { source }, destination, options, storages: TransferHarness.With(storage));

            Assert.Empty(sink.Errors);
            Assert.Equal(TransferStatus.Completed, Assert.Single(sink.Transfers).Status);
            Assert.True(Coreutils.Same(source, destination));
            Assert.Empty(storage.Violations);
            Assert.True(storage.JournalChecks > 0, "the transfer ended before any journal listed a part: nothing was checked");
            Assert.True(storage.Flushes > 1);
        }

        [Theory]
        [InlineData(ChecksumAlgorithm.CRC32C)]
        [InlineData(ChecksumAlgorithm.SHA256)]
        [InlineData(ChecksumAlgorithm.CRC64NVME)]
        public async System.Threading.Tasks.Task ARerunWithResumeContinuesAfterTheDoneParts(ChecksumAlgorithm checksum)
        {
            (string source, string destination) = FailHalfWay(checksum);

            CollectingSink rerun = TransferHarness.Run(new[] { source }, destination, Resumable(checksum, concurrency: 4));

            Assert.Empty(rerun.Errors);
            TransferResult result = Assert.Single(rerun.Transfers);
            Assert.Equal(TransferStatus.Resumed, result.Status);
            Assert.Equal(3 * MiB, result.Length);
            Assert.Equal(2 * MiB, result.BytesTransferred);
            Assert.True(Coreutils.Same(source, destination));
            string expected = checksum == ChecksumAlgorithm.SHA256
                ? Coreutils.Sha256Sum(source)
                : (await new ChunkedHasher(new HashSettings(new[] { checksum })).HashFileAsync(source)).Hash;
            Assert.Equal(expected, result.Hash);
            Assert.False(File.Exists(destination + ".partial"));
            Assert.False(File.Exists(destination + ".partial.journal"));
        }

        /// <summary>
        /// A file name of 240-255 bytes is one the file system takes, but not with ".partial" (and ".journal") after it:
        /// it was PathTooLong. Its temporary name is now its start and a hash of the whole name, and an interrupted
        /// copy of it resumes from there.
        /// </summary>
        [Theory]
        [InlineData(248)]
        [InlineData(255)]
        public void AFileWithANameOfUpTo255BytesIsCopiedAndResumed(int nameBytes)
        {
            string name = new string('n', nameBytes - 5) + "é.bin"; // é is two bytes in UTF-8
            Assert.Equal(nameBytes + 1, System.Text.Encoding.UTF8.GetByteCount(name));
            name = name.Substring(1);
            string source = _dir.RandomFile(name, 3 * MiB);
            Directory.CreateDirectory(_dir.File("out"));
            string destination = Path.Combine(_dir.File("out"), name);
            var storage = new FaultyStorage { FailReadAfter = MiB + (128 * KiB) + 100 };
            CollectingSink failed = TransferHarness.Run(new[] { source }, _dir.File("out") + Path.DirectorySeparatorChar, Resumable(), storages: TransferHarness.With(storage));
            Assert.True("ReadError" == Assert.Single(failed.Errors).Condition, failed.Errors[0].Message);
            string[] left = Directory.GetFiles(_dir.File("out")).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;
            Assert.Equal(2, left.Length);
            Assert.EndsWith(".partial", left[0], StringComparison.Ordinal);
            Assert.Equal(left[0] + ".journal", left[1]);
            Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(left[1]), 200, 255);
            Assert.StartsWith("nnnn", left[0], StringComparison.Ordinal);

            TransferResult result = Assert.Single(TransferHarness.Run(new[] { source }, _dir.File("out") + Path.DirectorySeparatorChar, Resumable()).Transfers);
            Assert.Equal(TransferStatus.Resumed, result.Status);
            Assert.True(Coreutils.Same(source, destination));
            Assert.Equal(new[] { name }, Directory.GetFiles(_dir.File("out")).Select(Path.GetFileName));
        }

        /// <summary>
        /// A run that cannot open the .partial, because another run is writing it, fails without deleting that run's
        /// journal on its way out (it did, so the other run's interrupted copy started over instead of resuming).
        /// </summary>
        [Fact]
        public void ARunThatCannotOpenThePartialLeavesTheOtherRunsJournal()
        {
            (string source, string destination) = FailHalfWay();
            using (new FileStream(destination + ".partial", FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                CollectingSink blocked = TransferHarness.Run(new[] { source }, destination, new TransferOptions(partSize: 256 * KiB, bufferSize: 64 * KiB, overwrite: true));
                Assert.Single(blocked.Errors);
            }

            Assert.True(File.Exists(destination + ".partial.journal"));
            TransferResult result = Assert.Single(TransferHarness.Run(new[] { source }, destination, Resumable()).Transfers);
            Assert.Equal(TransferStatus.Resumed, result.Status);
            Assert.True(Coreutils.Same(source, destination));
        }

        /// <summary>
        /// A .partial that is not StreamFiles' own (no mark) beside a journal of an earlier run: not resumed into and
        /// not replaced without -Force (a probe: a user's file there was overwritten with exit 0).
        /// </summary>
        [Fact]
        public void AJournalBesideAPartialNoRunMarkedDoesNotMakeItResumable()
        {
            (string source, string destination) = FailHalfWay();
            File.WriteAllText(destination + ".partial", "user data"); // the same inode: the mark is cleared below
            StreamFiles.Core.Storage.Local.PartialMark.Clear(destination + ".partial");
            Assert.True(File.Exists(destination + ".partial.journal"));

            CollectingSink rerun = TransferHarness.Run(new[] { source }, destination, Resumable());

            Assert.Equal("DestinationExists", Assert.Single(rerun.Errors).Condition);
            Assert.Equal("user data", File.ReadAllText(destination + ".partial"));
            Assert.False(File.Exists(destination));
        }

        [Fact]
        public void AChangedSourceRestartsCleanly()
        {
            (string source, string destination) = FailHalfWay();
            File.SetLastWriteTimeUtc(source, DateTime.UtcNow.AddMinutes(-5));

            CollectingSink rerun = TransferHarness.Run(new[] { source }, destination, Resumable());

            TransferResult result = Assert.Single(rerun.Transfers);
            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(3 * MiB, result.BytesTransferred);
            Assert.True(Coreutils.Same(source, destination));
            Assert.Contains(rerun.Verbose, line => line.Contains("starting over instead of resuming, because the source changed since the interrupted run: its modification time", StringComparison.Ordinal));
        }

        /// <summary>A rerun with another part size cannot use the parts of the first: it starts over, and says why.</summary>
        [Fact]
        public void ARerunWithAnotherPartSizeStartsOverAndSaysWhy()
        {
            (string source, string destination) = FailHalfWay();

            CollectingSink rerun = TransferHarness.Run(new[] { source }, destination, new TransferOptions(resume: true, partSize: 512 * KiB, concurrency: 1, bufferSize: 64 * KiB));

            TransferResult result = Assert.Single(rerun.Transfers);
            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(3 * MiB, result.BytesTransferred);
            Assert.True(Coreutils.Same(source, destination));
            string line = Assert.Single(rerun.Verbose, l => l.Contains("starting over", StringComparison.Ordinal));
            Assert.Equal($"'{source}' -> '{destination}': starting over instead of resuming, because the part size differs from the interrupted run's.", line);
        }

        [Fact]
        public void ASourceWithTheSameSizeAndTimeButOtherBytesRestarts()
        {
            (string source, string destination) = FailHalfWay();
            DateTime time = File.GetLastWriteTimeUtc(source);
            using (var stream = new FileStream(source, FileMode.Open))
            {
                stream.WriteByte(0x42); // the first bytes differ now
            }

            File.SetLastWriteTimeUtc(source, time);
            TransferResult result = Assert.Single(TransferHarness.Run(new[] { source }, destination, Resumable()).Transfers);
            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.True(Coreutils.Same(source, destination));
        }

        /// <summary>
        /// A source edited in place after the run was cut, keeping its size and time and its first and last bytes
        /// (a probe): the fingerprint cannot tell, and the rerun said "verified" with the old bytes of part 2 kept.
        /// With -Verify the journal's parts are read from the source again, and the changed one is copied again.
        /// </summary>
        [Fact]
        public void WithVerifyAPartEditedInPlaceSinceTheRunWasCutIsCopiedAgain()
        {
            (string source, string destination) = FailHalfWay();
            DateTime time = File.GetLastWriteTimeUtc(source);
            using (var stream = new FileStream(source, FileMode.Open))
            {
                stream.Position = 300 * KiB; // inside part 2, away from the fingerprint's first and last 64 KiB
                stream.WriteByte((byte)~stream.ReadByte());
            }

            File.SetLastWriteTimeUtc(source, time);
            var options = new TransferOptions(resume: true, partSize: 256 * KiB, concurrency: 1, bufferSize: 64 * KiB, verify: true);
            CollectingSink rerun = TransferHarness.Run(new[] { source }, destination, options);

            TransferResult result = Assert.Single(rerun.Transfers);
            Assert.Equal(TransferStatus.Resumed, result.Status);
            Assert.True(result.Verified);
            Assert.Equal(2 * MiB + 256 * KiB, result.BytesTransferred);
            Assert.True(Coreutils.Same(source, destination));
            Assert.Contains(rerun.Verbose, line => line.Contains("1 of the 4 parts copied before changed in the source", StringComparison.Ordinal));
        }

        [Fact]
        public void ADamagedPartOfThePartialFileIsCopiedAgain()
        {
            (string source, string destination) = FailHalfWay();
            using (var stream = new FileStream(destination + ".partial", FileMode.Open))
            {
                stream.Position = 300 * KiB; // inside part 2
                stream.WriteByte((byte)~stream.ReadByte());
            }

            TransferResult result = Assert.Single(TransferHarness.Run(new[] { source }, destination, Resumable()).Transfers);
            Assert.Equal(TransferStatus.Resumed, result.Status);
            Assert.Equal(2 * MiB + 256 * KiB, result.BytesTransferred);
            Assert.True(Coreutils.Same(source, destination));
        }

        [Fact]
        public void ARerunWithoutResumeStartsOverAndClearsTheJournal()
        {
            (string source, string destination) = FailHalfWay();
            TransferResult result = Assert.Single(TransferHarness.Run(new[] { source }, destination, new TransferOptions(partSize: 256 * KiB)).Transfers);
            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(3 * MiB, result.BytesTransferred);
            Assert.False(File.Exists(destination + ".partial.journal"));
            Assert.True(Coreutils.Same(source, destination));
        }

        [Fact]
        public void ADamagedJournalRestarts()
        {
            (string source, string destination) = FailHalfWay();
            File.WriteAllText(destination + ".partial.journal", "streamfiles-resume 1\ngarbage");
            TransferResult result = Assert.Single(TransferHarness.Run(new[] { source }, destination, Resumable()).Transfers);
            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.True(Coreutils.Same(source, destination));
        }

        /// <summary>
        /// Cancelled while a source is still being looked at (a slow HEAD, Ctrl+C or SIGTERM early on): SubmitSource
        /// returns quietly, as it does when cancelled during a listing, instead of throwing the cancellation at the host
        /// (the CLI crashed with an unhandled TaskCanceledException, exit 134).
        /// </summary>
        [Fact]
        public void CancellingWhileTheSourceIsLookedAtEndsQuietly()
        {
            string source = _dir.RandomFile("s.bin", 1000);
            string destination = _dir.File("d.bin");
            var storage = new FaultyStorage { StatDelay = TimeSpan.FromSeconds(30) };
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var clock = Stopwatch.StartNew();

            CollectingSink sink = TransferHarness.Run(new[] { source }, destination, storages: TransferHarness.With(storage), cancellationToken: cancel.Token);

            Assert.InRange(clock.Elapsed.TotalSeconds, 0, 10);
            Assert.Empty(sink.Errors);
            Assert.Empty(sink.Transfers);
            Assert.False(File.Exists(destination));
            Assert.Empty(Directory.GetFiles(_dir.Path, "d.bin*"));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void CancellingStopsWithinASecondAndKeepsResumableStateOnlyWithResume(bool resume)
        {
            string source = _dir.RandomFile("s.bin", 16 * MiB);
            string destination = _dir.File("d.bin");
            var storage = new FaultyStorage { ReadDelay = TimeSpan.FromMilliseconds(20) };
            var options = new TransferOptions(resume: resume, partSize: 512 * KiB, concurrency: 2, bufferSize: 64 * KiB);
            using var cancel = new CancellationTokenSource();
            var cancelledAt = new Stopwatch();

            // Cancel once some parts are done (with Resume: once the journal lists one), as Ctrl+C would.
            var canceller = System.Threading.Tasks.Task.Run(async () =>
            {
                while (resume ? !JournalHasParts(destination) : storage.BytesRead < 2 * MiB)
                {
                    await System.Threading.Tasks.Task.Delay(10);
                }

                cancelledAt.Start();
                cancel.Cancel();
            });

            CollectingSink sink = TransferHarness.Run(new[] { source }, destination, options, storages: TransferHarness.With(storage), cancellationToken: cancel.Token);

            Assert.True(canceller.IsCompleted);
            Assert.InRange(cancelledAt.Elapsed.TotalSeconds, 0, 1.5);
            Assert.True(storage.BytesRead < 16 * MiB);
            Assert.Empty(sink.Errors);
            Assert.Empty(sink.Transfers);
            Assert.False(File.Exists(destination));
            Assert.Equal(resume, File.Exists(destination + ".partial"));
            Assert.Equal(resume, File.Exists(destination + ".partial.journal"));
            if (!resume)
            {
                return;
            }

            TransferResult result = Assert.Single(TransferHarness.Run(new[] { source }, destination, options).Transfers);
            Assert.Equal(TransferStatus.Resumed, result.Status);
            Assert.True(result.BytesTransferred < 16 * MiB);
            Assert.True(Coreutils.Same(source, destination));
        }

        private static bool JournalHasParts(string destination) =>
            File.Exists(destination + ".partial.journal") && (ResumeJournal.TryLoad(destination + ".partial.journal", out _)?.Parts.Count ?? 0) > 0;

        [Fact]
        public void AFileOfOnePartHasNothingToResumeAndLeavesNoJournal()
        {
            string source = _dir.RandomFile("s.bin", 100 * KiB);
            var storage = new FaultyStorage { FailReadAfter = 50 * KiB };
            TransferHarness.Run(new[] { source }, _dir.File("d.bin"), Resumable(), storages: TransferHarness.With(storage));
            Assert.False(File.Exists(_dir.File("d.bin.partial")));
            Assert.False(File.Exists(_dir.File("d.bin.partial.journal")));
        }
    }
}
