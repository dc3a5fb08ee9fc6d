using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
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
    /// S3 and S3-compatible stores (Amazon S3, Cloudflare R2, MinIO, Ceph RGW) through AWSSDK.S3's low-level calls:
    /// HEAD, ranged GET, PutObject, multipart upload and ListObjectsV2. The engine owns memory, concurrency,
    /// retries and progress; this class only speaks the protocol and turns its answers into clear errors.
    /// </summary>
    public sealed class S3Storage : IReadableStorage, IWritableStorage, IListableStorage, IStoredDigestStorage, IAbandonedUploads, IDestinationSnapshot
    {
        /// <summary>S3's limits: parts of 5 MiB to 5 GiB (the last may be smaller), at most 10,000 of them.</summary>
        public static readonly PartLimits S3PartLimits = new PartLimits(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024, 10_000);

        /// <summary>The metadata key holding the source's modification time, in rclone's format (seconds since 1970).</summary>
        internal const string MtimeMetadataKey = "mtime";

        /// <summary>
        /// The metadata key holding the part size of a StreamFiles multipart upload: a store that ignores HEAD
        /// ?partNumber= (Ceph RGW) leaves it the only way to know a layout whose size is not a whole MiB.
        /// </summary>
        internal const string PartSizeMetadataKey = "streamfiles-part-size";

        /// <summary>
        /// Objects from one PUT have the MD5 as ETag; they are read as one range (and so checked in flight) up to this
        /// size. Larger ones are read in parallel ranges, and a download to a local file takes the MD5 from the file
        /// written (or the stored whole-object CRC is checked, where the store keeps one).
        /// </summary>
        private const long MaxVerifiedSinglePart = S3ObjectReader.MaxRangeBytes;

        /// <summary>The parts an object of no known part size is checked in when it has a stored whole-object CRC (any size would do).</summary>
        private const long WholeObjectCrcPart = 8L * 1024 * 1024;

        private const int ListHeadConcurrency = 16;

        private readonly S3ClientPool _pool;

        private S3Client? _client;

        /// <summary>Buckets this storage (one command) has seen answer: a later 404 there is about the key, not the bucket.</summary>
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _bucketsSeen = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);

        /// <summary>
        /// Prefixes listed whole for a batch (SnapshotAsync): the keys and the prefixes below them ('a/', 'a/b/') that
        /// existed when the batch began. A new key under one of them is known to be absent without a request.
        /// </summary>
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Bucket, string Prefix), PrefixSnapshot> _snapshots =
            new System.Collections.Concurrent.ConcurrentDictionary<(string Bucket, string Prefix), PrefixSnapshot>();

        /// <summary>
        /// Keys this storage has opened a writer for, which no snapshot answers for any more: a write may start before
        /// the listing is in (its file's stat was made before it), so the snapshot cannot be told at that moment.
        /// </summary>
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Bucket, string Key), bool> _writing =
            new System.Collections.Concurrent.ConcurrentDictionary<(string Bucket, string Key), bool>();

        /// <summary>The keys a snapshot may hold: one ListObjectsV2 page at most.</summary>
        internal const int SnapshotKeys = 1000;

        public S3Storage(S3Connection? connection = null, S3ClientPool? pool = null, ChecksumAlgorithm partChecksum = ChecksumAlgorithm.CRC32C, string? contentType = null)
        {
            if (contentType != null && (contentType.Trim().Length == 0 || contentType.Any(c => c < ' ' || c >= 127)))
            {
                throw new ArgumentException("The content type is empty or has characters other than printable ASCII.", nameof(contentType));
            }

            if (partChecksum != ChecksumAlgorithm.CRC32C && partChecksum != ChecksumAlgorithm.SHA256 && partChecksum != ChecksumAlgorithm.CRC32 && partChecksum != ChecksumAlgorithm.SHA1)
            {
                throw new ArgumentOutOfRangeException(nameof(partChecksum), partChecksum, "S3 part checksums are CRC32C, CRC32, SHA256 or SHA1.");
            }

            Connection = connection ?? new S3Connection();
            _pool = pool ?? S3ClientPool.Shared;
            PartChecksum = partChecksum;
            ContentType = contentType;
        }

        public string Name => "s3";

        public S3Connection Connection { get; }

        /// <summary>The checksum each uploaded part carries (x-amz-checksum-*), besides Content-MD5.</summary>
        public ChecksumAlgorithm PartChecksum { get; }

        /// <summary>Content-Type of uploaded objects; null lets the SDK choose one from the key's extension (as aws s3 cp does).</summary>
        public string? ContentType { get; }

        /// <summary>
        /// The Content-Type an upload to this key is given: ContentType, else the SDK's type for the key's extension
        /// (application/octet-stream for none or an unknown one). Set on both kinds of upload, as the SDK's own choice
        /// differed: a name without an extension was text/plain in one PutObject and binary/octet-stream in parts.
        /// </summary>
        internal string ContentTypeOf(string key)
        {
            if (ContentType != null)
            {
                return ContentType;
            }

            string name = key.Substring(key.LastIndexOf('/') + 1);
            int dot = name.LastIndexOf('.');
            return Amazon.S3.Util.AmazonS3Util.MimeTypeFromExtension(dot <= 0 ? string.Empty : name.Substring(dot));
        }

        public PartLimits PartLimits => S3PartLimits;

        /// <summary>
        /// The pooled client, looked up once per storage (one command), not per request: the pool's lookup reads the
        /// AWS_* environment. Throws S3CredentialsNotFound/S3ProfileNotFound as a CommandFailureException, and a failed
        /// lookup is tried again on the next use.
        /// </summary>
        public S3Client Client => _client ??= _pool.Get(Connection);

        public bool IsTransient(Exception exception) => S3Errors.IsTransient(exception);

        internal bool HasSeenBucket(string bucket) => _bucketsSeen.ContainsKey(bucket);

        internal void SawBucket(string bucket) => _bucketsSeen[bucket] = true;

        public async Task<ObjectInfo?> StatAsync(Location location, CancellationToken cancellationToken)
        {
            S3Location s3 = AsS3(location);
            S3Client client = Client;
            if (s3.IsContainer)
            {
                await ProbeAsync(client, s3.Bucket, s3.Key, "look up", s3.Display, cancellationToken).ConfigureAwait(false);
                return new ObjectInfo(s3, null, null, isContainer: true);
            }

            if (S3KeyTooLongException.Excess(s3.Key) != null)
            {
                // No object can have it, and a HEAD of it is a bare 400 (Bad Request) rather than a 404.
                return null;
            }

            if (SnapshotOf(s3) is PrefixSnapshot snapshot && !_writing.ContainsKey((s3.Bucket, s3.Key)) && snapshot.Absent(s3.Key, out bool isPrefix))
            {
                // Not there when this batch listed its destination: a new key, or a "directory" of the listed ones.
                return isPrefix ? new ObjectInfo(new S3Location(s3.Bucket, s3.Key + "/"), null, null, isContainer: true) : null;
            }

            try
            {
                var response = await S3StoreRetry.RunAsync(
                    client,
                    answer => client.Client.GetObjectMetadataAsync(Head(client, s3), answer),
                    cancellationToken).ConfigureAwait(false);
                SawBucket(s3.Bucket);
                return Describe(s3, response);
            }
            catch (AmazonS3Exception e) when (S3Errors.IsNotFound(e))
            {
                // No such key: maybe a "directory" (s3://b/dir written without the slash), maybe no bucket at all.
                bool hasChildren = await ProbeAsync(client, s3.Bucket, s3.Key + "/", "look up", s3.Display, cancellationToken).ConfigureAwait(false);
                SawBucket(s3.Bucket);
                return hasChildren ? new ObjectInfo(new S3Location(s3.Bucket, s3.Key + "/"), null, null, isContainer: true) : null;
            }
            catch (AmazonS3Exception e) when (S3Errors.IsAmbiguous(e))
            {
                throw await DiagnoseAsync(client, s3, e, "look up", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException) && !(e is CommandFailureException) && (!IsTransient(e) || S3Errors.IsConnectionFailure(e)))
            {
                // An endpoint that still cannot be reached after the retries is S3EndpointUnreachable, as a listing's is.
                throw new CommandFailureException(S3Errors.Describe(e, "look up", s3.Display, client));
            }
        }

        public async Task<IObjectReader> OpenReadAsync(ObjectInfo source, CancellationToken cancellationToken)
        {
            if (source is null)
            {
                throw new ArgumentNullException(nameof(source));
            }

            S3Location s3 = AsS3(source.Location);
            S3Client client = Client;
            if (source.ETag is null && !source.IsContainer)
            {
                // Listed or parsed without a HEAD: the reader pins a version, so it needs the ETag.
                source = await StatAsync(s3, cancellationToken).ConfigureAwait(false) ?? throw new SourceChangedException(s3.Display, "it was deleted");
            }

            // A single-part object is checked in one range (its ETag is the MD5 of the whole) up to MaxVerifiedSinglePart;
            // a larger one is one part too, read in the engine's ranges (see S3ObjectReader.PreferredPartSize).
            bool singlePart = S3Tags.PartCount(source.ETag) is null;
            (long? partSize, bool certain, bool recorded) = singlePart
                ? (source.Length <= MaxVerifiedSinglePart ? source.Length : null, true, false)
                : await GetPartLayoutAsync(source, cancellationToken).ConfigureAwait(false);
            if (partSize is null && S3ObjectReader.HasWholeObjectCrc(source))
            {
                // A stored whole-object CRC does not depend on the layout: a larger single-part object, or one whose
                // parts are of no single size, is read in parts of any size and still checked in flight.
                (partSize, certain, recorded) = (WholeObjectCrcPart, true, false);
            }
            else if (partSize is null && singlePart && source.Length > 0)
            {
                (partSize, certain, recorded) = (source.Length, true, false);
            }

            return new S3ObjectReader(client, s3, source, partSize, certain, layoutRecorded: recorded);
        }

        public async Task<IObjectWriter> OpenWriterAsync(WriteRequest request, CancellationToken cancellationToken)
        {
            if (request is null)
            {
                throw new ArgumentNullException(nameof(request));
            }

            S3Location destination = AsS3(request.Destination);
            if (destination.IsContainer)
            {
                throw new ArgumentException($"'{destination.Display}' is a prefix; an object needs a key.", nameof(request));
            }

            if (S3KeyTooLongException.Excess(destination.Key) is int keyBytes)
            {
                throw new S3KeyTooLongException(keyBytes);
            }

            return await S3ObjectWriter.OpenAsync(this, Client, destination, request, cancellationToken).ConfigureAwait(false);
        }

        public Task AbandonAsync(Location destination, string resumeToken, CancellationToken cancellationToken) =>
            S3ObjectWriter.AbortUploadAsync(Client, AsS3(destination), resumeToken, cancellationToken);

        public bool IsCompletionOf(ObjectInfo stored, IReadOnlyList<PartReceipt> parts)
        {
            // The multipart ETag is md5(part MD5s)-n on stores that keep MD5 part ETags; any other kind says nothing.
            var tags = parts.OrderBy(p => p.Number).Select(p => S3Tags.Unquote(p.Tag)).ToList();
            return stored is { IsContainer: false } && tags.Count > 0 && tags.All(S3Tags.IsMd5)
                && string.Equals(S3Tags.Unquote(stored.ETag), S3Tags.MultipartETag(tags!), StringComparison.Ordinal);
        }

        public async IAsyncEnumerable<ListedObject> ListAsync(Location container, bool recurse, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            S3Location s3 = AsS3(container);
            S3Client client = Client;
            string prefix = s3.Key.Length == 0 || s3.Key.EndsWith("/", StringComparison.Ordinal) ? s3.Key : s3.Key + "/";
            var request = new ListObjectsV2Request { BucketName = s3.Bucket, Prefix = prefix, Delimiter = recurse ? null : "/" };
            while (true)
            {
                ListObjectsV2Response page;
                try
                {
                    page = await client.Client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is OperationCanceledException))
                {
                    throw new CommandFailureException(S3Errors.Describe(e, "list", s3.Display, client));
                }

                // Each object is described by a HEAD, as StatAsync does: the listing lacks the metadata (the source's
                // modification time) and checksums, and a transfer must see the same version description twice.
                var heads = new List<(string Relative, CommandError? Refusal, Task<ObjectInfo?>? Head)>();
                using (var gate = new SemaphoreSlim(ListHeadConcurrency))
                {
                    foreach (S3Object item in page.S3Objects ?? new List<S3Object>())
                    {
                        string relative = item.Key.Substring(prefix.Length);
                        bool marker = relative.Length == 0 || relative.EndsWith("/", StringComparison.Ordinal);
                        if (marker && (item.Size ?? 0) == 0)
                        {
                            continue; // a "folder" marker made by consoles and other tools, not an object to copy
                        }

                        // The prefix's own marker holding bytes is refused too (a probe: `receive s3://b/dir/` of such a
                        // key copied nothing, with exit 0 and no word), as the same key is when listed below a prefix.
                        var location = new S3Location(s3.Bucket, item.Key);
                        CommandError? refusal = marker
                            ? S3KeySafety.FolderMarkerRefusal(location.Display, item.Size ?? 0)
                            : S3KeySafety.Refusal(location.Display, relative, "its key below the prefix");
                        heads.Add((relative, refusal, refusal is null ? HeadAsync(client, location, gate, cancellationToken) : null));
                    }

                    foreach (var (relative, refusal, head) in heads)
                    {
                        if (refusal != null)
                        {
                            yield return new ListedObject(refusal, relative);
                            continue;
                        }

                        ObjectInfo? info = await head!.ConfigureAwait(false);
                        if (info != null)
                        {
                            yield return new ListedObject(info, relative);
                        }
                    }
                }

                if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
                {
                    yield break;
                }

                request.ContinuationToken = page.NextContinuationToken;
            }
        }

        /// <summary>
        /// What a local file can be compared with: the whole-object CRC the store keeps (CRC32C, CRC64NVME or CRC32, any
        /// layout, and much cheaper to compute than MD5s), else the ETag as an S3ETag digest over its part size
        /// (MD5-based ETags only; not SSE-KMS ones).
        /// </summary>
        public async Task<StoredDigest?> GetStoredDigestAsync(ObjectInfo info, CancellationToken cancellationToken)
        {
            if (info is null)
            {
                throw new ArgumentNullException(nameof(info));
            }

            if (info.Length.HasValue && S3ObjectReader.WholeObjectCrc(info) is (ChecksumAlgorithm algorithm, string value))
            {
                return new StoredDigest(algorithm, Math.Max(1, info.Length.Value), value);
            }

            string? etag = S3Tags.Unquote(info.ETag);
            if (etag is null || info.Length is null || !S3ObjectReader.IsMd5Based(etag))
            {
                return null;
            }

            if (S3Tags.PartCount(etag) is not int count)
            {
                return new StoredDigest(ChecksumAlgorithm.S3ETag, Math.Max(1, info.Length.Value), etag);
            }

            (long? partSize, bool certain, _) = await GetPartLayoutAsync(info, cancellationToken).ConfigureAwait(false);
            if (partSize is not long size)
            {
                return null;
            }

            // A guess: the other whole-MiB sizes that fit are tried too (s3cmd's 15 MiB, rclone's --s3-chunk-size 7M
            // where 16 or 8 MiB fit as well), up to MaxOtherPartSizes of them, each a read of the local file.
            return new StoredDigest(ChecksumAlgorithm.S3ETag, size, etag)
            {
                OtherChunkSizes = certain ? Array.Empty<long>() : PlausiblePartSizes(info.Length.Value, count).Where(other => other != size).Take(MaxOtherPartSizes).ToList(),
                ChunkSizeCertain = certain,
            };
        }

        /// <summary>
        /// The part size an object was uploaded with, to recompute its multipart ETag locally; null for objects from
        /// a single PUT, or when it cannot be known. Asks HEAD ?partNumber=1 first; stores that ignore it (Ceph RGW
        /// answers with the whole object) get the size inferred from the length and the ETag's part count.
        /// </summary>
        public async Task<long?> GetPartSizeAsync(ObjectInfo info, CancellationToken cancellationToken) =>
            (await GetPartLayoutAsync(info, cancellationToken).ConfigureAwait(false)).PartSize;

        /// <summary>
        /// The part size and whether it is certain (the store said, or only one size fits) or a best guess; Recorded
        /// when it comes from StreamFiles' metadata, which a copy that cut the object anew can carry unchanged
        /// (rclone copyto -M, a multipart CopyObject): certain enough for -SkipUnchanged, not for calling a download damaged.
        /// </summary>
        internal async Task<(long? PartSize, bool Certain, bool Recorded)> GetPartLayoutAsync(ObjectInfo info, CancellationToken cancellationToken)
        {
            if (info is null)
            {
                throw new ArgumentNullException(nameof(info));
            }

            int? parts = S3Tags.PartCount(info.ETag);
            if (parts is null || info.Length is null)
            {
                return (null, false, false);
            }

            S3Location s3 = AsS3(info.Location);
            S3Client client = Client;
            try
            {
                var response = await client.Client.GetObjectMetadataAsync(
                    new GetObjectMetadataRequest { BucketName = s3.Bucket, Key = s3.Key, PartNumber = 1, EtagToMatch = S3Tags.Quote(info.ETag!) },
                    cancellationToken).ConfigureAwait(false);
                if (response.ContentLength > 0 && (response.ContentLength < info.Length.Value || parts == 1))
                {
                    return (response.ContentLength, true, false);
                }
            }
            catch (Exception e) when (S3Errors.IsPreconditionFailed(e))
            {
                throw new SourceChangedException(s3.Display, "its ETag changed", e);
            }
            catch (Exception e) when (!(e is OperationCanceledException) && !IsTransient(e))
            {
                throw new CommandFailureException(S3Errors.Describe(e, "HEAD part 1 of", s3.Display, client));
            }

            if (info.PartSize is long recorded && Fits(recorded, info.Length.Value, parts.Value))
            {
                return (recorded, true, true); // StreamFiles' own record, for a store that will not say (Ceph RGW)
            }

            long? guess = InferPartSize(info.Length.Value, parts.Value, out bool certain);
            return (guess, certain, false);
        }

        /// <summary>
        /// The part size of an object of length bytes in count parts, when only one plausible size fits: (count-1)
        /// full parts and a last part of 1..size bytes. Tools choose whole MiB; among several, the common defaults win.
        /// </summary>
        public static long? InferPartSize(long length, int count) => InferPartSize(length, count, out _);

        /// <summary>
        /// As InferPartSize; certain tells whether no other size fits at all. One whole-MiB size fitting is not enough:
        /// S3 takes parts of any size from 5 MiB (aws cli's multipart_chunksize = 6000000, the SDKs' length/10000 for
        /// large files, StreamFiles' own -PartSize 5.5MB), so a mismatch under such a guess is not damage.
        /// </summary>
        public static long? InferPartSize(long length, int count, out bool certain)
        {
            certain = true;
            if (count <= 1)
            {
                return count == 1 ? Math.Max(length, 1) : (long?)null;
            }

            long low = (length + count - 1) / count;   // the smallest size that still fits in count parts
            long high = (length - 1) / (count - 1);    // the largest that still needs count parts
            if (low > high)
            {
                return null;
            }

            if (low == high)
            {
                return low;
            }

            // The whole-MiB sizes that fit, the common defaults first: the likeliest, but a guess.
            IReadOnlyList<long> plausible = PlausiblePartSizes(length, count);
            certain = false;
            return plausible.Count > 0 ? plausible[0] : (long?)null;
        }

        /// <summary>Whether parts of size bytes make an object of length bytes in count parts.</summary>
        private static bool Fits(long size, long length, int count) =>
            count >= 1 && size > 0 && length > size * (count - 1) && length <= size * count;

        /// <summary>The most other part sizes -SkipUnchanged tries when the store would not say which an object has.</summary>
        internal const int MaxOtherPartSizes = 8;

        /// <summary>
        /// Every whole-MiB part size that makes an object of length bytes count parts, the common defaults first, then
        /// ascending; then the whole millions of bytes that do (aws cli's multipart_chunksize = 6000000, a size given in
        /// bytes; a probe found such an object downloaded with no check at all, when no whole MiB fitted).
        /// </summary>
        internal static IReadOnlyList<long> PlausiblePartSizes(long length, int count)
        {
            const long MiB = 1024 * 1024;
            var sizes = new List<long>();
            if (count < 2)
            {
                return sizes;
            }

            long low = (length + count - 1) / count;
            long high = (length - 1) / (count - 1);
            foreach (long common in new[] { 8 * MiB, 5 * MiB, 16 * MiB, 15 * MiB, 64 * MiB, 10 * MiB, 32 * MiB, 100 * MiB, 128 * MiB })
            {
                if (common >= low && common <= high)
                {
                    sizes.Add(common);
                }
            }

            for (long size = (low + MiB - 1) / MiB * MiB; size <= high && sizes.Count < 64; size += MiB)
            {
                if (!sizes.Contains(size))
                {
                    sizes.Add(size);
                }
            }

            const long Million = 1000 * 1000;
            for (long size = Math.Max(5 * Million, (low + Million - 1) / Million * Million); size <= high && sizes.Count < 64; size += Million)
            {
                if (!sizes.Contains(size))
                {
                    sizes.Add(size);
                }
            }

            return sizes;
        }

        /// <summary>HEAD of a listed object; null when it was deleted since the listing.</summary>
        private static async Task<ObjectInfo?> HeadAsync(S3Client client, S3Location location, SemaphoreSlim gate, CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var response = await S3StoreRetry.RunAsync(
                    client,
                    answer => client.Client.GetObjectMetadataAsync(Head(client, location), answer),
                    cancellationToken).ConfigureAwait(false);
                return Describe(location, response);
            }
            catch (AmazonS3Exception e) when (S3Errors.IsNotFound(e))
            {
                return null;
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                throw new CommandFailureException(S3Errors.Describe(e, "HEAD", location.Display, client));
            }
            finally
            {
                gate.Release();
            }
        }

        /// <summary>
        /// The HEAD that describes an object, asking for the checksums the store keeps (x-amz-checksum-mode), which
        /// downloads check: not with -ChecksumMode WhenRequired, which keeps every x-amz-checksum-* header off the wire.
        /// </summary>
        internal static GetObjectMetadataRequest Head(S3Client client, S3Location location) => new GetObjectMetadataRequest
        {
            BucketName = location.Bucket,
            Key = location.Key,
            ChecksumMode = client.Connection.ChecksumMode == S3ChecksumMode.WhenRequired ? null : ChecksumMode.ENABLED,
        };

        internal static ObjectInfo Describe(S3Location location, GetObjectMetadataResponse response)
        {
            DateTimeOffset? modified = response.LastModified.HasValue ? new DateTimeOffset(response.LastModified.Value.ToUniversalTime(), TimeSpan.Zero) : (DateTimeOffset?)null;
            string? mtime = response.Metadata?[MtimeMetadataKey];
            if (TryParseMtime(mtime, out DateTimeOffset stored))
            {
                modified = stored;
            }

            string? etag = S3Tags.Unquote(response.ETag);
            var checksums = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            bool? composite = response.ChecksumType == ChecksumType.COMPOSITE ? true : response.ChecksumType == ChecksumType.FULL_OBJECT ? false : (bool?)null;
            int? parts = S3Tags.PartCount(etag);
            AddChecksum(checksums, "CRC32C", response.ChecksumCRC32C, composite, parts);
            AddChecksum(checksums, "CRC32", response.ChecksumCRC32, composite, parts);
            if (composite != true)
            {
                // Amazon S3 keeps CRC64NVME only as a full-object value, whether or not the type is said.
                AddChecksum(checksums, "CRC64NVME", response.ChecksumCRC64NVME, false, parts);
            }

            AddChecksum(checksums, "SHA256", response.ChecksumSHA256, composite, parts);
            AddChecksum(checksums, "SHA1", response.ChecksumSHA1, composite, parts);
            if (!string.IsNullOrEmpty(etag))
            {
                checksums["S3ETag"] = etag!.ToUpperInvariant();
            }

            long? partSize = long.TryParse(response.Metadata?[PartSizeMetadataKey], NumberStyles.None, CultureInfo.InvariantCulture, out long recorded) && recorded > 0 ? recorded : (long?)null;
            return new ObjectInfo(location, response.ContentLength, modified, etag, checksums: checksums, partSize: partSize);
        }

        internal static string FormatMtime(DateTimeOffset time)
        {
            // In decimal, so a time before 1970 is "-1.75" (a probe: the remainder of a negative number made "-1.-75").
            long ticks = time.UtcTicks - DateTimeOffset.FromUnixTimeSeconds(0).UtcTicks;
            return ((decimal)ticks / TimeSpan.TicksPerSecond).ToString("0.#######", CultureInfo.InvariantCulture);
        }

        internal static bool TryParseMtime(string? text, out DateTimeOffset time)
        {
            time = default;
            if (string.IsNullOrEmpty(text) || !decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out decimal seconds)
                || seconds > 253402300799m || seconds < -62135596800m)
            {
                return false;
            }

            time = DateTimeOffset.FromUnixTimeSeconds(0).AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
            return true;
        }

        public async Task SnapshotAsync(Location container, CancellationToken cancellationToken)
        {
            S3Location s3 = AsS3(container);
            string prefix = s3.Key.Length == 0 || s3.Key.EndsWith("/", StringComparison.Ordinal) ? s3.Key : s3.Key + "/";
            if (_snapshots.ContainsKey((s3.Bucket, prefix)))
            {
                return;
            }

            ListObjectsV2Response page;
            try
            {
                S3Client client = Client;
                page = await S3StoreRetry.RunAsync(
                    client,
                    answer => client.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = s3.Bucket, Prefix = prefix, MaxKeys = SnapshotKeys }, answer),
                    cancellationToken,
                    silentAttempts: 1).ConfigureAwait(false); // a shortcut: each key's own HEAD says what is wrong
            }
            catch (Exception e) when (!(e is OperationCanceledException) || !cancellationToken.IsCancellationRequested)
            {
                return; // each key is then asked of the store, which reports the problem (no bucket, access denied) per file
            }

            if (page.IsTruncated == true)
            {
                return; // more than one page: listing it all could cost more than it saves
            }

            var snapshot = new PrefixSnapshot();
            foreach (S3Object item in page.S3Objects ?? new List<S3Object>())
            {
                snapshot.Add(item.Key, prefix.Length);
            }

            SawBucket(s3.Bucket);
            _snapshots.TryAdd((s3.Bucket, prefix), snapshot);
        }

        /// <summary>
        /// A key this storage opens a writer for: from now on its stats go to the store. A stat made before the batch's
        /// listing (a source held back until the next one says whether the destination is a directory) would otherwise
        /// leave the listing's answer for the stat after the write, which -Verify makes (a probe: VerifyFailed,
        /// "nothing read back", for the first of several files).
        /// </summary>
        internal void Writing(S3Location key) => _writing[(key.Bucket, key.Key)] = true;

        /// <summary>The snapshot whose prefix holds this key, if any.</summary>
        private PrefixSnapshot? SnapshotOf(S3Location key)
        {
            if (_snapshots.IsEmpty)
            {
                return null;
            }

            foreach (KeyValuePair<(string Bucket, string Prefix), PrefixSnapshot> entry in _snapshots)
            {
                if (entry.Key.Bucket == key.Bucket && key.Key.Length > entry.Key.Prefix.Length && key.Key.StartsWith(entry.Key.Prefix, StringComparison.Ordinal))
                {
                    return entry.Value;
                }
            }

            return null;
        }

        /// <summary>
        /// The keys under a prefix, and every prefix between it and them, as one listing found them. It answers for a
        /// key once (the batch stats each destination once before writing it); a key being written is not asked of it
        /// at all (Writing).
        /// </summary>
        private sealed class PrefixSnapshot
        {
            private readonly HashSet<string> _keys = new HashSet<string>(StringComparer.Ordinal);

            private readonly HashSet<string> _prefixes = new HashSet<string>(StringComparer.Ordinal);

            public void Add(string key, int below)
            {
                _keys.Add(key);
                for (int slash = key.IndexOf('/', below); slash >= 0; slash = key.IndexOf('/', slash + 1))
                {
                    _prefixes.Add(key.Substring(0, slash + 1));
                }
            }

            /// <summary>Whether the key was not listed (and is not asked about before); isPrefix when keys were listed below it.</summary>
            public bool Absent(string key, out bool isPrefix)
            {
                lock (_keys)
                {
                    isPrefix = _prefixes.Contains(key + "/");
                    return _keys.Add(key);
                }
            }
        }

        internal static S3Location AsS3(Location location) =>
            location as S3Location ?? throw new ArgumentException($"'{location?.Display}' is not an S3 location.", nameof(location));

        /// <summary>Whether anything is under prefix; a missing bucket, bad credentials and the like throw their own errors.</summary>
        internal static async Task<bool> ProbeAsync(S3Client client, string bucket, string prefix, string operation, string target, CancellationToken cancellationToken)
        {
            try
            {
                var page = await S3StoreRetry.RunAsync(
                    client,
                    answer => client.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, MaxKeys = 1 }, answer),
                    cancellationToken).ConfigureAwait(false);
                return (page.S3Objects?.Count ?? 0) > 0 || (page.CommonPrefixes?.Count ?? 0) > 0;
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                throw new CommandFailureException(S3Errors.Describe(e, operation, target, client));
            }
        }

        /// <summary>
        /// A HEAD that failed with 403/400/301 says nothing more (no body). A listing of the same bucket does
        /// carry the error code (SignatureDoesNotMatch, NoSuchBucket, a region redirect), so ask it.
        /// </summary>
        internal static async Task<CommandFailureException> DiagnoseAsync(S3Client client, S3Location location, Exception headFailure, string operation, CancellationToken cancellationToken)
        {
            try
            {
                await ProbeAsync(client, location.Bucket, location.Key, operation, location.Display, cancellationToken).ConfigureAwait(false);
            }
            catch (CommandFailureException diagnosed)
            {
                return diagnosed;
            }

            return new CommandFailureException(S3Errors.Describe(headFailure, operation, location.Display, client));
        }

        /// <summary>
        /// Records a stored checksum as upper-case hex: a whole-object one as it is, a composite of N parts (a checksum
        /// of the parts' checksums) with its "-N", as S3 writes it. A multipart object's checksum that is marked neither
        /// way and has no "-N" could be either, so it is left out rather than taken for the wrong one.
        /// </summary>
        /// <param name="composite">The store's x-amz-checksum-type: COMPOSITE (true), FULL_OBJECT (false), or not said.</param>
        /// <param name="parts">The parts the object's ETag counts ("-N"), or null for a single-part object.</param>
        private static void AddChecksum(Dictionary<string, string> checksums, string name, string? base64, bool? composite, int? parts)
        {
            if (string.IsNullOrEmpty(base64))
            {
                return;
            }

            string value = base64!;
            string suffix = string.Empty;
            int dash = value.IndexOf('-');
            if (dash > 0)
            {
                suffix = value.Substring(dash);
                value = value.Substring(0, dash);
            }
            else if (composite == true)
            {
                if (parts is null)
                {
                    return;
                }

                suffix = "-" + parts.Value.ToString(CultureInfo.InvariantCulture);
            }
            else if (composite is null && parts != null)
            {
                return;
            }

            try
            {
                checksums[name] = Hex.Encode(Convert.FromBase64String(value)) + suffix;
            }
            catch (FormatException)
            {
                // A store that writes something else: not a checksum we can compare.
            }
        }
    }
}
