using System;
using System.IO;
using System.Linq;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Tests.Transfers.Support;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.Transfers
{
    /// <summary>Send/Receive between local paths: content checked with sha256sum and cmp, metadata with stat.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public sealed class LocalTransferTests : IDisposable
    {
        private const int KiB = 1024;
        private const int MiB = 1024 * 1024;
        private readonly TempDirectory _dir = new TempDirectory();

        public void Dispose() => _dir.Dispose();

        /// <summary>A random file at a relative path, its directories created.</summary>
        private string MakeFile(string relative, long length, int seed = 1)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_dir.File(relative))!);
            return _dir.RandomFile(relative, length, seed);
        }

        private static string ExpectedHash(string path, ChecksumAlgorithm algorithm, long chunkSize = 8 * MiB) =>
            new ChunkedHasher(new HashSettings(new[] { algorithm }, chunkSize)).HashFileAsync(path).GetAwaiter().GetResult().Hash;

        [Fact]
        public void CopiesAFileToANewNameWithItsTimeAndMode()
        {
            string source = _dir.RandomFile("source.bin", 3 * MiB + 17);
            File.SetLastWriteTimeUtc(source, new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1234567));
            File.SetUnixFileMode(source, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            string destination = _dir.File("copy.bin");

            CollectingSink sink = TransferHarness.Run(new[] { source }, destination);

            Assert.Empty(sink.Errors);
            TransferResult result = Assert.Single(sink.Transfers);
            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(source, result.Source);
            Assert.Equal(destination, result.Destination);
            Assert.Equal(3 * MiB + 17, result.Length);
            Assert.Equal(3 * MiB + 17, result.BytesTransferred);
            Assert.Equal("CRC32C", result.Algorithm);
            Assert.Equal(ExpectedHash(source, ChecksumAlgorithm.CRC32C), result.Hash);
            Assert.Equal(1, result.Attempts);
            Assert.Null(result.Error);
            Assert.True(result.BytesPerSecond > 0);
            Assert.Equal(Coreutils.Sha256Sum(source), Coreutils.Sha256Sum(destination));
            Assert.Equal(File.GetLastWriteTimeUtc(source), File.GetLastWriteTimeUtc(destination));
            Assert.Equal(File.GetUnixFileMode(source), File.GetUnixFileMode(destination));
            Assert.Equal(new[] { "copy.bin", "source.bin" }, Directory.GetFileSystemEntries(_dir.Path).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
            Assert.Single(sink.Questions);
        }

        /// <summary>
        /// A symbolic link to a file copies the whole file it points to, under the link's name, whether named on its own
        /// or met under -Recurse; links that are dangling, loop or point at a directory are skipped in a tree. (The
        /// link's own size, the length of the target's path, used to cut the copy short and call it completed.)
        /// </summary>
        [Fact]
        public void ALinkToAFileCopiesTheWholeFileItPointsTo()
        {
            string real = MakeFile("data/real.bin", 3 * MiB + 5, seed: 3);
            MakeFile("tree/plain.txt", 100, seed: 4);
            File.CreateSymbolicLink(_dir.File("tree/absolute.bin"), real);
            File.CreateSymbolicLink(_dir.File("tree/relative.bin"), "../data/real.bin");
            File.CreateSymbolicLink(_dir.File("tree/chain.bin"), "relative.bin");
            File.CreateSymbolicLink(_dir.File("tree/short.bin"), "plain.txt"); // the target shorter than its path would be
            File.CreateSymbolicLink(_dir.File("tree/dangling.bin"), "nowhere");
            File.CreateSymbolicLink(_dir.File("tree/loop1"), "loop2");
            File.CreateSymbolicLink(_dir.File("tree/loop2"), "loop1");
            Directory.CreateSymbolicLink(_dir.File("tree/dirlink"), _dir.File("data"));

            TransferResult one = Assert.Single(TransferHarness.Run(new[] { _dir.File("tree/absolute.bin") }, _dir.File("one.bin")).Transfers);
            Assert.Equal(TransferStatus.Completed, one.Status);
            Assert.Equal(3 * MiB + 5, one.Length);
            Assert.True(Coreutils.Same(real, _dir.File("one.bin")));

            CollectingSink tree = TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("copy") + "/", recurse: true);
            Assert.Empty(tree.Errors);
            Assert.All(tree.Transfers, t => Assert.Equal(TransferStatus.Completed, t.Status));
            Assert.Equal(
                new[] { "absolute.bin", "chain.bin", "plain.txt", "relative.bin", "short.bin" },
                Directory.GetFileSystemEntries(_dir.File("copy")).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
            foreach (string name in new[] { "absolute.bin", "relative.bin", "chain.bin" })
            {
                Assert.True(Coreutils.Same(real, _dir.File("copy/" + name)), name);
            }

            Assert.True(Coreutils.Same(_dir.File("tree/plain.txt"), _dir.File("copy/short.bin")));
            Assert.Contains(tree.Verbose, v => v.StartsWith("Skipped 'dirlink': a link to a directory", StringComparison.Ordinal));
            foreach (string name in new[] { "dangling.bin", "loop1", "loop2" })
            {
                // Each passed over with a line of its own, as a link to a directory is (a probe: they were silent).
                Assert.Contains(tree.Verbose, v => v.StartsWith($"Skipped '{name}': a symbolic link that leads to no file", StringComparison.Ordinal));
            }

            Assert.Equal("SourceNotFound", Assert.Single(TransferHarness.Run(new[] { _dir.File("tree/dangling.bin") }, _dir.File("never.bin")).Errors).Condition);
            Assert.False(File.Exists(_dir.File("never.bin")));
        }

        [Fact]
        public void CopiesIntoAnExistingDirectoryUnderTheSourceName()
        {
            string source = _dir.RandomFile("a file with spaces ☃.bin", 100 * KiB);
            Directory.CreateDirectory(_dir.File("out"));
            CollectingSink sink = TransferHarness.Run(new[] { source }, _dir.File("out"));
            Assert.Empty(sink.Errors);
            Assert.True(Coreutils.Same(source, _dir.File("out/a file with spaces ☃.bin")));
        }

        [Fact]
        public void ATrailingSeparatorMakesANewDirectory()
        {
            string source = _dir.RandomFile("a.bin", 10);
            CollectingSink sink = TransferHarness.Run(new[] { source }, _dir.File("new/dir") + "/");
            Assert.Empty(sink.Errors);
            Assert.True(Coreutils.Same(source, _dir.File("new/dir/a.bin")));
        }

        [Theory]
        [InlineData(0L)]
        [InlineData(1L)]
        [InlineData(64 * KiB - 1)]
        [InlineData(64 * KiB)]
        [InlineData(64 * KiB + 1)]
        [InlineData(4 * 64 * KiB)]
        [InlineData(4 * 64 * KiB - 1)]
        [InlineData(4 * 64 * KiB + 1)]
        [InlineData(40 * 64 * KiB + 123)]
        public void PartBoundariesAndEmptyFiles(long length)
        {
            string source = _dir.RandomFile("s.bin", length, seed: (int)length);
            var options = new TransferOptions(partSize: 64 * KiB, concurrency: 4, bufferSize: 64 * KiB);
            CollectingSink sink = TransferHarness.Run(new[] { source }, _dir.File("d.bin"), options);
            Assert.Empty(sink.Errors);
            TransferResult result = Assert.Single(sink.Transfers);
            Assert.Equal(Math.Max(1, (length + 64 * KiB - 1) / (64 * KiB)), result.Parts);
            Assert.Equal(Math.Min(length, 64 * KiB), result.PartSize); // a 0-byte file has no part size (it was reported as 1)
            Assert.Equal(ExpectedHash(source, ChecksumAlgorithm.CRC32C), result.Hash);
            Assert.Equal(length, new FileInfo(_dir.File("d.bin")).Length);
            Assert.Equal(Coreutils.Sha256Sum(source), Coreutils.Sha256Sum(_dir.File("d.bin")));
        }

        [Theory]
        [InlineData(ChecksumAlgorithm.SHA256)]
        [InlineData(ChecksumAlgorithm.SHA1)]
        [InlineData(ChecksumAlgorithm.SHA384)]
        [InlineData(ChecksumAlgorithm.SHA512)]
        [InlineData(ChecksumAlgorithm.MD5)]
        [InlineData(ChecksumAlgorithm.CRC32)]
        [InlineData(ChecksumAlgorithm.CRC32C)]
        [InlineData(ChecksumAlgorithm.CRC64NVME)]
        [InlineData(ChecksumAlgorithm.S3ETag)]
        public void EveryAlgorithmGivesTheWholeFileValueWithPartsInParallel(ChecksumAlgorithm algorithm)
        {
            string source = _dir.RandomFile("s.bin", 5 * MiB + 77);
            var options = new TransferOptions(partSize: 256 * KiB, concurrency: 6, checksum: algorithm, bufferSize: 64 * KiB);
            CollectingSink sink = TransferHarness.Run(new[] { source }, _dir.File("d.bin"), options);
            Assert.Empty(sink.Errors);
            TransferResult result = Assert.Single(sink.Transfers);
            Assert.Equal(algorithm.ToString(), result.Algorithm);
            Assert.Equal(ExpectedHash(source, algorithm, chunkSize: 256 * KiB), result.Hash);
            Assert.True(Coreutils.Same(source, _dir.File("d.bin")));
            if (algorithm == ChecksumAlgorithm.SHA256)
            {
                Assert.Equal(Coreutils.Sha256Sum(source), result.Hash);
            }
        }

        [Fact]
        public void Crc64nvmeWithPartsInParallelMatchesCrcmod()
        {
            string source = _dir.RandomFile("s.bin", (3 * MiB) + 5);
            CollectingSink sink = TransferHarness.Run(new[] { source }, _dir.File("d.bin"), new TransferOptions(partSize: 256 * KiB, concurrency: 4, checksum: ChecksumAlgorithm.CRC64NVME));
            Assert.Equal(TestSupport.ExternalTool.CrcmodCrc64Nvme(source).ToString("X16"), Assert.Single(sink.Transfers).Hash);
        }

        [Fact]
        public void Crc32MatchesZlib()
        {
            string source = _dir.RandomFile("s.bin", 2 * MiB + 3);
            CollectingSink sink = TransferHarness.Run(new[] { source }, _dir.File("d.bin"), new TransferOptions(partSize: 64 * KiB, checksum: ChecksumAlgorithm.CRC32));
            string zlib = ProcessRunner.Shell($"python3 -c \"import zlib,sys;print('%08X' % zlib.crc32(open(sys.argv[1],'rb').read()))\" {Coreutils.Quote(source)}").Trim();
            Assert.Equal(zlib, Assert.Single(sink.Transfers).Hash);
        }

        /// <summary>
        /// A file described when its directory was listed (or while it waited for a slot) that changes before its copy
        /// starts (a probe: appended, truncated or rewritten while the files before it were copied, it failed
        /// SourceChanged before a byte of it was read): it is copied as it is when its copy starts, as cp does.
        /// </summary>
        [Theory]
        [InlineData("append")]
        [InlineData("truncate")]
        [InlineData("rewrite")]
        public async System.Threading.Tasks.Task AFileThatChangedBeforeItsCopyStartsIsCopiedAsItIsThen(string change)
        {
            string source = _dir.RandomFile("queued.bin", 5000, seed: 3);
            string destination = _dir.File("queued-copy.bin");
            var local = new StreamFiles.Core.Storage.Local.LocalStorage();
            ObjectInfo listed = (await local.StatAsync(Location.Parse(source), default))!;

            byte[] now = change switch
            {
                "append" => File.ReadAllBytes(source).Concat(new byte[3000]).ToArray(),
                "truncate" => File.ReadAllBytes(source).Take(10).ToArray(),
                _ => File.ReadAllBytes(source).Select(b => (byte)~b).ToArray(),
            };
            File.WriteAllBytes(source, now);
            File.SetLastWriteTimeUtc(source, listed.LastModified!.Value.UtcDateTime.AddSeconds(-30)); // another time for sure

            var engine = new TransferEngine(new TransferOptions(), TransferHarness.Local());
            TransferResult result = await engine.TransferAsync(new TransferJob(listed, Location.Parse(destination), null), null, default);

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.Equal(now.Length, result.Length);
            Assert.Equal(now, File.ReadAllBytes(destination));
        }

        /// <summary>
        /// Another run writing the same destination holds its .partial (a probe: the second run said .NET's "The process
        /// cannot access the file ... because it is being used by another process", WriteError): DestinationBusy, as
        /// for an S3 destination, and the other run's file is left alone.
        /// </summary>
        [Fact]
        public void ADestinationAnotherRunIsWritingIsDestinationBusy()
        {
            string source = _dir.RandomFile("s.bin", 100 * KiB, seed: 1);
            string destination = _dir.File("d.bin");
            using (var held = new FileStream(destination + ".partial", FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                held.Write(new byte[] { 1, 2, 3 });
                StreamFiles.Core.Storage.Local.PartialMark.Set(destination + ".partial"); // as the other run marked it
                CollectingSink refused = TransferHarness.Run(new[] { source }, destination);

                CommandError error = Assert.Single(refused.Errors);
                Assert.Equal("DestinationBusy", error.Condition);
                Assert.Equal(FailureCategory.ResourceUnavailable, error.Category);
                Assert.Contains("another program is writing it now", error.Message, StringComparison.Ordinal);
                Assert.DoesNotContain("being used by another process", error.Message, StringComparison.Ordinal);
                Assert.Equal(3, held.Length);
            }

            Assert.False(File.Exists(destination));
        }

        /// <summary>
        /// A file named like the copy's temporary name that no run left — a user's, or a copy an earlier run delivered
        /// under that name — is not taken for a leftover (a probe: `send x.partial d/` then `send x d/` deleted the
        /// first copy with exit 0). DestinationExists names it; -Force replaces it. A .partial a killed run left is
        /// still replaced without -Force (KillResume tests, and the marked file below).
        /// </summary>
        [Fact]
        public void APartialNoRunLeftIsKeptWithoutForce()
        {
            string source = _dir.RandomFile("s.bin", 100 * KiB, seed: 1);
            string destination = _dir.File("out/s.bin");
            Directory.CreateDirectory(_dir.File("out"));
            string theirs = _dir.RandomFile("s.bin.partial", 4, seed: 2);
            TransferResult delivered = Assert.Single(TransferHarness.Run(new[] { theirs }, _dir.File("out") + "/").Transfers);
            Assert.Equal(TransferStatus.Completed, delivered.Status);
            string copy = destination + ".partial";
            string before = Coreutils.Sha256Sum(copy);
            Assert.Equal(StreamFiles.Core.Storage.Local.PartialMark.State.Unmarked, StreamFiles.Core.Storage.Local.PartialMark.Of(copy));

            CollectingSink refused = TransferHarness.Run(new[] { source }, destination);

            CommandError error = Assert.Single(refused.Errors);
            Assert.Equal("DestinationExists", error.Condition);
            Assert.Equal(FailureCategory.ResourceExists, error.Category);
            Assert.Contains($"'{copy}' is in the way", error.Message, StringComparison.Ordinal);
            Assert.Contains("-Force (--force) to replace it", error.Message, StringComparison.Ordinal);
            Assert.Equal(before, Coreutils.Sha256Sum(copy));
            Assert.False(File.Exists(destination));

            TransferResult forced = Assert.Single(TransferHarness.Run(new[] { source }, destination, new TransferOptions(overwrite: true)).Transfers);
            Assert.Equal(TransferStatus.Completed, forced.Status);
            Assert.True(Coreutils.Same(source, destination));
            Assert.False(File.Exists(copy));
        }

        /// <summary>
        /// The same for "&lt;destination&gt;.partial.journal", where a resumable copy keeps its journal: a user's file of
        /// that name (a probe: every copy to x deleted it, with exit 0, --resume or not, one part or many) is
        /// DestinationExists naming it, and stays. A journal a killed run left is still cleared (KillResume tests).
        /// </summary>
        [Theory]
        [InlineData(1000, false, ".partial.journal")]
        [InlineData(3 * 1024 * 1024, true, ".partial.journal")]
        [InlineData(3 * 1024 * 1024, true, ".partial.journal.tmp")] // where a journal is saved first (a probe)
        public void AFileUnderTheJournalNameThatIsNoJournalIsKept(int length, bool resume, string suffix)
        {
            string source = _dir.RandomFile("s.bin", length, seed: 1);
            string destination = _dir.File("s-copy.bin");
            string theirs = destination + suffix;
            File.WriteAllText(theirs, "precious user data\n");
            var options = new TransferOptions(partSize: 1024 * 1024, resume: resume);

            CommandError error = Assert.Single(TransferHarness.Run(new[] { source }, destination, options).Errors);

            Assert.Equal("DestinationExists", error.Condition);
            Assert.Contains($"'{theirs}' is in the way", error.Message, StringComparison.Ordinal);
            Assert.Equal("precious user data\n", File.ReadAllText(theirs));
            Assert.False(File.Exists(destination));
            Assert.False(File.Exists(destination + ".partial"));

            // With -Force the copy is made. A copy that keeps a journal (-Resume, in parts) writes its own over that
            // file, as -Force replaces a .partial in the way; one that keeps none leaves it as it is.
            Assert.Empty(TransferHarness.Run(new[] { source }, destination, new TransferOptions(partSize: 1024 * 1024, resume: resume, overwrite: true)).Errors);
            Assert.True(Coreutils.Same(source, destination));
            Assert.False(File.Exists(destination + ".partial"));
            Assert.Equal(!resume, File.Exists(theirs));
        }

        /// <summary>
        /// A symbolic link (to a file, or dangling) or a FIFO under either journal name is no journal either: in the way
        /// without -Force, and never written through or opened with it (a probe: a FIFO there hung the copy for ever,
        /// deaf to SIGTERM; --force --resume wrote the journal into the file a link at ".tmp" led to; a dangling link
        /// was deleted without a word).
        /// </summary>
        [Theory]
        [InlineData(".partial.journal", "link")]
        [InlineData(".partial.journal.tmp", "link")]
        [InlineData(".partial.journal", "dangling")]
        [InlineData(".partial.journal", "fifo")]
        [InlineData(".partial.journal.tmp", "fifo")]
        public async System.Threading.Tasks.Task ALinkOrAFifoUnderAJournalNameIsInTheWayAndNeverWrittenThrough(string suffix, string kind)
        {
            string source = _dir.RandomFile("s.bin", 3 * 1024 * 1024, seed: 1);
            string destination = _dir.File("d.bin");
            string victim = _dir.File("victim.txt");
            File.WriteAllText(victim, "precious user data\n");
            string theirs = destination + suffix;
            if (kind == "fifo")
            {
                Assert.Equal(0, ProcessRunner.Run("mkfifo", new[] { theirs }).ExitCode);
            }
            else
            {
                File.CreateSymbolicLink(theirs, kind == "link" ? victim : _dir.File("nowhere"));
            }

            var options = new TransferOptions(partSize: 1024 * 1024, resume: true);
            CollectingSink refused = await System.Threading.Tasks.Task.Run(() => TransferHarness.Run(new[] { source }, destination, options)).WaitAsync(TimeSpan.FromSeconds(60)); // a hang: TimeoutException
            CommandError error = Assert.Single(refused.Errors);
            Assert.Equal("DestinationExists", error.Condition);
            Assert.Contains($"'{theirs}' is in the way", error.Message, StringComparison.Ordinal);
            Assert.True(new FileInfo(theirs).Exists || new FileInfo(theirs).LinkTarget != null, "what was there stays");

            CollectingSink forced = await System.Threading.Tasks.Task.Run(() => TransferHarness.Run(new[] { source }, destination, new TransferOptions(partSize: 1024 * 1024, resume: true, overwrite: true))).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Empty(forced.Errors);
            Assert.True(Coreutils.Same(source, destination));
            Assert.Equal("precious user data\n", File.ReadAllText(victim));
        }

        /// <summary>
        /// A directory under the temporary or a journal name is never replaced, -Force or not, and the error says so
        /// rather than advising -Force (a probe: with -Force, WriteError "already exists" for .partial, and "add --force"
        /// for a journal name when it had been given).
        /// </summary>
        [Theory]
        [InlineData(".partial")]
        [InlineData(".partial.journal")]
        [InlineData(".partial.journal.tmp")]
        public void ADirectoryUnderTheCopysNamesIsNeverReplaced(string suffix)
        {
            string source = _dir.RandomFile("s.bin", 3 * 1024 * 1024, seed: 1);
            string destination = _dir.File("d.bin");
            Directory.CreateDirectory(destination + suffix);
            File.WriteAllText(Path.Combine(destination + suffix, "inside.txt"), "kept");

            CommandError error = Assert.Single(TransferHarness.Run(new[] { source }, destination, new TransferOptions(partSize: 1024 * 1024, resume: true, overwrite: true)).Errors);

            Assert.Equal("DestinationExists", error.Condition);
            Assert.Contains($"'{destination + suffix}' is in the way", error.Message, StringComparison.Ordinal);
            Assert.Contains("directory, which is never replaced", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("-Force", error.Message, StringComparison.Ordinal);
            Assert.Equal("kept", File.ReadAllText(Path.Combine(destination + suffix, "inside.txt")));
            Assert.False(File.Exists(destination));
        }

        /// <summary>
        /// -Force replaces a .partial of one's own that one may not open (mode 000), as cp -f does: the directory allows
        /// it (a probe: AccessDenied). Root opens any file, so the test runs without root's override of permissions.
        /// </summary>
        [StreamFiles.Core.Tests.Faults.RootFact]
        public void ForceReplacesAPartialThatCannotBeOpened()
        {
            _dir.RandomFile("s.bin", 3 * 1024 * 1024, seed: 1);
            string cli = ProcessRunner.CliCommandLine();
            string said = ProcessRunner.Shell($"printf mine > d.bin.partial && chmod 000 d.bin.partial && setpriv --bounding-set -dac_override,-dac_read_search {cli} send --no-progress --force s.bin d.bin 2>&1; echo \"exit $?\"", _dir.Path);

            Assert.EndsWith("exit 0\n", said, StringComparison.Ordinal);
            Assert.True(Coreutils.Same(_dir.File("s.bin"), _dir.File("d.bin")));
            Assert.False(File.Exists(_dir.File("d.bin.partial")));
        }

        /// <summary>
        /// -Force replaces a .partial in the way with a new file: truncated and written in place, it carried the copy
        /// into the other name of a hard link (a probe: --force overwrote a user's file linked as dst.partial).
        /// </summary>
        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void ForceReplacesAHardLinkedPartialInsteadOfWritingThroughIt(bool resume)
        {
            string source = _dir.RandomFile("s.bin", 3 * 1024 * 1024, seed: 1);
            string destination = _dir.File("d.bin");
            string victim = _dir.File("victim.txt");
            File.WriteAllText(victim, "precious user data\n");
            Assert.Equal(0, ProcessRunner.Run("ln", new[] { victim, destination + ".partial" }).ExitCode);

            Assert.Empty(TransferHarness.Run(new[] { source }, destination, new TransferOptions(partSize: 1024 * 1024, resume: resume, overwrite: true)).Errors);

            Assert.True(Coreutils.Same(source, destination));
            Assert.Equal("precious user data\n", File.ReadAllText(victim));
        }

        /// <summary>
        /// A directory under the journal's name is in the way too (a probe: AccessDenied, blaming the source, and a
        /// .partial left without its journal); an empty file there, what a crash in a save can leave, is not.
        /// </summary>
        [Fact]
        public void ADirectoryUnderTheJournalNameIsInTheWayAndAnEmptyFileIsNot()
        {
            string source = _dir.RandomFile("s.bin", 3 * 1024 * 1024, seed: 1);
            string destination = _dir.File("d.bin");
            Directory.CreateDirectory(destination + ".partial.journal");
            var options = new TransferOptions(partSize: 1024 * 1024, resume: true);

            CommandError error = Assert.Single(TransferHarness.Run(new[] { source }, destination, options).Errors);
            Assert.Equal("DestinationExists", error.Condition);
            Assert.Contains("is in the way", error.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(destination + ".partial"));

            Directory.Delete(destination + ".partial.journal");
            File.WriteAllBytes(destination + ".partial.journal", Array.Empty<byte>());
            Assert.Empty(TransferHarness.Run(new[] { source }, destination, options).Errors);
            Assert.True(Coreutils.Same(source, destination));
            Assert.False(File.Exists(destination + ".partial.journal"));
        }

        /// <summary>
        /// A symbolic link under the temporary name is replaced, not written through, -Force or not asked (a probe: with
        /// -Force the file it led to was overwritten with the copy).
        /// </summary>
        [Fact]
        public void ASymbolicLinkUnderThePartialNameIsNotWrittenThrough()
        {
            string source = _dir.RandomFile("s.bin", 100 * KiB, seed: 1);
            string victim = _dir.RandomFile("victim.bin", 10, seed: 2);
            string before = Coreutils.Sha256Sum(victim);
            string destination = _dir.File("d.bin");
            File.CreateSymbolicLink(destination + ".partial", victim);

            Assert.Empty(TransferHarness.Run(new[] { source }, destination, new TransferOptions(overwrite: true)).Errors);

            Assert.Equal(before, Coreutils.Sha256Sum(victim));
            Assert.True(Coreutils.Same(source, destination));
            Assert.False(File.Exists(destination + ".partial"));
        }

        /// <summary>
        /// A new temporary file gets the source's permission bits (with the owner's read and write) at once: a copy of
        /// an owner-only file is never readable by others while it is written (a probe: 0644 until the rename).
        /// </summary>
        [Fact]
        public void ANewPartialFileHasTheSourcesPermissionsFromTheStart()
        {
            string path = _dir.File("owner-only.partial");
            using (StreamFiles.Core.Storage.Local.LocalFile.OpenWrite(path, create: true, 1000, portable: false, unixMode: 0x100))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            string shared = _dir.File("shared.partial");
            using (StreamFiles.Core.Storage.Local.LocalFile.OpenWrite(shared, create: true, 1000, portable: false, unixMode: 0x1A4))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(shared));
            }

            // A world-writable source (0777) is not world-writable while its copy is written (a probe).
            string open = _dir.File("open.partial");
            using (StreamFiles.Core.Storage.Local.LocalFile.OpenWrite(open, create: true, 1000, portable: false, unixMode: 0x1FF))
            {
                Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(open));
            }
        }

        [Fact]
        public void APartialARunLeftIsReplacedAndTheCopyCarriesNoMark()
        {
            string source = _dir.RandomFile("s.bin", 100 * KiB, seed: 1);
            string destination = _dir.File("d.bin");
            File.WriteAllBytes(destination + ".partial", new byte[] { 1, 2, 3 });
            StreamFiles.Core.Storage.Local.PartialMark.Set(destination + ".partial"); // as a killed run left it

            TransferResult result = Assert.Single(TransferHarness.Run(new[] { source }, destination).Transfers);

            Assert.Equal(TransferStatus.Completed, result.Status);
            Assert.True(Coreutils.Same(source, destination));
            Assert.False(File.Exists(destination + ".partial"));
            Assert.Equal(StreamFiles.Core.Storage.Local.PartialMark.State.Unmarked, StreamFiles.Core.Storage.Local.PartialMark.Of(destination));
            var getfattr = ProcessRunner.Run("python3", new[] { "-c", "import os,sys; print(os.listxattr(sys.argv[1]))", destination });
            Assert.Equal("[]", getfattr.Output.Trim());
        }

        [Fact]
        public void AnExistingDestinationNeedsForce()
        {
            string source = _dir.RandomFile("s.bin", 1000, seed: 1);
            string destination = _dir.RandomFile("d.bin", 500, seed: 2);
            string before = Coreutils.Sha256Sum(destination);

            CollectingSink refused = TransferHarness.Run(new[] { source }, destination);
            CommandError error = Assert.Single(refused.Errors);
            Assert.Equal("DestinationExists", error.Condition);
            Assert.Equal(FailureCategory.ResourceExists, error.Category);
            Assert.Equal(destination, error.Target);
            Assert.Contains("-Force", error.Message, StringComparison.Ordinal);
            TransferResult failed = Assert.Single(refused.Transfers);
            Assert.Equal(TransferStatus.Failed, failed.Status);
            Assert.Same(error, failed.Error);
            Assert.Empty(refused.Questions);
            Assert.Equal(before, Coreutils.Sha256Sum(destination));

            CollectingSink forced = TransferHarness.Run(new[] { source }, destination, new TransferOptions(overwrite: true));
            Assert.Empty(forced.Errors);
            Assert.True(Coreutils.Same(source, destination));
        }

        [Fact]
        public void SkipUnchangedComparesSizeAndHash()
        {
            string source = _dir.RandomFile("s.bin", 300 * KiB, seed: 1);
            string destination = _dir.File("d.bin");
            File.Copy(source, destination);
            File.SetLastWriteTimeUtc(destination, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));

            CollectingSink skipped = TransferHarness.Run(new[] { source }, destination, new TransferOptions(skipUnchanged: true));
            TransferResult result = Assert.Single(skipped.Transfers);
            Assert.Equal(TransferStatus.Skipped, result.Status);
            Assert.Equal("same size and CRC32C", result.SkipReason);
            Assert.Equal(ExpectedHash(source, ChecksumAlgorithm.CRC32C), result.Hash);
            Assert.Equal(0, result.BytesTransferred);
            Assert.Equal(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(destination));

            _dir.RandomFile("other.bin", 300 * KiB, seed: 2);
            File.Copy(_dir.File("other.bin"), destination, overwrite: true);
            CollectingSink changed = TransferHarness.Run(new[] { source }, destination, new TransferOptions(skipUnchanged: true));
            CommandError refused = Assert.Single(changed.Errors);
            Assert.Equal("DestinationExists", refused.Condition);
            Assert.Contains("differs in content, so -SkipUnchanged (--skip-unchanged) does not skip it. Add -Force", refused.Message, StringComparison.Ordinal);
            Assert.True(Coreutils.Same(_dir.File("other.bin"), destination));

            CollectingSink updated = TransferHarness.Run(new[] { source }, destination, new TransferOptions(skipUnchanged: true, overwrite: true));
            Assert.Equal(TransferStatus.Completed, Assert.Single(updated.Transfers).Status);
            Assert.True(Coreutils.Same(source, destination));
        }

        /// <summary>
        /// The closing summary (-Verbose, the CLI's last line) counts the files left alone as well as the failed ones:
        /// "3 of 3 files" for a run that copied one file read as if it had copied all three.
        /// </summary>
        [Fact]
        public void TheSummaryCountsSkippedAndFailedFiles()
        {
            string tree = _dir.File("tree");
            Directory.CreateDirectory(tree);
            _dir.RandomFile("tree/same.bin", 1000, seed: 1);
            _dir.RandomFile("tree/changed.bin", 1000, seed: 2);
            _dir.RandomFile("tree/new.bin", 1000, seed: 3);
            string copy = _dir.File("copy");
            Directory.CreateDirectory(copy);
            File.Copy(Path.Combine(tree, "same.bin"), Path.Combine(copy, "same.bin"));
            _dir.RandomFile("copy/changed.bin", 1000, seed: 4);

            CollectingSink sink = TransferHarness.Run(new[] { tree }, copy, new TransferOptions(skipUnchanged: true), recurse: true);

            Assert.Equal("DestinationExists", Assert.Single(sink.Errors).Condition);
            Assert.Equal(TransferStatus.Skipped, Assert.Single(sink.Transfers, t => t.Source.EndsWith("same.bin", StringComparison.Ordinal)).Status);
            ProgressReport last = sink.Progress[sink.Progress.Count - 1];
            Assert.True(last.Completed);
            Assert.Equal(1, last.ItemsSkipped);
            Assert.StartsWith("3 of 3 files (1 failed, 1 skipped), ", last.Summary, StringComparison.Ordinal);
        }

        [Fact]
        public void SkipUnchangedBySizeAndTimeReadsNothingAndAsksNothing()
        {
            string source = _dir.RandomFile("s.bin", 1000, seed: 1);
            string destination = _dir.RandomFile("d.bin", 1000, seed: 2);
            File.SetLastWriteTimeUtc(destination, File.GetLastWriteTimeUtc(source));

            CollectingSink sink = TransferHarness.Run(new[] { source }, destination, new TransferOptions(skipUnchanged: true, compare: TransferCompare.SizeAndTime));
            TransferResult result = Assert.Single(sink.Transfers);
            Assert.Equal(TransferStatus.Skipped, result.Status);
            Assert.Equal("same size and modification time", result.SkipReason);
            Assert.Empty(sink.Questions);
            Assert.False(Coreutils.Same(source, destination));

            File.SetLastWriteTimeUtc(destination, File.GetLastWriteTimeUtc(source).AddMinutes(-1));
            CollectingSink refused = TransferHarness.Run(new[] { source }, destination, new TransferOptions(skipUnchanged: true, compare: TransferCompare.SizeAndTime));
            Assert.Equal("DestinationExists", Assert.Single(refused.Errors).Condition);
        }

        [Fact]
        public void VerifyReadsTheCopyBackBeforeItGetsItsName()
        {
            string source = _dir.RandomFile("s.bin", 2 * MiB + 5);
            CollectingSink sink = TransferHarness.Run(new[] { source }, _dir.File("d.bin"), new TransferOptions(verify: true, partSize: 256 * KiB));
            TransferResult result = Assert.Single(sink.Transfers);
            Assert.True(result.Verified);
            Assert.Equal(TransferStatus.Completed, result.Status);
        }

        [Fact]
        public void VerifyCatchesACorruptedWriteAndLeavesNothing()
        {
            string source = _dir.RandomFile("s.bin", 1 * MiB);
            string destination = _dir.File("d.bin");
            var storage = new FaultyStorage { CorruptWriteAt = 1000 };
            CollectingSink sink = TransferHarness.Run(new[] { source }, destination, new TransferOptions(verify: true), storages: TransferHarness.With(storage));
            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("VerifyFailed", error.Condition);
            Assert.Equal(FailureCategory.InvalidData, error.Category);
            Assert.Equal(destination, error.Target);
            Assert.False(File.Exists(destination));
            Assert.False(File.Exists(destination + ".partial"));
        }

        [Fact]
        public void WithoutVerifyACorruptedWriteIsNotNoticed()
        {
            // The control for the test above: the corruption really happens on the way to the disk.
            string source = _dir.RandomFile("s.bin", 1 * MiB);
            var storage = new FaultyStorage { CorruptWriteAt = 1000 };
            CollectingSink sink = TransferHarness.Run(new[] { source }, _dir.File("d.bin"), storages: TransferHarness.With(storage));
            Assert.Empty(sink.Errors);
            Assert.False(Coreutils.Same(source, _dir.File("d.bin")));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void ASourceThatFailsAfterNBytesLeavesNoDestination(bool portable)
        {
            string source = _dir.RandomFile("s.bin", 3 * MiB);
            string destination = _dir.File("d.bin");
            var storage = new FaultyStorage(portable) { FailReadAfter = 1 * MiB + 100 };
            var options = new TransferOptions(partSize: 256 * KiB, concurrency: 3, bufferSize: 64 * KiB);

            CollectingSink sink = TransferHarness.Run(new[] { source }, destination, options, storages: TransferHarness.With(storage));

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("ReadError", error.Condition);
            Assert.Equal(FailureCategory.ReadError, error.Category);
            Assert.Equal(source, error.Target);
            Assert.Matches(@"^Cannot copy '.*s\.bin' to '.*d\.bin' \(part \d+ of 12 \(bytes \d+-\d+\)\): injected read failure$", error.Message);
            Assert.Equal(TransferStatus.Failed, Assert.Single(sink.Transfers).Status);
            Assert.False(File.Exists(destination));
            Assert.False(File.Exists(destination + ".partial"));
            Assert.False(File.Exists(destination + ".partial.journal"));
        }

        [Fact]
        public void AFailedTransferLeavesTheOlderDestinationIntact()
        {
            string source = _dir.RandomFile("s.bin", 2 * MiB, seed: 1);
            string destination = _dir.RandomFile("d.bin", 5 * MiB, seed: 2);
            string before = Coreutils.Sha256Sum(destination);
            var storage = new FaultyStorage { FailReadAfter = MiB };

            CollectingSink sink = TransferHarness.Run(new[] { source }, destination, new TransferOptions(overwrite: true, partSize: 256 * KiB), storages: TransferHarness.With(storage));

            Assert.Single(sink.Errors);
            Assert.Equal(before, Coreutils.Sha256Sum(destination));
            Assert.False(File.Exists(destination + ".partial"));
        }

        [Fact]
        public void ATransientFailureIsRetriedAndCounted()
        {
            string source = _dir.RandomFile("s.bin", 2 * MiB);
            var storage = new FaultyStorage { FailReadAfter = 700 * KiB, TransientReadFailures = 1 };
            var options = new TransferOptions(partSize: 512 * KiB, retryDelay: TimeSpan.FromMilliseconds(1), checksum: ChecksumAlgorithm.SHA256);
            CollectingSink sink = TransferHarness.Run(new[] { source }, _dir.File("d.bin"), options, storages: TransferHarness.With(storage));
            Assert.Empty(sink.Errors);
            TransferResult result = Assert.Single(sink.Transfers);
            Assert.Equal(2, result.Attempts);
            Assert.Equal(Coreutils.Sha256Sum(source), result.Hash);
            Assert.True(Coreutils.Same(source, _dir.File("d.bin")));
        }

        [Fact]
        public void AccessDeniedNamesTheSideThatRefused()
        {
            string source = _dir.RandomFile("s.bin", 100 * KiB);
            var reading = new FaultyStorage { FailReadAfter = 10, ReadFailure = () => new UnauthorizedAccessException("Access to the path is denied.") };
            CommandError read = Assert.Single(TransferHarness.Run(new[] { source }, _dir.File("d.bin"), storages: TransferHarness.With(reading)).Errors);
            Assert.Equal("AccessDenied", read.Condition);
            Assert.Equal(FailureCategory.PermissionDenied, read.Category);
            Assert.Equal(source, read.Target);

            var writing = new FaultyStorage { FailWriteAfter = 10, WriteFailure = () => new UnauthorizedAccessException("Access to the path is denied.") };
            CommandError write = Assert.Single(TransferHarness.Run(new[] { source }, _dir.File("e.bin"), storages: TransferHarness.With(writing)).Errors);
            Assert.Equal("AccessDenied", write.Condition);
            Assert.Equal(_dir.File("e.bin"), write.Target);
        }

        [Fact]
        public void AFullDiskIsDiskFull()
        {
            string source = _dir.RandomFile("s.bin", 1 * MiB);
            var storage = new FaultyStorage { FailWriteAfter = 100 * KiB, WriteFailure = () => new IOException("No space left on device", 28) };
            CommandError error = Assert.Single(TransferHarness.Run(new[] { source }, _dir.File("d.bin"), storages: TransferHarness.With(storage)).Errors);
            Assert.Equal("DiskFull", error.Condition);
            Assert.Equal(FailureCategory.WriteError, error.Category);
            Assert.Equal(_dir.File("d.bin"), error.Target);
            Assert.False(File.Exists(_dir.File("d.bin.partial")));
        }

        [Fact]
        public void ASourceChangedDuringTheTransferIsNotCommitted()
        {
            string source = _dir.RandomFile("s.bin", 1 * MiB);
            string destination = _dir.File("d.bin");
            // Stats 1-4 come before the copy: the source when submitted and again as its copy starts (a file changed
            // before that is copied as it is then), and the destination's; stat 5 comes after the copy.
            var storage = new FaultyStorage { ChangeAfterStats = 5 };
            CollectingSink sink = TransferHarness.Run(new[] { source }, destination, storages: TransferHarness.With(storage));
            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("SourceChanged", error.Condition);
            Assert.Equal(FailureCategory.InvalidData, error.Category);
            Assert.Equal(source, error.Target);
            Assert.False(File.Exists(destination));
            Assert.False(File.Exists(destination + ".partial"));
        }

        [Fact]
        public async System.Threading.Tasks.Task ADestinationCreatedDuringTheCopyIsNotReplaced()
        {
            string source = _dir.RandomFile("s.bin", 1 * MiB);
            string destination = _dir.File("d.bin");
            var storage = new FaultyStorage { ReadDelay = TimeSpan.FromMilliseconds(30) };
            var creator = System.Threading.Tasks.Task.Run(async () =>
            {
                while (!File.Exists(destination + ".partial"))
                {
                    await System.Threading.Tasks.Task.Delay(5);
                }

                File.WriteAllText(destination, "theirs");
            });

            CollectingSink sink = TransferHarness.Run(new[] { source }, destination, new TransferOptions(partSize: 256 * KiB, bufferSize: 64 * KiB), storages: TransferHarness.With(storage));
            await creator;

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("DestinationExists", error.Condition);
            Assert.Contains("appeared while the file was being copied", error.Message, StringComparison.Ordinal);
            Assert.Equal("theirs", File.ReadAllText(destination));
            Assert.False(File.Exists(destination + ".partial"));
        }

        /// <summary>
        /// A file of /proc says its size is 0 and has content: copied by that size it came out empty, with a success.
        /// It is refused (NotARegularFile) and nothing is written; a real empty file still copies.
        /// </summary>
        [Fact]
        public void AProcFileThatHidesItsSizeIsRefusedNotCopiedEmpty()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            string empty = _dir.File("empty.bin");
            File.WriteAllBytes(empty, Array.Empty<byte>());
            CollectingSink sink = TransferHarness.Run(new[] { "/proc/self/status", "/proc/version", empty }, _dir.File("out") + "/");

            Assert.Equal(2, sink.Errors.Count);
            Assert.All(sink.Errors, e => Assert.Equal("NotARegularFile", e.Condition));
            Assert.Contains("reports a size of 0 but has content", sink.Errors[0].Message, StringComparison.Ordinal);
            Assert.False(File.Exists(_dir.File("out/status")));
            Assert.False(File.Exists(_dir.File("out/version")));
            Assert.Empty(Directory.GetFiles(_dir.File("out"), "*.partial"));
            Assert.Equal(TransferStatus.Completed, Assert.Single(sink.Transfers, t => t.Source == empty).Status);
            Assert.Equal(0, new FileInfo(_dir.File("out/empty.bin")).Length);
        }

        /// <summary>
        /// A FIFO (or /dev/null) as the destination: the .partial was renamed over it with -Force, replacing the node with
        /// a regular file (as root, /dev/null itself). It is refused, with or without -Force, and stays what it was.
        /// </summary>
        [Fact]
        public void AFifoOrDeviceAsTheDestinationIsRefusedNotReplaced()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            string source = _dir.RandomFile("s.bin", 100);
            ProcessRunner.Shell("mkfifo pipe", _dir.Path);
            CollectingSink sink = TransferHarness.Run(new[] { source, source }, _dir.File("pipe"), new TransferOptions(overwrite: true));
            Assert.Contains(sink.Errors, e => e.Condition == "NotARegularFile" && e.Message.Contains("would replace it", StringComparison.Ordinal));
            Assert.Equal("p", ProcessRunner.Shell("stat -c %A pipe", _dir.Path).Substring(0, 1));
            Assert.Empty(Directory.GetFiles(_dir.Path, "*.partial"));

            // /dev/null itself is refused as a system path (SystemPathTests), as before.
            CollectingSink device = TransferHarness.Run(new[] { source }, "/dev/null", new TransferOptions(overwrite: true));
            Assert.Single(device.Errors);
            Assert.Equal("c", ProcessRunner.Shell("stat -c %A /dev/null").Substring(0, 1));
        }

        [Fact]
        public void AMissingSourceIsSourceNotFound()
        {
            CollectingSink sink = TransferHarness.Run(new[] { _dir.File("nope.bin") }, _dir.File("d.bin"));
            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("SourceNotFound", error.Condition);
            Assert.Equal(FailureCategory.ObjectNotFound, error.Category);
            Assert.Equal(_dir.File("nope.bin"), error.Target);
            TransferResult failed = Assert.Single(sink.Transfers);
            Assert.Equal(TransferStatus.Failed, failed.Status);
            Assert.Equal(_dir.File("d.bin"), failed.Destination); // where it would have gone, as for a copied file
            Assert.Empty(sink.Questions);

            // No -LiteralPath advice, brackets or not: a name reaches the engine as it is (the CLI, or -LiteralPath
            // itself); a PowerShell wildcard that matched nothing is NoMatch, which gives the advice (below).
            Assert.DoesNotContain("-LiteralPath", error.Message, StringComparison.Ordinal);
            CommandError bracketed = Assert.Single(TransferHarness.Run(new[] { _dir.File("nope[1].bin") }, _dir.File("d.bin")).Errors);
            Assert.DoesNotContain("-LiteralPath", bracketed.Message, StringComparison.Ordinal);
        }

        /// <summary>
        /// What the cmdlets hand over when PowerShell's provider finds a -Path missing or a wildcard matching nothing:
        /// each is one SourceNotFound error and one Failed result, as for a source the engine finds missing itself, and
        /// the other files of the batch still go.
        /// </summary>
        [Fact]
        public void SourcesTheHostFoundMissingAreErrorsAndFailedResultsAndTheBatchGoesOn()
        {
            string present = _dir.RandomFile("present.bin", 100);
            string pattern = _dir.File("*.nomatch");
            string missing = _dir.File("missing.bin");
            CollectingSink sink = SendInto("out", (operation, into) =>
            {
                operation.SubmitMissingSource(pattern, pattern: true, into);
                operation.SubmitSource(new TransferRequest(present), into);
                operation.SubmitMissingSource(missing, pattern: false, into);
            });

            Assert.Equal(2, sink.Errors.Count);
            Assert.All(sink.Errors, e => Assert.Equal("SourceNotFound", e.Condition));
            Assert.All(sink.Errors, e => Assert.Equal(FailureCategory.ObjectNotFound, e.Category));
            CommandError noMatch = sink.Errors.Single(e => e.Target == pattern);
            Assert.Contains("No file matches '" + pattern + "'", noMatch.Message, StringComparison.Ordinal);
            Assert.Contains("-LiteralPath", noMatch.Message, StringComparison.Ordinal);
            Assert.Contains(sink.Errors, e => e.Target == missing);
            Assert.Equal(3, sink.Transfers.Count);
            Assert.Equal(TransferStatus.Failed, sink.Transfers.Single(t => t.Source == pattern).Status);
            Assert.Equal(TransferStatus.Failed, sink.Transfers.Single(t => t.Source == missing).Status);
            Assert.Equal(_dir.File("out/missing.bin"), sink.Transfers.Single(t => t.Source == missing).Destination);
            Assert.Equal(string.Empty, sink.Transfers.Single(t => t.Source == pattern).Destination); // a pattern names no file
            Assert.Equal(TransferStatus.Completed, sink.Transfers.Single(t => t.Source == present).Status);
            Assert.True(File.Exists(_dir.File("out/present.bin")));
            Assert.Contains(present, Assert.Single(sink.Questions), StringComparison.Ordinal);
        }

        /// <summary>
        /// A source the host refused before the engine looked (PowerShell: a path of another provider, Env:/HOME) is an
        /// error and a Failed result with the host's condition, like a missing one (a probe: only the error came out).
        /// </summary>
        [Fact]
        public void ASourceTheHostRefusedIsAnErrorAndAFailedResult()
        {
            string present = _dir.RandomFile("present.bin", 100);
            CollectingSink sink = SendInto("out", (operation, into) =>
            {
                operation.SubmitRefusedSource("Env:/HOME", new CommandError("NotFileSystemPath", FailureCategory.InvalidArgument, "Env:/HOME", "'Env:/HOME' is a path of the Environment provider."), into);
                operation.SubmitSource(new TransferRequest(present), into);
            });

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("NotFileSystemPath", error.Condition);
            Assert.Equal(FailureCategory.InvalidArgument, error.Category);
            TransferResult refused = sink.Transfers.Single(t => t.Source == "Env:/HOME");
            Assert.Equal(TransferStatus.Failed, refused.Status);
            Assert.Equal("NotFileSystemPath", refused.Error!.Condition);
            Assert.Equal(string.Empty, refused.Destination); // not 'out/Env:/HOME' (a probe)
            Assert.Equal(TransferStatus.Completed, sink.Transfers.Single(t => t.Source == present).Status);
        }

        /// <summary>A send into the directory <paramref name="directory"/> of what <paramref name="submit"/> hands the operation, as a host would.</summary>
        private CollectingSink SendInto(string directory, Action<TransferOperation, CollectingSink> submit)
        {
            var sink = new CollectingSink();
            using var operation = new TransferOperation(
                TransferDirection.Send,
                StreamFiles.Core.Locations.Location.Parse(_dir.File(directory) + "/"),
                recurse: false,
                new TransferOptions(),
                new OperationSettings(4),
                default,
                TransferHarness.Local());
            submit(operation, sink);
            operation.Complete(sink);
            return sink;
        }

        [Fact]
        public void CopyingAFileOntoItselfIsRefused()
        {
            string source = _dir.RandomFile("s.bin", 10);
            Assert.Equal("DestinationIsSource", Assert.Single(TransferHarness.Run(new[] { source }, source, new TransferOptions(overwrite: true)).Errors).Condition);
            Assert.Equal(10, new FileInfo(source).Length);
        }

        /// <summary>
        /// Found by a probe: the same file under other text, through a symbolic link, was copied over itself, or the
        /// link was replaced by a copy of its target (exit 0, "completed"). cp says they are the same file.
        /// </summary>
        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void CopyingAFileOntoItselfThroughALinkIsRefused(bool linkIsSource)
        {
            string file = _dir.RandomFile("s.bin", 10);
            string link = _dir.File("link.bin");
            File.CreateSymbolicLink(link, "s.bin");

            CollectingSink sink = linkIsSource
                ? TransferHarness.Run(new[] { link }, file, new TransferOptions(overwrite: true))
                : TransferHarness.Run(new[] { file }, link, new TransferOptions(overwrite: true));

            Assert.Equal("DestinationIsSource", Assert.Single(sink.Errors).Condition);
            Assert.Equal("s.bin", new FileInfo(link).LinkTarget); // still the link
            Assert.Equal(10, new FileInfo(file).Length);
        }

        [Fact]
        public void SeveralSourcesCannotGoToAnExistingFile()
        {
            string a = _dir.RandomFile("a.bin", 10);
            string b = _dir.RandomFile("b.bin", 10);
            string single = _dir.RandomFile("single.bin", 3);
            byte[] before = File.ReadAllBytes(single);
            CollectingSink sink = TransferHarness.Run(new[] { a, b }, single, new TransferOptions(overwrite: true));

            // Both refused, even with overwrite: the first used to replace the file before the second showed the mistake.
            Assert.Equal(new[] { "DestinationNotDirectory", "DestinationNotDirectory" }, sink.Errors.Select(e => e.Condition));
            Assert.Contains("end the name with '/'", sink.Errors[0].Message, StringComparison.Ordinal);
            Assert.Equal(before, File.ReadAllBytes(single));
            Assert.All(sink.Transfers, t => Assert.Equal(TransferStatus.Failed, t.Status));
            Assert.All(sink.Transfers, t => Assert.Equal(single, t.Destination)); // the result names the file the error is about
            Assert.Equal(2, sink.Transfers.Count);

            // One source alone still replaces it.
            Assert.Equal(TransferStatus.Completed, Assert.Single(TransferHarness.Run(new[] { a }, single, new TransferOptions(overwrite: true)).Transfers).Status);
            Assert.True(Coreutils.Same(a, single));
        }

        [Fact]
        public void SeveralSourcesMakeANewDestinationADirectoryWithoutATrailingSlash()
        {
            string a = _dir.RandomFile("a.bin", 10);
            string b = _dir.RandomFile("b.bin", 20);
            string c = _dir.RandomFile("c.bin", 0);
            string target = _dir.File("new/out");
            CollectingSink sink = TransferHarness.Run(new[] { a, b, c }, target);
            Assert.Empty(sink.Errors);
            Assert.True(Directory.Exists(target));
            Assert.True(Coreutils.Same(a, Path.Combine(target, "a.bin")));
            Assert.True(Coreutils.Same(b, Path.Combine(target, "b.bin")));
            Assert.True(Coreutils.Same(c, Path.Combine(target, "c.bin")));
            Assert.Equal(3, sink.Transfers.Count(t => t.Status == TransferStatus.Completed));
            Assert.Contains(sink.Transfers, t => t.Source == a && t.Destination == Path.Combine(target, "a.bin"));
        }

        [Fact]
        public void OneSourceToANewNameIsAFileAndTheSameSourceTwiceStaysOne()
        {
            string a = _dir.RandomFile("a.bin", 10);
            CollectingSink one = TransferHarness.Run(new[] { a }, _dir.File("copy.bin"));
            Assert.Empty(one.Errors);
            Assert.True(File.Exists(_dir.File("copy.bin")));
            Assert.True(Coreutils.Same(a, _dir.File("copy.bin")));

            CollectingSink twice = TransferHarness.Run(new[] { a, a }, _dir.File("twice.bin"));
            Assert.Equal("DuplicateDestination", Assert.Single(twice.Errors).Condition);
            Assert.True(Coreutils.Same(a, _dir.File("twice.bin")));
        }

        [Fact]
        public void AFileAndADirectoryToANewNameBothGoUnderIt()
        {
            string a = _dir.RandomFile("a.bin", 10);
            string tree = MakeFile("tree/sub/x.bin", 30, seed: 3);
            string target = _dir.File("mixed");
            CollectingSink sink = TransferHarness.Run(new[] { a, _dir.File("tree") }, target, recurse: true);
            Assert.Empty(sink.Errors);
            Assert.True(Coreutils.Same(a, Path.Combine(target, "a.bin")));
            Assert.True(Coreutils.Same(tree, Path.Combine(target, "tree", "sub", "x.bin"))); // one of several: it keeps its name, as with cp -r

            // The other order: the directory makes the new name a directory for the file after it.
            string other = _dir.File("mixed2");
            sink = TransferHarness.Run(new[] { _dir.File("tree"), a }, other, recurse: true);
            Assert.Empty(sink.Errors);
            Assert.True(Coreutils.Same(tree, Path.Combine(other, "tree", "sub", "x.bin")));
            Assert.True(Coreutils.Same(a, Path.Combine(other, "a.bin")));
        }

        /// <summary>
        /// Files 'a' and 'a.partial' in one tree: 'a' is written as 'a.partial' until it is complete, so the two used to
        /// overwrite each other, leaving the small file's bytes under 'a' with every result Completed. Now the later
        /// of the two is refused (DuplicateDestination) and the other arrives byte-identical; so is 'a.partial/b',
        /// whose directory is the temporary name of 'a'.
        /// </summary>
        [Theory]
        [InlineData("a.partial")]
        [InlineData("a.partial/b")]
        [InlineData("a.partial.journal")]
        public void AFileNamedLikeAnothersTemporaryNameIsRefusedNotMixedUp(string other)
        {
            string big = MakeFile("t/a", 300 * KiB, seed: 1);
            MakeFile("t/" + other, 1000, seed: 2);
            var options = new TransferOptions(partSize: 64 * KiB, bufferSize: 64 * KiB, overwrite: true, resume: true);
            CollectingSink sink = TransferHarness.Run(new[] { _dir.File("t") }, _dir.File("out"), options, recurse: true);
            CommandError refused = Assert.Single(sink.Errors);
            Assert.Equal("DuplicateDestination", refused.Condition);
            Assert.Contains("until it is complete", refused.Message, StringComparison.Ordinal);
            TransferResult done = Assert.Single(sink.Transfers, r => r.Status == TransferStatus.Completed);
            Assert.True(Coreutils.Same(done.Source, done.Destination));
            if (done.Source == big)
            {
                Assert.Equal(300 * KiB, new FileInfo(_dir.File("out/a")).Length);
            }
            else
            {
                Assert.False(File.Exists(_dir.File("out/a")));
            }
        }

        /// <summary>
        /// Several directories named (-Path a, b; Get-ChildItem -Directory piped) each keep their name under the
        /// destination, as cp -r a b dest does, so same-named files of two trees neither merge nor collide; a
        /// directory named alone gives the destination its contents, with or without files after it being missing.
        /// </summary>
        [Fact]
        public void SeveralDirectoriesNamedKeepTheirNamesAndOneAloneGivesItsContents()
        {
            string one = MakeFile("d1/same.bin", 10, seed: 1);
            string two = MakeFile("d2/same.bin", 20, seed: 2);
            CollectingSink sink = TransferHarness.Run(new[] { _dir.File("d1"), _dir.File("d2") }, _dir.File("both"), recurse: true);
            Assert.Empty(sink.Errors);
            Assert.True(Coreutils.Same(one, _dir.File("both/d1/same.bin")));
            Assert.True(Coreutils.Same(two, _dir.File("both/d2/same.bin")));
            Assert.False(File.Exists(_dir.File("both/same.bin")));

            sink = TransferHarness.Run(new[] { _dir.File("d1") }, _dir.File("alone"), recurse: true);
            Assert.Empty(sink.Errors);
            Assert.True(Coreutils.Same(one, _dir.File("alone/same.bin")));

            // Each source's own directory is a "Create Directory" of its own, so -Confirm can decline a whole tree.
            var user = new CollectingSink(answer: q => !q.EndsWith("new" + Path.DirectorySeparatorChar + "d1", StringComparison.Ordinal));
            TransferHarness.Run(new[] { _dir.File("d1"), _dir.File("d2") }, _dir.File("new"), recurse: true, sink: user);
            Assert.Contains(user.Questions, q => q.StartsWith("Create Directory", StringComparison.Ordinal) && q.EndsWith("new" + Path.DirectorySeparatorChar + "d2", StringComparison.Ordinal));
            Assert.False(Directory.Exists(_dir.File("new/d1")));
            Assert.True(Coreutils.Same(two, _dir.File("new/d2/same.bin")));
        }

        [Fact]
        public void TheFirstOfSeveralSourcesStartsWhenTheSecondArrives()
        {
            string a = _dir.RandomFile("a.bin", 10);
            string b = _dir.RandomFile("b.bin", 10);
            string target = _dir.File("later");
            var sink = new CollectingSink();
            using (var operation = new TransferOperation(
                TransferDirection.Send,
                StreamFiles.Core.Locations.Location.Parse(target),
                recurse: false,
                new TransferOptions(),
                new OperationSettings(4),
                default,
                TransferHarness.Local()))
            {
                operation.SubmitSource(new TransferRequest(a), sink);
                Assert.Empty(sink.Questions);
                Assert.False(File.Exists(target) || Directory.Exists(target));
                operation.SubmitSource(new TransferRequest(b), sink);
                Assert.Equal(2, sink.Questions.Count);
                Assert.Contains(Path.Combine(target, "a.bin"), sink.Questions[0], StringComparison.Ordinal);
                operation.Complete(sink);
            }

            Assert.Empty(sink.Errors);
            Assert.True(Coreutils.Same(a, Path.Combine(target, "a.bin")));
            Assert.True(Coreutils.Same(b, Path.Combine(target, "b.bin")));
        }

        [Fact]
        public void TwoSourcesWithTheSameNameDoNotOverwriteEachOther()
        {
            string a = MakeFile("x/same.bin", 10, seed: 1);
            string b = MakeFile("y/same.bin", 10, seed: 2);
            CollectingSink sink = TransferHarness.Run(new[] { a, b }, _dir.File("out") + "/", new TransferOptions(overwrite: true));
            Assert.Equal("DuplicateDestination", Assert.Single(sink.Errors).Condition);
            Assert.True(Coreutils.Same(a, _dir.File("out/same.bin")));
        }

        [Fact]
        public void WhatIfWritesNothingAtAll()
        {
            string source = _dir.RandomFile("s.bin", 100);
            CollectingSink sink = TransferHarness.Run(new[] { source }, _dir.File("new/dir/d.bin"), approve: false);
            Assert.Single(sink.Questions);
            Assert.Contains("Item: " + source + " Destination: " + _dir.File("new/dir/d.bin"), sink.Questions[0], StringComparison.Ordinal);
            Assert.Empty(sink.Results);
            Assert.Empty(sink.Errors);
            Assert.False(Directory.Exists(_dir.File("new")));
        }

        [Fact]
        public void ADirectoryNeedsRecurse()
        {
            Directory.CreateDirectory(_dir.File("tree"));
            CommandError error = Assert.Single(TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out")).Errors);
            Assert.Equal("SourceIsDirectory", error.Condition);
            Assert.Contains("-Recurse", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void RecurseKeepsTheRelativeLayoutWithUnicodeSpacesAndHiddenFiles()
        {
            string[] names = { "top.txt", "a/b/c/deep.bin", "with space/ünïcödé ☃.txt", ".hidden", "a/.also hidden/x", "empty/zero.bin" };
            foreach (string name in names)
            {
                MakeFile("tree/" + name, name.Length * 1000 % 70_000, seed: name.Length);
            }

            Directory.CreateDirectory(_dir.File("tree/no files here"));
            CollectingSink sink = TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out"), new TransferOptions(partSize: 64 * KiB), recurse: true);

            Assert.Empty(sink.Errors);
            Assert.Equal(names.Length, sink.Transfers.Count);
            Assert.All(sink.Transfers, r => Assert.Equal(TransferStatus.Completed, r.Status));

            // An empty directory is recreated too, as cp -r and rsync -r do (diff -r reports a missing one).
            Assert.True(Directory.Exists(_dir.File("out/no files here")));
            Assert.True(Coreutils.SameTree(_dir.File("tree"), _dir.File("out")));
            Assert.Empty(Directory.GetFiles(_dir.File("out"), "*.partial*", SearchOption.AllDirectories));
        }

        [Fact]
        public void DirectoriesAWildcardMatchedKeepTheirNamesUnderTheDestination()
        {
            // What Send-StreamFile tree/* -Recurse hands the engine: every match, none named on its own. Two
            // directories with files of the same name must not merge or collide (Copy-Item and cp -r keep the names).
            string top = MakeFile("tree/top.txt", 100, seed: 1);
            string x = MakeFile("tree/x/r.txt", 2000, seed: 2);
            string y = MakeFile("tree/y/r.txt", 3000, seed: 3);
            Directory.CreateDirectory(_dir.File("tree/x/empty"));
            CollectingSink sink = TransferHarness.Run(
                new[] { _dir.File("tree/top.txt"), _dir.File("tree/x"), _dir.File("tree/y") }, _dir.File("out"), recurse: true, explicitSources: false);
            Assert.Empty(sink.Errors);
            Assert.Equal(3, sink.Results.Count);
            Assert.True(Coreutils.Same(top, _dir.File("out/top.txt")));
            Assert.True(Coreutils.Same(x, _dir.File("out/x/r.txt")));
            Assert.True(Coreutils.Same(y, _dir.File("out/y/r.txt")));
            Assert.True(Directory.Exists(_dir.File("out/x/empty")));
            Assert.False(File.Exists(_dir.File("out/r.txt")));
        }

        [Fact]
        public void RecurseRecreatesEmptyDirectoriesAtAnyDepthWithoutResults()
        {
            MakeFile("tree/a/file.bin", 1000);
            Directory.CreateDirectory(_dir.File("tree/a/empty"));
            Directory.CreateDirectory(_dir.File("tree/b/c/d"));
            Directory.CreateDirectory(_dir.File("tree/ünï cödé"));
            CollectingSink sink = TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out"), recurse: true);

            Assert.Empty(sink.Errors);
            Assert.Single(sink.Transfers); // directories are made, not reported as transfers
            Assert.True(Directory.Exists(_dir.File("out/a/empty")));
            Assert.True(Directory.Exists(_dir.File("out/b/c/d")));
            Assert.True(Directory.Exists(_dir.File("out/ünï cödé")));
            Assert.True(Coreutils.SameTree(_dir.File("tree"), _dir.File("out")));
        }

        [Fact]
        public async System.Threading.Tasks.Task TheLocalListingNamesALevelsDirectoriesBeforeAnyFileBelowThem()
        {
            MakeFile("tree/a/x.bin", 10);
            MakeFile("tree/b/y.bin", 10);
            MakeFile("tree/b/c/z.bin", 10);
            MakeFile("tree/top.bin", 10);
            Directory.CreateDirectory(_dir.File("tree/d"));

            var listed = new System.Collections.Generic.List<string>();
            var storage = new StreamFiles.Core.Storage.Local.LocalStorage();
            await foreach (var entry in storage.ListAsync(StreamFiles.Core.Locations.FileLocation.FromPath(_dir.File("tree")), recurse: true, System.Threading.CancellationToken.None))
            {
                listed.Add((entry.Info!.IsContainer ? "dir " : "file ") + entry.RelativePath);
            }

            // The copy makes the directories of a level together, before the files that go in them (cheaper inode
            // allocation on ext4), and the empty ones among them as cp -r does.
            Assert.Equal(new[] { "dir a", "dir b", "dir d", "file top.bin", "file a/x.bin", "dir b/c", "file b/y.bin", "file b/c/z.bin" }, listed);
        }

        [Fact]
        public void AnEmptySourceDirectoryMakesTheDestinationDirectory()
        {
            Directory.CreateDirectory(_dir.File("empty"));
            CollectingSink sink = TransferHarness.Run(new[] { _dir.File("empty") }, _dir.File("out/copy"), recurse: true);
            Assert.Empty(sink.Errors);
            Assert.Empty(sink.Transfers);
            Assert.True(Directory.Exists(_dir.File("out/copy")));
        }

        [Fact]
        public void AnEmptyDirectoryIsNotMadeWithoutApprovalOrOverAFile()
        {
            Directory.CreateDirectory(_dir.File("tree/x"));
            Directory.CreateDirectory(_dir.File("tree/y"));
            CollectingSink denied = TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("whatif"), recurse: true, approve: false);
            Assert.EndsWith("Destination: " + _dir.File("whatif"), Assert.Single(denied.Questions), StringComparison.Ordinal); // the new destination, declined: nothing goes into it
            Assert.False(Directory.Exists(_dir.File("whatif")));

            CollectingSink rootOnly = TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("whatif"), recurse: true, sink: new CollectingSink(answer: question => question.EndsWith("whatif", StringComparison.Ordinal)));
            Assert.Equal(3, rootOnly.Questions.Count);
            Assert.Contains("Destination: " + _dir.File("whatif/x"), rootOnly.Questions[1], StringComparison.Ordinal);
            Assert.True(Directory.Exists(_dir.File("whatif")));
            Assert.False(Directory.Exists(_dir.File("whatif/x")));

            Directory.CreateDirectory(_dir.File("out"));
            File.WriteAllText(_dir.File("out/x"), "a file in the way");
            CollectingSink sink = TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out"), recurse: true);
            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal(_dir.File("out/x"), error.Target); // a failure to write: it names what could not be written
            Assert.Equal("a file in the way", File.ReadAllText(_dir.File("out/x")));
            Assert.True(Directory.Exists(_dir.File("out/y")));
        }

        [Fact]
        public void ADirectoryCannotBeCopiedIntoItself()
        {
            _dir.RandomFile("f.bin", 10);
            CommandError error = Assert.Single(TransferHarness.Run(new[] { _dir.Path }, _dir.File("inside/copy"), recurse: true).Errors);
            Assert.Equal("DestinationInsideSource", error.Condition);
            Assert.Equal(FailureCategory.InvalidArgument, error.Category);
            Assert.False(Directory.Exists(_dir.File("inside")));
        }

        /// <summary>
        /// Found by a probe: a destination inside the source reached through a symbolic link (to the source, or to a
        /// directory within it), or a source named through a link, copied the tree into itself until the names grew too
        /// long (815 directories written, then PathTooLong). cp refuses to copy a directory into itself.
        /// </summary>
        [Theory]
        [InlineData("alias/sub/inner", "src")]
        [InlineData("deep/inner", "src")]
        [InlineData("src/sub/inner", "alias")]
        public void ADestinationInsideTheSourceThroughALinkIsRefused(string destination, string source)
        {
            MakeFile("src/a.txt", 1);
            MakeFile("src/sub/b.txt", 2);
            Directory.CreateSymbolicLink(_dir.File("alias"), "src");
            Directory.CreateSymbolicLink(_dir.File("deep"), "src/sub");

            CommandError error = Assert.Single(TransferHarness.Run(new[] { _dir.File(source) }, _dir.File(destination), recurse: true).Errors);

            Assert.Equal("DestinationInsideSource", error.Condition);
            Assert.Equal(new[] { "a.txt", "sub", "sub/b.txt" }, Directory.GetFileSystemEntries(_dir.File("src"), "*", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(_dir.File("src"), p)).OrderBy(p => p, StringComparer.Ordinal));
        }

        /// <summary>
        /// The same, through a bind mount, where no path nor link says it (a probe: 1,631 nested copies, then
        /// PathTooLong): device and inode do, as for cp.
        /// </summary>
        [StreamFiles.Core.Tests.Faults.RootFact]
        public void ADestinationInsideTheSourceThroughABindMountIsRefused()
        {
            MakeFile("src/a.txt", 1);
            MakeFile("src/sub/b.txt", 2);
            Directory.CreateDirectory(_dir.File("view"));
            var mount = ProcessRunner.Run("mount", new[] { "--bind", _dir.File("src"), _dir.File("view") });
            Assert.True(mount.ExitCode == 0, mount.Error);
            try
            {
                CommandError error = Assert.Single(TransferHarness.Run(new[] { _dir.File("src") }, _dir.File("view/copy"), recurse: true).Errors);

                Assert.Equal("DestinationInsideSource", error.Condition);
                Assert.False(Directory.Exists(_dir.File("src/copy")));
            }
            finally
            {
                ProcessRunner.Run("umount", new[] { _dir.File("view") });
            }

            // The other way round is a copy like any other.
            Assert.Empty(TransferHarness.Run(new[] { _dir.File("src") }, _dir.File("elsewhere"), recurse: true).Errors);
            Assert.True(File.Exists(_dir.File("elsewhere/sub/b.txt")));
        }

        /// <summary>
        /// A destination reached through a bind mount of a subdirectory of the source (a probe: `mount --bind src/in view;
        /// send -r src view/x` nested copies until PathTooLong, then failed "[SourceNotFound] ''"), a deeper one
        /// (src/in/deep) too: found from the mount table before anything is copied or made (a probe: a check in the walk
        /// let the files it met before src/in/deep be copied into it).
        /// </summary>
        [StreamFiles.Core.Tests.Faults.RootTheory]
        [InlineData("src/in", "view/copy")]
        [InlineData("src/in", "view")]
        [InlineData("src/in/deep", "view/copy")]
        public void ADestinationBelowABindMountOfASourceSubdirectoryIsRefused(string mounted, string destination)
        {
            MakeFile("src/a.txt", 1);
            MakeFile("src/in/b.txt", 2);
            MakeFile("src/in/deep/c.txt", 3);
            Directory.CreateDirectory(_dir.File("view"));
            var mount = ProcessRunner.Run("mount", new[] { "--bind", _dir.File(mounted), _dir.File("view") });
            Assert.True(mount.ExitCode == 0, mount.Error);
            try
            {
                CommandError error = Assert.Single(TransferHarness.Run(new[] { _dir.File("src") }, _dir.File(destination), recurse: true).Errors);

                Assert.Equal("DestinationInsideSource", error.Condition);
                Assert.Equal(
                    new[] { "a.txt", "in", Path.Combine("in", "b.txt"), Path.Combine("in", "deep"), Path.Combine("in", "deep", "c.txt") },
                    Directory.GetFileSystemEntries(_dir.File("src"), "*", SearchOption.AllDirectories)
                        .Select(p => Path.GetRelativePath(_dir.File("src"), p)).OrderBy(p => p, StringComparer.Ordinal));
            }
            finally
            {
                ProcessRunner.Run("umount", new[] { _dir.File("view") });
            }
        }

        /// <summary>
        /// The other way round: a mount inside the source that shows the destination's directory (`mount --bind other
        /// src/mnt; send -r src other/out`) reaches the destination as src/mnt/out (a probe: 2,036 nested directories,
        /// then PathTooLong). A bind mount inside the source of a directory the destination is not in stays a plain
        /// copy.
        /// </summary>
        [StreamFiles.Core.Tests.Faults.RootTheory]
        [InlineData("other", "other/out", true)]
        [InlineData("other", "other", true)]
        [InlineData("other/deep", "other/out", false)]
        public void AMountInsideTheSourceThatShowsTheDestinationIsRefused(string mounted, string destination, bool refused)
        {
            MakeFile("src/a.txt", 1);
            MakeFile("other/deep/b.txt", 2);
            Directory.CreateDirectory(_dir.File("src/mnt"));
            var mount = ProcessRunner.Run("mount", new[] { "--bind", _dir.File(mounted), _dir.File("src/mnt") });
            Assert.True(mount.ExitCode == 0, mount.Error);
            try
            {
                CollectingSink sink = TransferHarness.Run(new[] { _dir.File("src") }, _dir.File(destination), recurse: true);

                if (refused)
                {
                    Assert.Equal("DestinationInsideSource", Assert.Single(sink.Errors).Condition);
                    Assert.False(Directory.Exists(_dir.File("other/out")));
                }
                else
                {
                    Assert.Empty(sink.Errors);
                    Assert.True(File.Exists(_dir.File("other/out/a.txt")));
                    Assert.True(File.Exists(_dir.File("other/out/mnt/b.txt")));
                }
            }
            finally
            {
                ProcessRunner.Run("umount", new[] { _dir.File("src/mnt") });
            }
        }

        [Fact]
        public void ShouldProcessIsAskedOncePerFileAfterValidation()
        {
            MakeFile("tree/a", 1);
            MakeFile("tree/b", 2);
            MakeFile("out/tree/b", 3); // one of two sources, the directory keeps its name
            CollectingSink sink = TransferHarness.Run(new[] { _dir.File("tree"), _dir.File("missing") }, _dir.File("out"), recurse: true);
            Assert.Single(sink.Questions); // a; b exists (no -Force) and missing fails before any question
            Assert.Equal(2, sink.Errors.Count);
        }

        /// <summary>
        /// -Confirm: a directory the user declines to make is passed over with everything that would go into it, as
        /// Copy-Item does (its files were written anyway before); -WhatIf still lists the files under it; and a
        /// directory that already exists is not asked about at all.
        /// </summary>
        [Fact]
        public void ADeclinedDirectoryPassesOverItsFilesAndAnExistingOneIsNotAsked()
        {
            MakeFile("tree/top.bin", 1);
            MakeFile("tree/sub/in.bin", 2);
            MakeFile("tree/sub/deeper/in2.bin", 3);
            Directory.CreateDirectory(_dir.File("tree/empty"));
            var user = new CollectingSink(answer: question => !question.StartsWith("Create Directory", StringComparison.Ordinal) || !question.EndsWith("out" + Path.DirectorySeparatorChar + "sub", StringComparison.Ordinal));
            TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out"), recurse: true, sink: user);
            Assert.Empty(user.Errors);
            Assert.True(File.Exists(_dir.File("out/top.bin")));
            Assert.False(Directory.Exists(_dir.File("out/sub")));
            Assert.True(Directory.Exists(_dir.File("out/empty")));
            Assert.DoesNotContain(user.Questions, q => q.Contains("in.bin", StringComparison.Ordinal) || q.Contains("in2.bin", StringComparison.Ordinal));

            var whatIf = new CollectingSink(approve: false, whatIf: true);
            TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out2"), recurse: true, sink: whatIf);
            Assert.Contains(whatIf.Questions, q => q.StartsWith("Send File", StringComparison.Ordinal) && q.Contains("in2.bin", StringComparison.Ordinal));
            Assert.Contains(whatIf.Questions, q => q.StartsWith("Create Directory", StringComparison.Ordinal) && q.EndsWith("out2", StringComparison.Ordinal)); // the destination itself too
            Assert.False(Directory.Exists(_dir.File("out2")));

            // Declined at -Confirm, the new destination takes nothing (it was made with the first file regardless).
            var declined = new CollectingSink(answer: question => !(question.StartsWith("Create Directory", StringComparison.Ordinal) && question.EndsWith("out3", StringComparison.Ordinal)));
            TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out3"), recurse: true, sink: declined);
            Assert.Empty(declined.Errors);
            Assert.False(Directory.Exists(_dir.File("out3")));

            var again = new CollectingSink(approve: false, whatIf: true);
            TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out"), recurse: true, sink: again);
            Assert.DoesNotContain(again.Questions, q => q.StartsWith("Create Directory", StringComparison.Ordinal) && q.EndsWith("empty", StringComparison.Ordinal));
            Assert.Contains(again.Questions, q => q.StartsWith("Create Directory", StringComparison.Ordinal) && q.EndsWith("sub", StringComparison.Ordinal));
        }

        /// <summary>
        /// -WhatIf -SkipUnchanged with the content compared (the default): the dry run compares as the real run would,
        /// so an unchanged file shows as Skipped, not as "would be sent"; a changed one as the run would treat it.
        /// </summary>
        [Fact]
        public void WhatIfWithSkipUnchangedComparesTheContentAsTheRealRunWould()
        {
            MakeFile("tree/same.bin", 1000, seed: 1);
            string changed = MakeFile("tree/changed.bin", 1000, seed: 2);
            Assert.Empty(TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out"), recurse: true).Errors);
            MakeFile("tree/changed.bin", 1000, seed: 3);
            File.SetLastWriteTimeUtc(changed, File.GetLastWriteTimeUtc(_dir.File("out/changed.bin")));

            var dry = new CollectingSink(approve: false, whatIf: true);
            TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out"), new TransferOptions(skipUnchanged: true), recurse: true, sink: dry);
            TransferResult skipped = Assert.Single(dry.Transfers, r => r.Status == TransferStatus.Skipped);
            Assert.EndsWith("same.bin", skipped.Source, StringComparison.Ordinal);
            Assert.Equal("DestinationExists", Assert.Single(dry.Errors).Condition);
            Assert.DoesNotContain(dry.Questions, q => q.StartsWith("Send File", StringComparison.Ordinal));

            var forced = new CollectingSink(approve: false, whatIf: true);
            TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out"), new TransferOptions(skipUnchanged: true, overwrite: true), recurse: true, sink: forced);
            Assert.Equal(TransferStatus.Skipped, Assert.Single(forced.Transfers).Status);
            Assert.Empty(forced.Errors);
            Assert.Contains("Send File", Assert.Single(forced.Questions, q => q.Contains("changed.bin", StringComparison.Ordinal)), StringComparison.Ordinal);
            Assert.False(Coreutils.Same(changed, _dir.File("out/changed.bin"))); // nothing was written
        }

        /// <summary>An empty directory that cannot be made (a file has its name) is a write failure naming where it was to go; it was ReadError.</summary>
        [Fact]
        public void ADirectoryThatCannotBeMadeIsAWriteError()
        {
            Directory.CreateDirectory(_dir.File("tree/empty"));
            MakeFile("tree/a.bin", 10);
            MakeFile("out/empty", 1);
            CollectingSink sink = TransferHarness.Run(new[] { _dir.File("tree") }, _dir.File("out"), recurse: true);
            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("WriteError", error.Condition);
            Assert.Equal(FailureCategory.WriteError, error.Category);
            Assert.Equal(_dir.File("out/empty"), Assert.Single(sink.Transfers, t => t.Status == TransferStatus.Failed).Destination);
        }

        /// <summary>
        /// What a new destination name becomes depends on how many sources were named, not on how many exist today: with
        /// one of two missing (either order), or a directory refused for lack of Recurse, it is still a directory.
        /// </summary>
        [Theory]
        [InlineData("missing.bin", "a.bin")]
        [InlineData("a.bin", "missing.bin")]
        [InlineData("dir", "a.bin")]
        public void AFailedSourceStillCountsAsOneOfSeveral(string first, string second)
        {
            string a = _dir.RandomFile("a.bin", 10);
            Directory.CreateDirectory(_dir.File("dir"));
            CollectingSink sink = TransferHarness.Run(new[] { _dir.File(first), _dir.File(second) }, _dir.File("target"));
            Assert.Single(sink.Errors);
            Assert.True(Directory.Exists(_dir.File("target")));
            Assert.True(Coreutils.Same(a, _dir.File("target/a.bin")));
        }

        [Fact]
        public void TheMemoryBudgetCapsBuffersAcrossFilesAndParts()
        {
            for (int i = 0; i < 12; i++)
            {
                MakeFile($"in/f{i}.bin", 700 * KiB, seed: i);
            }

            var options = new TransferOptions(concurrency: 8, partSize: 64 * KiB, maxMemory: 3 * 64 * KiB, bufferSize: 64 * KiB);
            CollectingSink sink = TransferHarness.Run(new[] { _dir.File("in") }, _dir.File("out"), options, recurse: true, throttleLimit: 8);
            Assert.Empty(sink.Errors);
            Assert.Equal(12, sink.Transfers.Count);
            Assert.InRange(sink.PeakBuffers, 1, 3);
            Assert.True(Coreutils.SameTree(_dir.File("in"), _dir.File("out")));
        }

        [Fact]
        public void TheDotNetStandardCodePathCopiesToo()
        {
            string source = _dir.RandomFile("s.bin", 3 * MiB + 11);
            File.SetLastWriteTimeUtc(source, new DateTime(2022, 2, 2, 2, 2, 2, DateTimeKind.Utc));
            CollectingSink sink = TransferHarness.Run(new[] { source }, _dir.File("d.bin"), new TransferOptions(partSize: 256 * KiB, verify: true), storages: TransferHarness.Local(portable: true));
            Assert.Empty(sink.Errors);
            Assert.True(Coreutils.Same(source, _dir.File("d.bin")));
            Assert.Equal(File.GetLastWriteTimeUtc(source), File.GetLastWriteTimeUtc(_dir.File("d.bin")));
        }

        [Fact]
        public void ProgressReportsBytesAndFiles()
        {
            string source = _dir.RandomFile("s.bin", 2 * MiB);
            CollectingSink sink = TransferHarness.Run(new[] { source }, _dir.File("d.bin"));
            Assert.NotEmpty(sink.Progress);
            Assert.True(sink.Progress[^1].Completed);
            Assert.Equal(2 * MiB, sink.Progress[^1].BytesDone);
            Assert.Equal(1, sink.Progress[^1].ItemsFinished);
        }
    }
}
