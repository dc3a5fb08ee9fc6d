using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.S3;
using Amazon.S3.Model;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using ChecksumAlgorithm = StreamFiles.Core.Hashing.ChecksumAlgorithm;
using S3Location = StreamFiles.Core.Locations.S3Location;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// One object being uploaded: a single PutObject when the plan has one part, otherwise a multipart upload whose
    /// id is the resume token. Each part is first read to compute its headers (the x-amz-checksum-* value, and
    /// Content-MD5 over HTTPS), then read as the request body; over plain HTTP the SDK reads it once more to sign its
    /// SHA256, which the store recomputes. Every reading is checked against the first one's CRC32C, so bytes that
    /// change between them fail the part. Nothing holds a whole part in memory.
    /// After CompleteMultipartUpload the object's ETag (and checksum, where the store keeps one) is compared with
    /// the one computed from the parts sent.
    /// </summary>
    internal sealed class S3ObjectWriter : IObjectWriter, IPartUploader
    {
        /// <summary>How long a stopped upload may still take to start or to be aborted, so that the store keeps no upload nobody knows of.</summary>
        private static readonly TimeSpan CleanupGrace = TimeSpan.FromSeconds(5);

        /// <summary>How long one try of an abort with a time limit waits for its answer before it is made again.</summary>
        private static readonly TimeSpan AbortAnswerWithin = TimeSpan.FromSeconds(3);

        /// <summary>The tries of such an abort that may go unanswered before it is given up (TimeoutException).</summary>
        private const int AbortSilentAttempts = 4;

        private readonly S3Storage _storage;
        private readonly S3Client _client;
        private readonly S3Location _destination;
        private readonly WriteRequest _request;
        private readonly ConcurrentDictionary<int, SentPart> _sent = new ConcurrentDictionary<int, SentPart>();

        /// <summary>Parts the store held when this upload was resumed that no journal entry confirmed (see UploadPartAsync).</summary>
        private readonly ConcurrentDictionary<int, PartDetail> _unconfirmed = new ConcurrentDictionary<int, PartDetail>();
        private string? _uploadId;
        private string? _singleETag;

        /// <summary>
        /// The writer was opened trusting If-None-Match, so it did not look for an object under the key. Another upload's
        /// NotImplemented may end that trust before this one's PutObject, which then looks first (a lost race replaced an
        /// object written since the listing).
        /// </summary>
        private bool _lookedNoFurther;

        private S3ObjectWriter(S3Storage storage, S3Client client, S3Location destination, WriteRequest request, string? uploadId)
        {
            _storage = storage;
            _client = client;
            _destination = destination;
            _request = request;
            _uploadId = uploadId;
        }

        public string? ResumeToken => _uploadId;

        private bool Multipart => !_request.Plan.IsSingleRequest;

        /// <summary>
        /// A single PutObject of a key the batch found absent: sent with If-None-Match: *, so the store itself refuses
        /// to replace an object written since, instead of a HEAD before it (one request less per new file). It needs
        /// the MD5 of the bytes sent: a retried PUT whose first answer was lost meets its own object.
        /// </summary>
        private bool Conditional => !_request.Overwrite && _request.SeenAbsent && !Multipart && Mode != S3ChecksumMode.WhenSupported && !_client.ConditionalPutUnsupported;

        /// <summary>
        /// Amazon S3 or an https:// endpoint: the payload may go unsigned (as the aws cli sends it), with Content-MD5
        /// for the store to check. Over plain HTTP the SDK refuses that, so the payload is signed with its SHA256.
        /// </summary>
        private bool Https => _client.Endpoint is null || _client.Endpoint.StartsWith("https:", StringComparison.OrdinalIgnoreCase);

        private S3ChecksumMode Mode => _client.Connection.ChecksumMode;

        /// <summary>
        /// The algorithm of the SDK's trailing checksums. Its managed code has CRC32, SHA1 and SHA256; CRC32C would
        /// need the AWS Common Runtime package, so CRC32 stands in for it.
        /// </summary>
        private Amazon.S3.ChecksumAlgorithm TrailerAlgorithm =>
            _storage.PartChecksum == ChecksumAlgorithm.CRC32C ? Amazon.S3.ChecksumAlgorithm.CRC32 : ToSdk(_storage.PartChecksum);

        private ChecksumAlgorithm? HeaderChecksum => Mode == S3ChecksumMode.Auto ? _storage.PartChecksum : (ChecksumAlgorithm?)null;

        public static async Task<S3ObjectWriter> OpenAsync(S3Storage storage, S3Client client, S3Location destination, WriteRequest request, CancellationToken cancellationToken)
        {
            storage.Writing(destination);
            var writer = new S3ObjectWriter(storage, client, destination, request, null);
            if (!request.Overwrite && !writer.Conditional && await ExistsAsync(storage, client, destination, cancellationToken).ConfigureAwait(false))
            {
                throw new DestinationExistsException(destination.Display);
            }

            writer._lookedNoFurther = !request.Overwrite && writer.Conditional;

            if (!string.IsNullOrEmpty(request.AbandonedToken) && request.AbandonedToken != request.ResumeToken)
            {
                await writer.AbandonAsync(request.AbandonedToken!, cancellationToken).ConfigureAwait(false);
            }

            if (request.Plan.IsSingleRequest)
            {
                return writer;
            }

            if (request.Resume && !string.IsNullOrEmpty(request.ResumeToken) && await writer.UploadExistsAsync(request.ResumeToken!, cancellationToken).ConfigureAwait(false))
            {
                writer._uploadId = request.ResumeToken;
                return writer;
            }

            var create = new InitiateMultipartUploadRequest { BucketName = destination.Bucket, Key = destination.Key };
            create.ContentType = storage.ContentTypeOf(destination.Key);

            writer.AddMetadata(create.Metadata);
            create.Metadata[S3Storage.PartSizeMetadataKey] = request.Plan.PartSize.ToString(CultureInfo.InvariantCulture);
            if (writer.HeaderChecksum is ChecksumAlgorithm algorithm)
            {
                create.ChecksumAlgorithm = ToSdk(algorithm);
            }
            else if (writer.Mode == S3ChecksumMode.WhenSupported)
            {
                create.ChecksumAlgorithm = writer.TrailerAlgorithm;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                // A stop (Ctrl+C, SIGTERM) gives a request in flight a few seconds to finish instead of throwing its
                // response away: the store may already have started the upload, and only its id lets it be aborted.
                using var grace = new Transfers.StopGrace(cancellationToken, CleanupGrace);
                var created = await S3StoreRetry.RunAsync(() => client.Client.InitiateMultipartUploadAsync(create, grace.Token), cancellationToken).ConfigureAwait(false);
                writer._uploadId = created.UploadId;
            }
            catch (Exception e) when (!(e is OperationCanceledException) && !storage.IsTransient(e))
            {
                throw writer.Fail(e, "start multipart upload of");
            }

            try
            {
                request.UploadStarted?.Invoke(writer._uploadId);
                cancellationToken.ThrowIfCancellationRequested();
                await writer.AbortLostUploadsAsync(clock.Elapsed, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped before the caller has the writer (and so before any journal names the upload): nobody
                // else could abort it.
                using var cleanup = new CancellationTokenSource(CleanupGrace);
                try
                {
                    await AbortUploadAsync(client, destination, writer._uploadId!, cleanup.Token).ConfigureAwait(false);
                    request.UploadRemoved?.Invoke();
                }
                catch (Exception e) when (!(e is OutOfMemoryException))
                {
                    // Out of time, or refused: the journal names it for the next run, and the store's lifecycle rule
                    // applies until then.
                }

                throw;
            }

            return writer;
        }


        /// <summary>
        /// A CreateMultipartUpload whose response was lost (a reset or a stall after the store acted) is retried by
        /// the SDK, and the store then holds an upload nobody knows the id of: billed storage for every part it ever
        /// gets, and a stray entry in ListMultipartUploads. Any other upload of the same key that the store started
        /// while this request was being made (by the store's clock, between this request's start and its own
        /// upload's) is such an orphan and is aborted. Best effort: a store or a policy that does not allow listing
        /// uploads leaves them to a lifecycle rule.
        /// </summary>
        private async Task AbortLostUploadsAsync(TimeSpan requestTime, CancellationToken cancellationToken)
        {
            List<MultipartUpload> uploads;
            try
            {
                // A stop lets the listing finish rather than cutting it: .NET's HttpClient, when a request is cancelled
                // while the rest of its chunked answer is drained for the connection's reuse, fails the drain
                // (NullReferenceException) and the next request on that connection, the abort the stop makes, gets no
                // answer (a probe: 7 stops in 40 at the start of an upload took the 10 s the abort is given).
                using var grace = new Transfers.StopGrace(cancellationToken, CleanupGrace);
                uploads = await ListUploadsOfKeyAsync(grace.Token).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                return; // cleanup only; the upload itself is fine
            }

            DateTime? ours = uploads.FirstOrDefault(u => u.UploadId == _uploadId)?.Initiated;
            if (ours is null)
            {
                return;
            }

            // Initiated has a resolution of a second on some stores: allow one on either side. Each orphan on its own:
            // one that cannot be aborted does not keep the others.
            DateTime from = ours.Value - requestTime - TimeSpan.FromSeconds(1);
            foreach (MultipartUpload lost in uploads.Where(u => u.UploadId != _uploadId && u.Initiated is DateTime at && at >= from && at <= ours.Value + TimeSpan.FromSeconds(1)))
            {
                try
                {
                    await AbortUploadAsync(lost.UploadId, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is OperationCanceledException))
                {
                    // Left to a lifecycle rule, like a store or a policy that does not allow listing uploads.
                }
            }
        }

        private async Task<List<MultipartUpload>> ListUploadsOfKeyAsync(CancellationToken cancellationToken)
        {
            var listed = await S3StoreRetry.RunAsync(
                _client,
                answer => _client.Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _destination.Bucket, Prefix = _destination.Key }, answer),
                cancellationToken).ConfigureAwait(false);
            return (listed.MultipartUploads ?? new List<MultipartUpload>()).Where(u => u.Key == _destination.Key).ToList();
        }

        public async Task<PartReceipt> UploadPartAsync(PartContent content, CancellationToken cancellationToken)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }

            PartSpec part = content.Part;
            S3PartHash? hash = null;
            _unconfirmed.TryRemove(part.Number, out PartDetail? stored);
            if (Mode != S3ChecksumMode.WhenSupported)
            {
                using Stream window = await content.OpenAsync(cancellationToken).ConfigureAwait(false);
                hash = await S3PartHash.ComputeAsync(window, HeaderChecksum, md5: Https || stored != null || Conditional, cancellationToken).ConfigureAwait(false);
                if (part.Length >= 0 && hash.Length != part.Length)
                {
                    throw new SourceChangedException(_request.Source.Location.Display, $"{part} had {hash.Length} bytes instead of {part.Length}");
                }

                // The store already holds this part with these very bytes (same size, its ETag the MD5 of what was just
                // read): an earlier run sent it but was killed, or lost the response, before its journal said so.
                string? storedETag = S3Tags.Unquote(stored?.ETag);
                if (stored != null && (stored.Size ?? -1) == hash.Length && S3Tags.IsMd5(storedETag) && string.Equals(storedETag, hash.Md5Hex, StringComparison.OrdinalIgnoreCase))
                {
                    _sent[part.Number] = new SentPart(storedETag!, ChecksumOf(stored) ?? hash.Checksum);
                    return new PartReceipt(part.Number, part.Offset, hash.Length, hash.Checksum is null ? null : Hex.Encode(hash.Checksum), storedETag, foundStored: true);
                }
            }

            string etag;
            // A body that finds its source changed cancels the request as it fails: HttpClient reports what a body
            // throws as a request error, which the SDK would retry, reading and sending the changed file again.
            using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using (S3PartBody body = await S3PartBody.OpenAsync(content, hash?.Length ?? part.Length, hash?.Crc32c, _request.Source.Location.Display, verifyBeforeEnd: !Multipart, abandon, cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    etag = Multipart
                        ? await UploadPartAsync(part, body, hash, abandon.Token).ConfigureAwait(false)
                        : await PutObjectAsync(part, body, hash, abandon.Token).ConfigureAwait(false);
                }
                catch (Exception) when (body.SourceChange is SourceChangedException changed)
                {
                    throw changed;
                }
                catch (Exception e) when (Changed(e) is SourceChangedException changed)
                {
                    throw changed; // the SDK may wrap what the body threw
                }
                catch (Exception e) when (!(e is OperationCanceledException) && !(e is CommandFailureException) && !(e is DestinationExistsException) && (!_storage.IsTransient(e) || TrailerRejected(e)))
                {
                    throw Fail(e, Multipart ? $"upload {part} of" : "upload");
                }
            }

            if (hash?.Md5Hex != null && S3Tags.IsMd5(etag) && !string.Equals(etag, hash.Md5Hex, StringComparison.OrdinalIgnoreCase))
            {
                throw new CommandFailureException(new CommandError(
                    "S3ChecksumMismatch",
                    FailureCategory.InvalidData,
                    _destination.Display,
                    $"upload {part} of {_destination.Display}: the store's ETag {etag} is not the MD5 {hash.Md5Hex} of the bytes sent."));
            }

            _sent[part.Number] = new SentPart(etag, hash?.Checksum);
            if (!Multipart)
            {
                _singleETag = etag;
            }

            return new PartReceipt(part.Number, part.Offset, hash?.Length ?? part.Length, hash?.Checksum is null ? null : Hex.Encode(hash.Checksum), etag);
        }

        public async Task<IReadOnlyList<PartReceipt>> ConfirmPartsAsync(IReadOnlyList<PartReceipt> journaled, CancellationToken cancellationToken)
        {
            if (!Multipart || _uploadId is null || !_request.Resume)
            {
                return Array.Empty<PartReceipt>();
            }

            Dictionary<int, PartDetail> stored = await ListPartsAsync(_uploadId, cancellationToken).ConfigureAwait(false);
            var confirmed = new List<PartReceipt>();
            foreach (PartReceipt receipt in journaled)
            {
                if (stored.TryGetValue(receipt.Number, out PartDetail? detail)
                    && (detail.Size ?? -1) == receipt.Length
                    && string.Equals(S3Tags.Unquote(detail.ETag), S3Tags.Unquote(receipt.Tag), StringComparison.Ordinal))
                {
                    _sent[receipt.Number] = new SentPart(S3Tags.Unquote(detail.ETag)!, ChecksumOf(detail));
                    confirmed.Add(receipt);
                    stored.Remove(receipt.Number);
                }
            }

            // The rest may still be whole parts the journal missed; UploadPartAsync checks each against the source.
            foreach (KeyValuePair<int, PartDetail> left in stored)
            {
                _unconfirmed[left.Key] = left.Value;
            }

            return confirmed;
        }

        public async Task CommitAsync(IReadOnlyList<PartReceipt> parts, CancellationToken cancellationToken)
        {
            if (parts is null)
            {
                throw new ArgumentNullException(nameof(parts));
            }

            if (!Multipart)
            {
                // The single PutObject already made the object, atomically; its ETag was checked against the MD5 sent.
                if (_singleETag is null)
                {
                    throw new InvalidOperationException("CommitAsync before the object's only part was uploaded.");
                }

                return;
            }

            var ordered = parts.OrderBy(p => p.Number).ToList();
            var complete = new CompleteMultipartUploadRequest { BucketName = _destination.Bucket, Key = _destination.Key, UploadId = _uploadId };
            var partETags = new List<string>();
            var partChecksums = new List<byte[]>();
            foreach (PartReceipt receipt in ordered)
            {
                string etag = _sent.TryGetValue(receipt.Number, out SentPart? sent) ? sent.ETag : S3Tags.Unquote(receipt.Tag) ?? throw new InvalidOperationException($"part {receipt.Number} has no ETag");
                var entry = new PartETag { PartNumber = receipt.Number, ETag = S3Tags.Quote(etag) };
                byte[]? checksum = sent?.Checksum;
                if (checksum != null && HeaderChecksum is ChecksumAlgorithm algorithm)
                {
                    SetChecksum(entry, algorithm, Convert.ToBase64String(checksum));
                    partChecksums.Add(checksum);
                }

                partETags.Add(etag);
                complete.PartETags ??= new List<PartETag>();
                complete.PartETags.Add(entry);
            }

            if (!_request.Overwrite && await ExistsAsync(_storage, _client, _destination, cancellationToken).ConfigureAwait(false))
            {
                throw new DestinationExistsException(_destination.Display);
            }

            // The HEAD above leaves a moment in which another writer's object could be replaced: where the store
            // supports it (Amazon S3, R2; Ceph RGW ignores it), the Complete itself is refused then (a probe).
            if (!_request.Overwrite && !_client.ConditionalPutUnsupported)
            {
                complete.IfNoneMatch = "*";
            }

            CompleteMultipartUploadResponse? completed = null;
            try
            {
                completed = await S3StoreRetry.RunAsync(
                    async () =>
                    {
                        try
                        {
                            return await _client.Client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
                        }
                        catch (AmazonS3Exception e) when (complete.IfNoneMatch != null && (e.StatusCode == System.Net.HttpStatusCode.NotImplemented || e.ErrorCode == "NotImplemented"))
                        {
                            // A store without conditional writes: completed as before, at once (a 501 is no reason to
                            // wait and ask again), and asked no more.
                            _client.ConditionalPutUnsupported = true;
                            complete.IfNoneMatch = null;
                            return await _client.Client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (complete.IfNoneMatch != null && e.StatusCode == System.Net.HttpStatusCode.PreconditionFailed)
            {
                // An object is under the key: another writer's, or this upload's own, completed by a try whose answer
                // was lost. The object's ETag, made from these parts, says which.
                if (!await CompletedAlreadyAsync(partETags, cancellationToken).ConfigureAwait(false))
                {
                    throw new DestinationExistsException(_destination.Display, e);
                }
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchUpload")
            {
                // An earlier try completed the upload but its response was lost, and the retry found no upload: fine
                // when the object under the key is the one these parts make.
                if (!await CompletedAlreadyAsync(partETags, cancellationToken).ConfigureAwait(false))
                {
                    throw Fail(e, "complete multipart upload of");
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // A stop whose grace ran out while the store was completing: the store may finish it anyway (a probe: the
                // object was replaced, the run said Interrupted and then aborted an upload that was no more). The key
                // says which, asked within the cleanup's grace.
                using var settle = new CancellationTokenSource(CleanupGrace);
                if (!await CompletedAlreadyAsync(partETags, settle.Token).ConfigureAwait(false))
                {
                    throw;
                }

                return;
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                // An answer that could not be read (damaged on its way, cut short, or never come: still so after the
                // retries) may hide a completion: found by probes, the object was there and the run failed (with
                // S3RequestFailed, or WriteError after connection resets), then DestinationExists on a rerun.
                // An error the store named (an error code) is its answer, and stands.
                if (e is AmazonS3Exception { ErrorCode.Length: > 0 } || !await CompletedAlreadyAsync(partETags, cancellationToken).ConfigureAwait(false))
                {
                    if (!_storage.IsTransient(e) || S3Errors.IsUnreadableAnswer(e))
                    {
                        throw Fail(e, "complete multipart upload of");
                    }

                    throw;
                }
            }

            await VerifyAsync(partETags, partChecksums.Count == ordered.Count ? partChecksums : null, S3Tags.Unquote(completed?.ETag), cancellationToken).ConfigureAwait(false);
        }

        public async Task AbortAsync(bool keepForResume, CancellationToken cancellationToken)
        {
            if (!Multipart || _uploadId is null || keepForResume)
            {
                return;
            }

            await AbortUploadAsync(_uploadId, cancellationToken).ConfigureAwait(false);
            _uploadId = null;
        }

        public void Dispose()
        {
        }

        /// <summary>Whether the object under the key is the one the parts make (its size and multipart ETag).</summary>
        private async Task<bool> CompletedAlreadyAsync(IReadOnlyList<string> partETags, CancellationToken cancellationToken)
        {
            try
            {
                GetObjectMetadataResponse? head = await HeadOrNullAsync(cancellationToken).ConfigureAwait(false);
                return head != null
                    && (!_request.Source.Length.HasValue || head.ContentLength == _request.Source.Length.Value)
                    && string.Equals(S3Tags.Unquote(head.ETag), S3Tags.MultipartETag(partETags), StringComparison.Ordinal);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                return false;
            }
        }

        /// <summary>
        /// Aborts the multipart upload of an earlier run whose journal this run drops. Best effort: a failure here
        /// must not fail the new upload, which is what the user asked for.
        /// </summary>
        private async Task AbandonAsync(string uploadId, CancellationToken cancellationToken)
        {
            try
            {
                await AbortUploadAsync(uploadId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                // Left for the store's lifecycle rule; the new upload goes on.
            }
        }

        /// <summary>
        /// Aborts one upload. Cleanup must outlast a store that is shedding load (SlowDown, 503) or a response lost on
        /// the way back beyond the SDK's own retries, or the upload would stay behind, billed, until a lifecycle rule
        /// removes it. NoSuchUpload means it is already gone (an earlier attempt whose response was lost, or someone
        /// else): nothing is left to clean up.
        /// </summary>
        private Task AbortUploadAsync(string uploadId, CancellationToken cancellationToken) =>
            AbortUploadAsync(_client, _destination, uploadId, cancellationToken);

        internal static async Task AbortUploadAsync(S3Client client, S3Location destination, string uploadId, CancellationToken cancellationToken)
        {
            try
            {
                // With a time limit (the cleanup after a stop), a try that gets no answer within a few seconds is made
                // again: another request in that moment may have left its pooled connection unable to deliver one
                // (the .NET drain failure above), and the next try takes another connection. Aborting twice is safe.
                await S3StoreRetry.RunAsync(
                    answer => client.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = destination.Bucket, Key = destination.Key, UploadId = uploadId }, answer),
                    cancellationToken.CanBeCanceled ? AbortAnswerWithin : (TimeSpan?)null,
                    silentAttempts: AbortSilentAttempts,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchUpload")
            {
            }
        }

        private async Task<string> PutObjectAsync(PartSpec part, Stream body, S3PartHash? hash, CancellationToken cancellationToken)
        {
            var put = new PutObjectRequest
            {
                BucketName = _destination.Bucket,
                Key = _destination.Key,
                InputStream = body,
                AutoCloseStream = false,
                AutoResetStreamPosition = false,
                UseChunkEncoding = true,
            };
            put.Headers.ContentLength = hash?.Length ?? part.Length;
            put.ContentType = _storage.ContentTypeOf(_destination.Key);

            AddMetadata(put.Metadata);
            if (hash != null)
            {
                put.UseChunkEncoding = false;
                put.DisableDefaultChecksumValidation = true;
                put.MD5Digest = hash.Md5Base64;
                put.DisablePayloadSigning = Https;
                if (HeaderChecksum is ChecksumAlgorithm algorithm && hash.ChecksumBase64 != null)
                {
                    SetChecksum(put, algorithm, hash.ChecksumBase64);
                }
            }
            else
            {
                put.ChecksumAlgorithm = TrailerAlgorithm;
            }

            bool conditional = Conditional && hash?.Md5Hex != null;
            if (conditional)
            {
                put.IfNoneMatch = "*";
            }
            else if (_lookedNoFurther)
            {
                if (await ExistsAsync(_storage, _client, _destination, cancellationToken).ConfigureAwait(false))
                {
                    throw new DestinationExistsException(_destination.Display);
                }

                _lookedNoFurther = false;
            }

            try
            {
                var response = await _client.Client.PutObjectAsync(put, cancellationToken).ConfigureAwait(false);
                return S3Tags.Unquote(response.ETag) ?? string.Empty;
            }
            catch (AmazonS3Exception e) when (conditional && e.StatusCode == System.Net.HttpStatusCode.PreconditionFailed)
            {
                // An object is under the key: written since the batch listed the destination, or by this very PUT, whose
                // answer was lost and which the SDK sent again. Its ETag (the MD5 of one PUT's bytes) says which, or,
                // where the ETag is not an MD5 (SSE-KMS), the checksum header that went with the bytes; and the
                // metadata sent with them, as the same bytes written by another tool are its object, not this upload
                // (a probe: reported completed, without the mtime the docs promise).
                GetObjectMetadataResponse? stored = await HeadOrNullAsync(cancellationToken).ConfigureAwait(false);
                string? storedETag = S3Tags.Unquote(stored?.ETag);
                if (stored != null && SameMetadata(put.Metadata, stored.Metadata) && (string.Equals(storedETag, hash!.Md5Hex, StringComparison.OrdinalIgnoreCase)
                    || (HeaderChecksum is ChecksumAlgorithm algorithm && hash.ChecksumBase64 != null && string.Equals(StoredChecksum(stored, algorithm), hash.ChecksumBase64, StringComparison.Ordinal))))
                {
                    return storedETag ?? string.Empty;
                }

                throw new DestinationExistsException(_destination.Display, e);
            }
            catch (AmazonS3Exception e) when (conditional && (e.StatusCode == System.Net.HttpStatusCode.NotImplemented || e.ErrorCode == "NotImplemented"))
            {
                // A store without conditional writes: it is asked with a HEAD, now and for its later uploads, and this
                // part is sent again without the header (NotImplemented is a 5xx, which the engine retries).
                _client.ConditionalPutUnsupported = true;
                if (await ExistsAsync(_storage, _client, _destination, cancellationToken).ConfigureAwait(false))
                {
                    throw new DestinationExistsException(_destination.Display, e);
                }

                _lookedNoFurther = false;
                throw;
            }
        }

        /// <summary>Whether the object's user metadata holds every entry that was sent (x-amz-meta-mtime).</summary>
        private static bool SameMetadata(MetadataCollection sent, MetadataCollection? stored) =>
            sent.Keys.All(key => stored != null && string.Equals(stored[key], sent[key], StringComparison.Ordinal));

        /// <summary>The HEAD of the object under the key, with its stored checksums; null when there is none.</summary>
        private async Task<GetObjectMetadataResponse?> HeadOrNullAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await S3StoreRetry.RunAsync(
                    _client,
                    answer => _client.Client.GetObjectMetadataAsync(S3Storage.Head(_client, _destination), answer),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (S3Errors.IsNotFound(e))
            {
                return null;
            }
        }

        private async Task<string> UploadPartAsync(PartSpec part, Stream body, S3PartHash? hash, CancellationToken cancellationToken)
        {
            var upload = new UploadPartRequest
            {
                BucketName = _destination.Bucket,
                Key = _destination.Key,
                UploadId = _uploadId,
                PartNumber = part.Number,
                PartSize = hash?.Length ?? part.Length,
                InputStream = body,
                UseChunkEncoding = true,
                IsLastPart = part.Number == _request.Plan.PartCount,
            };
            if (hash != null)
            {
                upload.UseChunkEncoding = false;
                upload.DisableDefaultChecksumValidation = true;
                upload.MD5Digest = hash.Md5Base64;
                upload.DisablePayloadSigning = Https;
                if (HeaderChecksum is ChecksumAlgorithm algorithm && hash.ChecksumBase64 != null)
                {
                    SetChecksum(upload, algorithm, hash.ChecksumBase64);
                }
            }
            else
            {
                upload.ChecksumAlgorithm = TrailerAlgorithm;
            }

            var response = await _client.Client.UploadPartAsync(upload, cancellationToken).ConfigureAwait(false);
            return S3Tags.Unquote(response.ETag) ?? string.Empty;
        }

        /// <summary>
        /// Compares what the store says it assembled with what was sent; a mismatch removes the object. An object with
        /// another ETag than the completion's (or, its answer lost, than these parts make) is another writer's, written
        /// just after: it is left as it is (a probe: it was deleted, as if this upload had assembled it wrong).
        /// </summary>
        private async Task VerifyAsync(IReadOnlyList<string> partETags, IReadOnlyList<byte[]>? partChecksums, string? completedETag, CancellationToken cancellationToken)
        {
            GetObjectMetadataResponse head;
            try
            {
                head = await S3StoreRetry.RunAsync(
                    _client,
                    answer => _client.Client.GetObjectMetadataAsync(S3Storage.Head(_client, _destination), answer),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException) && !_storage.IsTransient(e))
            {
                throw Fail(e, "check the uploaded");
            }

            string? problem = null;
            string? stored = S3Tags.Unquote(head.ETag);
            string expected = S3Tags.MultipartETag(partETags);
            if (!string.IsNullOrEmpty(stored) && !string.Equals(stored, string.IsNullOrEmpty(completedETag) ? expected : completedETag, StringComparison.Ordinal))
            {
                throw new DestinationExistsException(_destination.Display);
            }
            if (head.ContentLength != _request.Source.Length && _request.Source.Length.HasValue)
            {
                problem = $"it holds {head.ContentLength} bytes, not {_request.Source.Length}";
            }
            else if (S3Tags.PartCount(stored) is int count && S3Tags.IsMd5(stored!.Substring(0, stored.LastIndexOf('-'))) && !string.Equals(stored, expected, StringComparison.Ordinal))
            {
                problem = count == partETags.Count
                    ? $"its ETag is {stored}, not {expected} as computed from the parts sent"
                    : $"its ETag says {count} parts, but {partETags.Count} were sent";
            }
            else if (partChecksums != null && HeaderChecksum is ChecksumAlgorithm algorithm && StoredChecksum(head, algorithm) is string storedChecksum
                && storedChecksum.EndsWith("-" + partChecksums.Count, StringComparison.Ordinal))
            {
                string composite = S3Tags.CompositeChecksum(algorithm, partChecksums);
                if (!string.Equals(storedChecksum, composite, StringComparison.Ordinal))
                {
                    problem = $"its {algorithm} checksum is {storedChecksum}, not {composite} as computed from the parts sent";
                }
            }

            if (problem is null)
            {
                return;
            }

            // Never leave an object that looks whole but is not what was sent.
            try
            {
                await _client.Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _destination.Bucket, Key = _destination.Key }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (AmazonS3Exception)
            {
                // Reported below either way; the message says the object is not trustworthy.
            }

            throw new CommandFailureException(new CommandError(
                "S3ChecksumMismatch",
                FailureCategory.InvalidData,
                _destination.Display,
                $"upload {_destination.Display}: after CompleteMultipartUpload {problem}. The object was deleted; run again."));
        }

        private async Task<Dictionary<int, PartDetail>> ListPartsAsync(string uploadId, CancellationToken cancellationToken)
        {
            var parts = new Dictionary<int, PartDetail>();
            var request = new ListPartsRequest { BucketName = _destination.Bucket, Key = _destination.Key, UploadId = uploadId };
            while (true)
            {
                ListPartsResponse page;
                try
                {
                    page = await _client.Client.ListPartsAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is OperationCanceledException) && !_storage.IsTransient(e))
                {
                    throw Fail(e, "list the uploaded parts of");
                }

                foreach (PartDetail part in page.Parts ?? new List<PartDetail>())
                {
                    if (part.PartNumber is int number)
                    {
                        parts[number] = part;
                    }
                }

                if (page.IsTruncated != true || page.NextPartNumberMarker is null)
                {
                    return parts;
                }

                request.PartNumberMarker = page.NextPartNumberMarker.ToString();
            }
        }

        private async Task<bool> UploadExistsAsync(string uploadId, CancellationToken cancellationToken)
        {
            try
            {
                await _client.Client.ListPartsAsync(
                    new ListPartsRequest { BucketName = _destination.Bucket, Key = _destination.Key, UploadId = uploadId, MaxParts = 1 },
                    cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchUpload" || S3Errors.IsNotFound(e))
            {
                return false;
            }
        }

        private static async Task<bool> ExistsAsync(S3Storage storage, S3Client client, S3Location location, CancellationToken cancellationToken)
        {
            try
            {
                await S3StoreRetry.RunAsync(
                    client,
                    answer => client.Client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = location.Bucket, Key = location.Key }, answer),
                    cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception e) when (S3Errors.IsNotFound(e))
            {
                // A 404 may also mean the bucket is missing: the listing says which, with its error code. Once this
                // command has seen the bucket, that request is spared (one fewer per file of a tree of small files).
                if (!storage.HasSeenBucket(location.Bucket))
                {
                    await S3Storage.ProbeAsync(client, location.Bucket, location.Key, "upload", location.Display, cancellationToken).ConfigureAwait(false);
                    storage.SawBucket(location.Bucket);
                }

                return false;
            }
            catch (AmazonS3Exception e) when (S3Errors.IsAmbiguous(e))
            {
                throw await S3Storage.DiagnoseAsync(client, location, e, "upload", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException) && !S3Errors.IsTransient(e))
            {
                throw new CommandFailureException(S3Errors.Describe(e, "upload", location.Display, client));
            }
        }

        private void AddMetadata(MetadataCollection metadata)
        {
            if (_request.Source.LastModified is DateTimeOffset modified)
            {
                metadata[S3Storage.MtimeMetadataKey] = S3Storage.FormatMtime(modified);
            }
        }

        private static SourceChangedException? Changed(Exception exception)
        {
            for (Exception? e = exception; e != null; e = e.InnerException)
            {
                if (e is SourceChangedException changed)
                {
                    return changed;
                }
            }

            return null;
        }

        /// <summary>
        /// With trailer checksums a store that does not speak them answers with a digest mismatch: that is the setting,
        /// not bytes damaged on the way, and sending the part again cannot help.
        /// </summary>
        private bool TrailerRejected(Exception exception) =>
            Mode == S3ChecksumMode.WhenSupported && exception is AmazonS3Exception s3 && s3.ErrorCode == "XAmzContentSHA256Mismatch";

        private CommandFailureException Fail(Exception exception, string operation) =>
            exception as CommandFailureException ?? new CommandFailureException(S3Errors.Describe(exception, operation, _destination.Display, _client));

        private static string? StoredChecksum(GetObjectMetadataResponse head, ChecksumAlgorithm algorithm) => algorithm switch
        {
            ChecksumAlgorithm.CRC32C => head.ChecksumCRC32C,
            ChecksumAlgorithm.CRC32 => head.ChecksumCRC32,
            ChecksumAlgorithm.SHA256 => head.ChecksumSHA256,
            ChecksumAlgorithm.SHA1 => head.ChecksumSHA1,
            _ => null,
        };

        private byte[]? ChecksumOf(PartDetail part)
        {
            string? base64 = HeaderChecksum switch
            {
                ChecksumAlgorithm.CRC32C => part.ChecksumCRC32C,
                ChecksumAlgorithm.CRC32 => part.ChecksumCRC32,
                ChecksumAlgorithm.SHA256 => part.ChecksumSHA256,
                ChecksumAlgorithm.SHA1 => part.ChecksumSHA1,
                _ => null,
            };
            return string.IsNullOrEmpty(base64) ? null : Convert.FromBase64String(base64);
        }

        private static Amazon.S3.ChecksumAlgorithm ToSdk(ChecksumAlgorithm algorithm) => algorithm switch
        {
            ChecksumAlgorithm.CRC32C => Amazon.S3.ChecksumAlgorithm.CRC32C,
            ChecksumAlgorithm.CRC32 => Amazon.S3.ChecksumAlgorithm.CRC32,
            ChecksumAlgorithm.SHA256 => Amazon.S3.ChecksumAlgorithm.SHA256,
            ChecksumAlgorithm.SHA1 => Amazon.S3.ChecksumAlgorithm.SHA1,
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "not an S3 checksum"),
        };

        private static void SetChecksum(PutObjectRequest request, ChecksumAlgorithm algorithm, string base64)
        {
            switch (algorithm)
            {
                case ChecksumAlgorithm.CRC32C: request.ChecksumCRC32C = base64; break;
                case ChecksumAlgorithm.CRC32: request.ChecksumCRC32 = base64; break;
                case ChecksumAlgorithm.SHA256: request.ChecksumSHA256 = base64; break;
                case ChecksumAlgorithm.SHA1: request.ChecksumSHA1 = base64; break;
            }
        }

        private static void SetChecksum(UploadPartRequest request, ChecksumAlgorithm algorithm, string base64)
        {
            switch (algorithm)
            {
                case ChecksumAlgorithm.CRC32C: request.ChecksumCRC32C = base64; break;
                case ChecksumAlgorithm.CRC32: request.ChecksumCRC32 = base64; break;
                case ChecksumAlgorithm.SHA256: request.ChecksumSHA256 = base64; break;
                case ChecksumAlgorithm.SHA1: request.ChecksumSHA1 = base64; break;
            }
        }

        private static void SetChecksum(PartETag entry, ChecksumAlgorithm algorithm, string base64)
        {
            switch (algorithm)
            {
                case ChecksumAlgorithm.CRC32C: entry.ChecksumCRC32C = base64; break;
                case ChecksumAlgorithm.CRC32: entry.ChecksumCRC32 = base64; break;
                case ChecksumAlgorithm.SHA256: entry.ChecksumSHA256 = base64; break;
                case ChecksumAlgorithm.SHA1: entry.ChecksumSHA1 = base64; break;
            }
        }

        private sealed class SentPart
        {
            public SentPart(string etag, byte[]? checksum)
            {
                ETag = etag;
                Checksum = checksum;
            }

            public string ETag { get; }

            public byte[]? Checksum { get; }
        }
    }
}
