using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Resume;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Tests.Transfers.Support;
using StreamFiles.Core.Transfers;
using Xunit;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// A download to a local file checks the object's ETag against the bytes read back from the .partial file, not the
    /// bytes that came over the network: so it also catches bytes damaged on their way to the disk, and it covers
    /// the parts an earlier run wrote.
    /// </summary>
    public sealed class S3ReadBackCheckTests : IDisposable
    {
        private const long MiB = 1024 * 1024;
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();

        public void Dispose()
        {
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        private string S3(string key) => "s3://" + S3TestServer.Bucket + "/" + _prefix + key;

        private static StorageRegistry Registry(IStorage destination) =>
            StorageRegistry.CreateDefault().Register(LocationKind.S3, S3TestServer.Storage()).Register(LocationKind.FileSystem, destination);

        /// <summary>Uploads a random file in four 5 MiB parts (the last one short).</summary>
        private async Task<string> UploadAsync(string name, int seed)
        {
            string path = _temp.RandomFile(name, (17 * MiB) + 3, seed: seed);
            await S3TestTransfers.UploadAsync(S3TestServer.Storage(), path, new StreamFiles.Core.Locations.S3Location(S3TestServer.Bucket, _prefix + name), partSize: 5 * MiB);
            return path;
        }

        [S3Fact]
        public async Task ABitFlippedOnItsWayToTheDiskFailsTheETagCheck()
        {
            // The bytes arrive intact (their CRC32C is right); the write of part 2 damages one of them.
            await UploadAsync("disk.bin", seed: 31);
            var destination = new FaultyStorage { CorruptWriteAt = (6 * MiB) + 17 };
            string back = _temp.File("back-disk.bin");

            var run = S3TransferTests.Run(TransferDirection.Receive, back, new[] { S3("disk.bin") }, registry: Registry(destination));

            CommandError error = Assert.Single(run.Errors);
            Assert.Equal("VerifyFailed", error.Condition);
            Assert.Contains("S3 ETag", error.Message);
            Assert.False(File.Exists(back));
            Assert.False(File.Exists(back + ".partial"));
        }

        [S3Fact]
        public async Task AResumedDownloadChecksThePartsOfTheEarlierRunAgainstTheETag()
        {
            string path = await UploadAsync("resumed.bin", seed: 32);
            string back = _temp.File("back-resumed.bin");
            var options = new TransferOptions(concurrency: 1, resume: true);

            // The first run writes parts 1 and 2, then its disk fails: the .partial and its journal stay.
            var failing = new FaultyStorage { FailWriteAfter = (10 * MiB) + 1 };
            Assert.Single(S3TransferTests.Run(TransferDirection.Receive, back, new[] { S3("resumed.bin") }, options, registry: Registry(failing)).Errors);
            string journalPath = back + ".partial" + ResumeJournal.Suffix;
            ResumeJournal journal = ResumeJournal.TryLoad(journalPath, out string? problem) ?? throw new InvalidOperationException(problem);
            Assert.Equal(new[] { 1, 2 }, journal.Parts.Select(p => p.Number));

            // A byte of part 1 changes on disk, and the journal's CRC32C of the part with it (a journal that cannot
            // tell): only a check of the whole object's bytes can notice.
            byte[] part1 = new byte[5 * MiB];
            using (var partial = new FileStream(back + ".partial", FileMode.Open, FileAccess.ReadWrite))
            {
                partial.ReadExactly(part1);
                part1[MiB] ^= 0x40;
                partial.Position = MiB;
                partial.WriteByte(part1[MiB]);
            }

            string forged = CrcCombine.ToHex(ChecksumAlgorithm.CRC32C, Crc32.Compute(part1, castagnoli: true));
            var parts = journal.Parts.Select(p => p.Number == 1 ? new PartReceipt(1, p.Offset, p.Length, forged, p.Tag) : p);
            new ResumeJournal(journal.Source, journal.Fingerprint, journal.PartSize, journal.PartCount, journal.Algorithm, journal.PartAlgorithm, journal.ResumeToken, parts)
                .Save(journalPath);

            // The rerun keeps parts 1 and 2 (their CRCs match), fetches 3 and 4, and the ETag check fails the file.
            var rerun = S3TransferTests.Run(TransferDirection.Receive, back, new[] { S3("resumed.bin") }, options, registry: Registry(new FaultyStorage()));
            CommandError error = Assert.Single(rerun.Errors);
            Assert.Equal("VerifyFailed", error.Condition);
            Assert.Contains("S3 ETag", error.Message);
            Assert.False(File.Exists(back));
            Assert.False(File.Exists(back + ".partial"));
            Assert.False(File.Exists(journalPath));

            // Started over, the download completes with the object's bytes.
            var clean = S3TransferTests.Run(TransferDirection.Receive, back, new[] { S3("resumed.bin") }, options, registry: Registry(new FaultyStorage()));
            Assert.Empty(clean.Errors);
            Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(back));
        }
    }
}
