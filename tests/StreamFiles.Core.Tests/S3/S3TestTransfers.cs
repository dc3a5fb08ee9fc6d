using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Amazon.S3;
using GetObjectResponse = Amazon.S3.Model.GetObjectResponse;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// Drives S3Storage through the storage seams the way the transfer engine does (plan, parts in parallel,
    /// commit or abort; ranges written at their offsets), so the backend is tested on its own contract.
    /// </summary>
    internal static class S3TestTransfers
    {
        public sealed class UploadOutcome
        {
            public UploadOutcome(string? token, IReadOnlyList<PartReceipt> parts, TransferPlan plan)
            {
                Token = token;
                Parts = parts;
                Plan = plan;
            }

            public string? Token { get; }

            public IReadOnlyList<PartReceipt> Parts { get; }

            public TransferPlan Plan { get; }
        }

        /// <summary>
        /// Uploads a file. failAfterParts stops after that many parts were accepted and aborts (keeping the
        /// upload when resume is set), as a failed or interrupted run would; journal/token continue such a run.
        /// </summary>
        public static async Task<UploadOutcome> UploadAsync(
            S3Storage storage,
            string path,
            S3Location destination,
            long? partSize = null,
            bool overwrite = true,
            bool resume = false,
            string? token = null,
            IReadOnlyList<PartReceipt>? journal = null,
            int? failAfterParts = null,
            int concurrency = 4)
        {
            var file = new FileInfo(path);
            var source = new ObjectInfo(Location.Parse(file.FullName), file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));
            TransferPlan plan = TransferPlan.Plan(file.Length, partSize, storage.PartLimits, sourceSupportsRanges: true);
            using IObjectWriter writer = await storage.OpenWriterAsync(new WriteRequest(destination, source, plan, overwrite, resume, token), CancellationToken.None);
            var uploader = (IPartUploader)writer;
            var done = new List<PartReceipt>();
            if (journal != null)
            {
                done.AddRange(await writer.ConfirmPartsAsync(journal, CancellationToken.None));
            }

            var todo = new Queue<int>(Enumerable.Range(1, plan.PartCount).Where(n => done.All(p => p.Number != n)));
            int accepted = 0;
            try
            {
                using var gate = new SemaphoreSlim(concurrency);
                var running = new List<Task<PartReceipt>>();
                while (todo.Count > 0)
                {
                    if (failAfterParts.HasValue && accepted >= failAfterParts.Value)
                    {
                        break;
                    }

                    PartSpec part = plan.Part(todo.Dequeue());
                    await gate.WaitAsync();
                    running.Add(Task.Run(async () =>
                    {
                        try
                        {
                            return await uploader.UploadPartAsync(new PartContent(part, _ => Task.FromResult(OpenWindow(path, part))), CancellationToken.None);
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }));
                    accepted++;
                }

                done.AddRange(await Task.WhenAll(running));
                if (failAfterParts.HasValue)
                {
                    throw new IOException("injected failure after " + failAfterParts + " parts");
                }

                await writer.CommitAsync(done, CancellationToken.None);
                return new UploadOutcome(writer.ResumeToken, done, plan);
            }
            catch
            {
                string? kept = writer.ResumeToken;
                await writer.AbortAsync(keepForResume: resume, CancellationToken.None);
                if (failAfterParts.HasValue)
                {
                    return new UploadOutcome(kept, done, plan);
                }

                throw;
            }
        }

        /// <summary>Downloads an object in ranges of rangeSize, written at their offsets, as the engine does.</summary>
        public static async Task DownloadAsync(S3Storage storage, ObjectInfo source, string path, long rangeSize, Func<int, Task>? beforeRange = null)
        {
            long length = source.Length ?? throw new InvalidOperationException("no length");
            using IObjectReader reader = await storage.OpenReadAsync(source, CancellationToken.None);
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
            {
                file.SetLength(length);
            }

            int count = length == 0 ? 1 : (int)((length + rangeSize - 1) / rangeSize);
            await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                if (beforeRange != null)
                {
                    await beforeRange(i);
                }

                long offset = i * rangeSize;
                long take = Math.Min(rangeSize, length - offset);
                using Stream range = await reader.OpenRangeAsync(offset, take, CancellationToken.None);
                using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                file.Position = offset;
                await range.CopyToAsync(file);
                if (file.Position != offset + take)
                {
                    throw new IOException($"range {i} ended at {file.Position}, expected {offset + take}");
                }
            }));
        }

        /// <summary>A read-only window of a file: exactly the part's bytes, from its offset.</summary>
        public static Stream OpenWindow(string path, PartSpec part)
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
            file.Position = part.Offset;
            return new WindowStream(file, part.Length);
        }

        private sealed class WindowStream : Stream
        {
            private readonly Stream _inner;
            private long _left;

            public WindowStream(Stream inner, long length)
            {
                _inner = inner;
                _left = length;
                Length = length;
            }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length { get; }

            public override long Position
            {
                get => Length - _left;
                set => throw new NotSupportedException();
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = _inner.Read(buffer, offset, (int)Math.Min(count, _left));
                _left -= n;
                return n;
            }

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                int n = await _inner.ReadAsync(buffer, offset, (int)Math.Min(count, _left), cancellationToken);
                _left -= n;
                return n;
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _inner.Dispose();
                }

                base.Dispose(disposing);
            }
        }

        /// <summary>The SHA256 of bytes, as upper-case hex (what StoredSha256Async returns).</summary>
        internal static string Sha256Hex(byte[] bytes) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes));

        /// <summary>The SHA256 of an object read straight from the S3 server (not through the proxy), or null when there is none.</summary>
        internal static async Task<string?> StoredSha256Async(string key)
        {
            try
            {
                using GetObjectResponse response = await S3TestServer.Raw.GetObjectAsync(S3TestServer.Bucket, key);
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                byte[] buffer = new byte[256 * 1024];
                int n;
                while ((n = await response.ResponseStream.ReadAsync(buffer)) > 0)
                {
                    sha.AppendData(buffer, 0, n);
                }

                return Convert.ToHexString(sha.GetHashAndReset());
            }
            catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return null;
            }
        }
    }
}
