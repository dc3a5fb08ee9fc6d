using System;
using System.IO;
using System.Linq;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Resume;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Tests.Support;

namespace StreamFiles.Core.Tests.Transfers
{
    public sealed class ResumeJournalTests : IDisposable
    {
        private readonly TempDirectory _dir = new TempDirectory();

        public void Dispose() => _dir.Dispose();

        private static ResumeJournal Sample() =>
            new ResumeJournal(
                "/src/naïve file ☃\nname.bin",
                new SourceFingerprint(123_456_789, new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234567), "\"etag with space\"", "AB01", null),
                8 * 1024 * 1024,
                15,
                ChecksumAlgorithm.SHA256,
                "CRC32C",
                "upload id/with%odd chars",
                new[] { new PartReceipt(1, 0, 8 * 1024 * 1024, "0A0B0C0D", "\"tag-1\""), new PartReceipt(3, 16 * 1024 * 1024, 8 * 1024 * 1024, "11223344") });

        /// <summary>
        /// Without a home folder the journals of S3 uploads go to a folder of the user's own in the temporary directory,
        /// which only the user may enter (a probe: /tmp/StreamFiles/journals, shared by all users).
        /// </summary>
        [Fact]
        public void TheTemporaryStateFolderIsTheUsersOwn()
        {
            string root = ResumeJournal.TemporaryStateRoot();

            Assert.Equal(Path.Combine(Path.GetTempPath(), "streamfiles-" + Environment.UserName), root);
            Assert.True(Directory.Exists(root));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(root));
            }
        }

        [Fact]
        public void RoundTripsEveryFieldThroughItsTextFormat()
        {
            string path = _dir.File("x.partial.journal");
            Sample().Save(path);
            ResumeJournal? loaded = ResumeJournal.TryLoad(path, out string? problem);
            Assert.Null(problem);
            Assert.NotNull(loaded);
            Assert.Equal("/src/naïve file ☃\nname.bin", loaded!.Source);
            Assert.Equal(123_456_789, loaded.Fingerprint.Length);
            Assert.Equal(Sample().Fingerprint.LastModified, loaded.Fingerprint.LastModified);
            Assert.Equal("\"etag with space\"", loaded.Fingerprint.ETag);
            Assert.Equal("AB01", loaded.Fingerprint.Head);
            Assert.Null(loaded.Fingerprint.Tail);
            Assert.Equal(8 * 1024 * 1024, loaded.PartSize);
            Assert.Equal(15, loaded.PartCount);
            Assert.Equal(ChecksumAlgorithm.SHA256, loaded.Algorithm);
            Assert.Equal("upload id/with%odd chars", loaded.ResumeToken);
            Assert.Equal(new[] { 1, 3 }, loaded.Parts.Select(p => p.Number));
            Assert.Equal("\"tag-1\"", loaded.Parts[0].Tag);
            Assert.Null(loaded.Parts[1].Tag);
            Assert.Equal("11223344", loaded.Parts[1].Checksum);
            Assert.False(File.Exists(path + ".tmp"));
        }

        /// <summary>
        /// A disk that fills up while the journal is saved (a probe: a 0-byte x.partial.journal.tmp stayed): the
        /// temporary file goes, and the journal saved before stays as it was.
        /// </summary>
        [StreamFiles.Core.Tests.Faults.RootFact]
        public void AJournalThatCannotBeWrittenLeavesNoTemporaryFileAndTheOldJournal()
        {
            // A full disk: a small tmpfs, filled once the first journal is saved. (A link to /dev/full under the
            // temporary name stood in for it before; such a link is no longer written through.)
            string disk = _dir.File("disk");
            Directory.CreateDirectory(disk);
            var mount = ProcessRunner.Run("mount", new[] { "-t", "tmpfs", "-o", "size=256k", "tmpfs", disk });
            Assert.True(mount.ExitCode == 0, mount.Error);
            try
            {
                string path = Path.Combine(disk, "full.partial.journal");
                Sample().Save(path);
                byte[] saved = File.ReadAllBytes(path);
                try
                {
                    using var filler = new FileStream(Path.Combine(disk, "filler"), FileMode.CreateNew);
                    var block = new byte[4096];
                    while (true)
                    {
                        filler.Write(block, 0, block.Length);
                        filler.Flush();
                    }
                }
                catch (IOException)
                {
                    // full
                }

                Assert.ThrowsAny<IOException>(() => Sample().Save(path));

                Assert.Equal(new[] { path }, Directory.GetFiles(disk, "full.*"));
                Assert.Equal(saved, File.ReadAllBytes(path));
            }
            finally
            {
                ProcessRunner.Run("umount", new[] { disk });
            }
        }

        /// <summary>Someone who opens a journal of an S3 upload learns that deleting it by hand leaves the upload on the store.</summary>
        [Fact]
        public void AJournalThatNamesAnUploadSaysDeletingItLeavesTheUpload()
        {
            string withUpload = _dir.File("s3.journal");
            Sample().Save(withUpload);
            string text = File.ReadAllText(withUpload);
            Assert.Contains("# 'token' is the destination's multipart upload. Deleting this file by hand leaves that upload", text);
            Assert.NotNull(ResumeJournal.TryLoad(withUpload, out _));

            string local = _dir.File("local.journal");
            ResumeJournal sample = Sample();
            new ResumeJournal(sample.Source, sample.Fingerprint, sample.PartSize, sample.PartCount, sample.Algorithm, "CRC32C", null, sample.Parts).Save(local);
            Assert.DoesNotContain("multipart upload", File.ReadAllText(local));
            Assert.StartsWith("# Resume state of an interrupted transfer. A rerun with -Resume (--resume) continues it", File.ReadAllLines(local)[1]);
        }

        [Fact]
        public void MatchesOnlyTheSameSourceVersionAndLayout()
        {
            ResumeJournal journal = Sample();
            SourceFingerprint same = journal.Fingerprint;
            Assert.Null(journal.Mismatch(same, journal.PartSize, journal.PartCount, ChecksumAlgorithm.SHA256));
            Assert.Contains("size", journal.Mismatch(new SourceFingerprint(1, same.LastModified, same.ETag, same.Head, same.Tail), journal.PartSize, journal.PartCount, ChecksumAlgorithm.SHA256));
            Assert.Contains("modification time", journal.Mismatch(new SourceFingerprint(same.Length, same.LastModified!.Value.AddSeconds(1), same.ETag, same.Head, same.Tail), journal.PartSize, journal.PartCount, ChecksumAlgorithm.SHA256));
            Assert.Contains("first or last bytes", journal.Mismatch(new SourceFingerprint(same.Length, same.LastModified, same.ETag, "FF", same.Tail), journal.PartSize, journal.PartCount, ChecksumAlgorithm.SHA256));
            Assert.Contains("part size", journal.Mismatch(same, 1024, journal.PartCount, ChecksumAlgorithm.SHA256));
            Assert.Contains("algorithm", journal.Mismatch(same, journal.PartSize, journal.PartCount, ChecksumAlgorithm.CRC32C));
        }

        [Theory]
        [InlineData("")]
        [InlineData("something else\n")]
        [InlineData("streamfiles-resume 1\nlength 5\n")]
        [InlineData("streamfiles-resume 1\nlength x\nend\n")]
        public void DamagedJournalsAreIgnoredWithAReason(string text)
        {
            string path = _dir.File("bad.journal");
            File.WriteAllText(path, text);
            Assert.Null(ResumeJournal.TryLoad(path, out string? problem));
            Assert.NotNull(problem);
        }

        [Fact]
        public void TruncatedCopiesOfARealJournalAreRejected()
        {
            string path = _dir.File("j.journal");
            Sample().Save(path);
            string full = File.ReadAllText(path);
            File.WriteAllText(path, full.Substring(0, full.Length - 5));
            Assert.Null(ResumeJournal.TryLoad(path, out _));
        }

        [Fact]
        public void FileDestinationsKeepTheJournalNextToThePartialFile()
        {
            Assert.Equal("/data/x.bin.partial.journal", ResumeJournal.PathFor(Location.Parse("/data/x.bin")));
            string s3 = ResumeJournal.PathFor(Location.Parse("s3://b/k"));
            Assert.EndsWith(".journal", s3, StringComparison.Ordinal);
            Assert.Contains("StreamFiles", s3, StringComparison.Ordinal);
        }
    }
}
