using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Amazon.S3.Model;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Transfers;
using ChecksumAlgorithm = StreamFiles.Core.Hashing.ChecksumAlgorithm;
using S3Location = StreamFiles.Core.Locations.S3Location;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// Ranged GETs of one version of an object: every range asks If-Match the ETag seen by HEAD, so bytes of two
    /// versions never end up in one file; a newer version surfaces as SourceChangedException.
    /// <para>When the ranges are whole runs of the object's own parts (PreferredPartSize, which the engine adopts),
    /// each part's MD5 is computed as it streams through, and when the last part ends its bytes are checked against
    /// the store's ETag (the MD5, or md5-of-md5s "-N" for multipart objects): a mismatch fails that last read with
    /// VerifyFailedException, before the engine commits anything.</para>
    /// <para>A range that fails mid-part and is reopened where it stopped (the engine's retry) carries on with the
    /// interrupted part's MD5, so a retry does not leave the ETag unchecked.</para>
    /// <para>Where the store keeps a CRC32C, CRC32 or CRC64NVME of the object (Amazon S3 and others answer a HEAD with
    /// ChecksumMode ENABLED with it: for the whole object, or, for CRC32C and CRC32, as a composite of N parts, "-N"),
    /// each part's CRC is computed instead (with the CPU's CRC instructions) and that checksum is checked, with no MD5 at all. A
    /// whole-object CRC does not depend on the part layout, so it is checked whatever the layout.</para>
    /// <para>Objects of many small parts are read several parts per range (up to MaxRangeBytes, keeping at least
    /// MinRanges ranges for the parallel workers): every GET costs the SDK's request pipeline (~2 ms of CPU), and
    /// 8 MiB parts would make 128 of them per GiB.</para>
    /// <para>A download to a local file hands the MD5s to the engine instead (IDeferredPartCheck): it reads the parts
    /// back from the partial file once written and hashes up to sixteen side by side, whatever its ranges
    /// (ReadBackPartsMd5). What follows is the check in flight, for every other reader of the object.</para>
    /// <para>With AVX-512 or AVX2 the parts' MD5s of one object go through one Md5Batcher, which hashes the bytes of the
    /// ranges in flight together (up to sixteen, or eight with AVX2, for the cost of about one). Bytes wait there for the other ranges' to come
    /// along, so each range stream hands the batcher a copy of its reads (a ring of RingBytes, 1 MiB) and goes on
    /// receiving: waiting for company then costs no wall time, only the copy.</para>
    /// </summary>
    internal sealed class S3ObjectReader : IObjectReader, IPartAlignedReader, IDeferredPartCheck, ILayoutRecheck
    {
        private readonly S3Client _client;
        private readonly S3Location _location;
        private readonly ObjectInfo _source;
        /// <summary>The largest range that several parts are joined into.</summary>
        internal const long MaxRangeBytes = 64L * 1024 * 1024;

        /// <summary>Parts are joined only while the object still makes at least this many ranges.</summary>
        internal const int MinRanges = 8;

        private readonly long? _partSize;
        private readonly int _partsPerRange;

        // Per part: its MD5, or its CRC (4 or 8 bytes, big-endian) when a stored checksum is checked instead of the ETag.
        private readonly byte[]?[] _partDigests;
        private readonly StoredCrc? _stored;

        /// <summary>Part checks of ranges that ended mid-part, by the offset of the byte each expects next.</summary>
        private readonly ConcurrentDictionary<long, PartCheck> _interrupted = new ConcurrentDictionary<long, PartCheck>();
        private int _partsSeen;

        private readonly bool _layoutCertain;
        private readonly bool _layoutRecorded;

        /// <summary>
        /// A multipart object whose part size neither the store nor its metadata says, and that no usual size fits: its
        /// ETag cannot be checked at all, which the copy's warning says (a probe: it was copied unchecked, silently).
        /// </summary>
        private readonly bool _layoutUnknown;

        /// <summary>The ETag the parts made under a recorded layout when it was not the store's: to be settled (RecheckAsync).</summary>
        private volatile string? _pendingMismatch;

        // The engine hashes the parts from the file it wrote them to (HandOverPartMd5s): the ranges hash nothing.
        private bool _handedOver;
#if NET8_0_OR_GREATER
        private readonly Hashing.Md5Batcher? _batcher;
#endif

        /// <param name="layoutCertain">
        /// False when the part size is the likeliest of several that fit (a store that will not say): a matching ETag
        /// then still proves the bytes, but a mismatch may only mean the guess was wrong, so it is not an error.
        /// </param>
        /// <param name="partsPerRange">The object parts per range (PreferredPartSize); by default from MaxRangeBytes and MinRanges.</param>
        /// <param name="layoutRecorded">
        /// The part size came from StreamFiles' metadata: a copy that cut the object anew may carry it unchanged, so a
        /// mismatch is settled by RecheckAsync (other layouts, from the file written) before it is called damage.
        /// </param>
        public S3ObjectReader(S3Client client, S3Location location, ObjectInfo source, long? partSize, bool layoutCertain = true, int? partsPerRange = null, bool layoutRecorded = false)
        {
            _layoutCertain = layoutCertain;
            _layoutRecorded = layoutRecorded;
            _client = client;
            _location = location;
            _source = source;
            int layoutParts = partSize > 0 && source.Length.HasValue ? (int)Math.Max(1, (source.Length.Value + partSize!.Value - 1) / partSize.Value) : 0;
            StoredCrc? stored = StoredCrc.Of(source);
            _stored = stored != null && layoutParts > 0 && (stored.Parts is null || stored.Parts == layoutParts) ? stored : null;
            bool usable = layoutParts > 0 && (_stored != null || (IsMd5Based(source.ETag) && layoutParts == (S3Tags.PartCount(source.ETag) ?? 1)));
            _partSize = usable ? partSize : null;
            _layoutUnknown = !usable && stored is null && S3Tags.PartCount(source.ETag) > 1 && IsMd5Based(source.ETag);
            _partDigests = new byte[usable ? layoutParts : 0][];
            _partsPerRange = usable ? Math.Max(1, partsPerRange ?? PartsPerRange(partSize!.Value, layoutParts)) : 1;
#if NET8_0_OR_GREATER
            _batcher = usable && _stored is null && Hashing.Md5Batcher.IsAccelerated ? new Hashing.Md5Batcher() : null;
#endif
        }

        /// <summary>Whole blocks of the parts' MD5s hashed through the batcher, and of those, the ones hashed with other lanes (tests read these).</summary>
        internal (long Blocks, long Shared) Md5Batched =>
#if NET8_0_OR_GREATER
            _batcher is null ? (0, 0) : (_batcher.Blocks, _batcher.SharedBlocks);
#else
            (0, 0);
#endif

        public long? HandOverPartMd5s(long rangeSize)
        {
            if (_partSize is null || _stored != null || (_partDigests.Length == 1 && rangeSize >= _partSize))
            {
                return null; // nothing to check, a stored CRC (cheap in flight), or one part read in one range (one lane either way)
            }

            _handedOver = true;
            return _partSize;
        }

        public void PartMd5(int index, byte[] md5)
        {
            if (!_handedOver)
            {
                throw new InvalidOperationException("The part MD5s were not handed over.");
            }

            PartDone(index, md5);
        }

        /// <summary>How many of the object's parts one range takes: as many as fit MaxRangeBytes while MinRanges remain.</summary>
        internal static int PartsPerRange(long partSize, int partCount) =>
            (int)Math.Max(1, Math.Min(MaxRangeBytes / partSize, partCount / MinRanges));

        public bool SupportsRanges => true;

        /// <summary>
        /// Ranges of whole parts. An object from one PUT larger than MaxRangeBytes is one part its ranges cannot follow:
        /// it is read in the engine's own ranges, and its MD5 taken from the file written (HandOverPartMd5s).
        /// </summary>
        public long? PreferredPartSize => _partDigests.Length == 1 && _stored is null && _partSize > MaxRangeBytes ? null : _partSize * _partsPerRange;

        /// <summary>Whether every part's MD5 was seen and the ETag they make matched (tests and results read this).</summary>
        public bool ETagVerified { get; private set; }

        /// <summary>Whether every part's CRC was seen and the store's CRC of the object matched them (tests read this).</summary>
        public bool ChecksumVerified { get; private set; }

        /// <summary>Whether the object has a stored CRC of the whole object (not a composite of parts).</summary>
        internal static bool HasWholeObjectCrc(ObjectInfo source) => WholeObjectCrc(source) != null;

        /// <summary>The stored CRC of the whole object (its algorithm, and its value as hex), or null.</summary>
        internal static (ChecksumAlgorithm Algorithm, string Value)? WholeObjectCrc(ObjectInfo source) =>
            StoredCrc.Of(source) is { Parts: null } stored ? (stored.Algorithm, stored.Value) : ((ChecksumAlgorithm, string)?)null;

        /// <summary>The stored checksum this reader checks instead of the ETag ("CRC32C", "CRC32", "CRC64NVME"), or null.</summary>
        internal string? CheckedChecksum => _stored?.Algorithm.ToString();

        public async Task<Stream> OpenRangeAsync(long offset, long? length, CancellationToken cancellationToken)
        {
            long? total = _source.Length;
            if (length == 0 || (total.HasValue && offset >= total.Value && offset == 0))
            {
                return Stream.Null; // a range of an empty object is unsatisfiable (416); there is nothing to read
            }

            long end = length.HasValue ? offset + length.Value - 1 : (total.HasValue ? total.Value - 1 : long.MaxValue);
            var request = new GetObjectRequest
            {
                BucketName = _location.Bucket,
                Key = _location.Key,
            };
            if (offset != 0 || length.HasValue)
            {
                request.ByteRange = end == long.MaxValue ? new ByteRange("bytes=" + offset + "-") : new ByteRange(offset, end);
            }

            if (!string.IsNullOrEmpty(_source.ETag))
            {
                request.EtagToMatch = S3Tags.Quote(_source.ETag!);
            }

            GetObjectResponse response;
            try
            {
                response = await _client.Client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (S3Errors.IsPreconditionFailed(e))
            {
                throw new SourceChangedException(_location.Display, $"its ETag is no longer {_source.ETag}: the object was overwritten", e);
            }
            catch (Exception e) when (S3Errors.IsNotFound(e) && !S3Errors.IsCode(e, "NoSuchBucket"))
            {
                // Deleted after the HEAD (a probe: S3ObjectNotFound, an id the docs did not name, where a key missing at
                // the HEAD is SourceNotFound): the object this copy began with is gone, as an overwritten one is.
                throw new SourceChangedException(_location.Display, "the object was deleted", e);
            }
            catch (Exception e) when (!(e is OperationCanceledException) && !S3Errors.IsTransient(e))
            {
                throw new Operations.CommandFailureException(S3Errors.Describe(e, "download", _location.Display, _client));
            }

            // A response that announces fewer bytes than the range of this version holds (If-Match pinned it) was cut on
            // its way (a proxy, a store's fault): a hiccup to read again, as a body cut short is. Read to its end, it
            // looked like a source that had shrunk (SourceChanged), which is never retried.
            long? expected = length.HasValue
                ? (total.HasValue ? Math.Min(length.Value, total.Value - offset) : length.Value)
                : total - offset;
            if (expected is long wanted && response.ContentLength >= 0 && response.ContentLength < wanted)
            {
                long announced = response.ContentLength;
                response.Dispose();
                throw new IOException($"The store answered the range of bytes {offset}-{offset + wanted - 1} of '{_location.Display}' with {announced} bytes instead of {wanted}.");
            }

            return new ResponseStream(response, CheckFor(offset, length), _client.StallTimeout, _location.Display);
        }

        /// <summary>The part check of a range: a new one, one carried on from a range interrupted at this offset, or none.</summary>
        private PartCheck? CheckFor(long offset, long? length)
        {
            _interrupted.TryRemove(offset, out PartCheck? carried);
            int last = _handedOver ? -1 : LastPartOf(offset, length);
            if (last < 0)
            {
                carried?.Release();
                return null;
            }

            if (carried != null)
            {
                carried.ExtendTo(last);
                return carried;
            }

            return offset % _partSize!.Value == 0 ? new PartCheck(this, (int)(offset / _partSize.Value), last) : null;
        }

        /// <summary>The last object part of a range that ends on a part boundary or at the object's end, or -1.</summary>
        private int LastPartOf(long offset, long? length)
        {
            if (_partSize is not long size || !length.HasValue || length.Value <= 0)
            {
                return -1;
            }

            long end = offset + length.Value;
            if (end > _source.Length!.Value || (end % size != 0 && end != _source.Length.Value))
            {
                return -1;
            }

            return (int)(((end + size - 1) / size) - 1);
        }

        private long PartLength(int index) => Math.Min(_partSize!.Value, _source.Length!.Value - (index * _partSize.Value));

        /// <summary>Records a part's digest; when it completes the set, compares the ETag or checksum they make with the store's.</summary>
        private void PartDone(int index, byte[] digest)
        {
            if (System.Threading.Interlocked.CompareExchange(ref _partDigests[index], digest, null) != null)
            {
                return; // a retried range: the first reading already counted
            }

            if (System.Threading.Interlocked.Increment(ref _partsSeen) != _partDigests.Length)
            {
                return;
            }

            if (_stored != null)
            {
                CheckStoredChecksum(_stored);
                return;
            }

            string expected = S3Tags.Unquote(_source.ETag)!;
            string actual = _partDigests.Length == 1 && S3Tags.PartCount(expected) is null
                ? Hashing.Hex.Encode(_partDigests[0]!).ToLowerInvariant()
                : S3Tags.MultipartETag(_partDigests.Select(m => Hashing.Hex.Encode(m!)).ToList());
            if (!string.Equals(expected, actual, StringComparison.Ordinal))
            {
                if (!_layoutCertain || _layoutRecorded)
                {
                    // Another part size may fit: the guess or the record, not the data, may be wrong. Settled from the
                    // file written, once every part is in it (RecheckAsync).
                    _pendingMismatch = actual;
                    return;
                }

                throw VerifyFailedException.OfReceived(_location.Display, "S3 ETag", expected, actual);
            }

            ETagVerified = true;
        }

        /// <summary>Whether the ETag did not match under the recorded or guessed part size, and RecheckAsync must settle it.</summary>
        public bool NeedsRecheck => _pendingMismatch != null || _layoutUnknown;

        public string? Unchecked { get; private set; }

        /// <summary>
        /// Settles a mismatch under the recorded part size: the bytes as written are hashed, in one read, for the other
        /// whole-MiB part sizes that fit (a copy made by rclone or the aws cli cuts whole MiB); a match verifies the
        /// ETag, none is VerifyFailedException, as for any damage.
        /// </summary>
        public async Task RecheckAsync(IObjectReader? written, CancellationToken cancellationToken)
        {
            string expected = S3Tags.Unquote(_source.ETag)!;
            if (_layoutUnknown)
            {
                Unchecked = $"'{_location.Display}' was copied without the check of its ETag ({expected}): the store does not say the object's part size, and no usual size (whole MiB, or whole millions of bytes) makes its {S3Tags.PartCount(_source.ETag)} parts. Its parts are of another size (an upload by another tool); compare the copy with its source if it matters.";
                return;
            }

            long length = _source.Length!.Value;
            var lanes = S3Storage.PlausiblePartSizes(length, _partDigests.Length)
                .Where(size => size != _partSize)
                .Take(S3Storage.MaxOtherPartSizes)
                .Select(size => new LayoutLane(size))
                .ToList();
            bool matched = false;
            if (lanes.Count > 0 && written != null)
            {
                byte[] buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
                try
                {
                    using (Stream bytes = await written.OpenRangeAsync(0, length, cancellationToken).ConfigureAwait(false))
                    {
                        int read;
                        while ((read = await bytes.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            foreach (LayoutLane lane in lanes)
                            {
                                lane.Add(buffer, read);
                            }
                        }
                    }

                    matched = lanes.Any(lane => string.Equals(lane.ETag(), expected, StringComparison.Ordinal));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    foreach (LayoutLane lane in lanes)
                    {
                        lane.Dispose();
                    }
                }
            }

            if (matched)
            {
                _pendingMismatch = null;
                ETagVerified = true;
                return;
            }

            if (!_layoutCertain && !_layoutRecorded)
            {
                // The store does not say the part size and no usual one gives the ETag: odd parts from another tool look
                // just like damage, and refusing them would leave such an object impossible to download. Told, not failed.
                _pendingMismatch = null;
                Unchecked = $"'{_location.Display}' was copied without the check of its ETag ({expected}): the store does not say the object's part size, and none of the usual sizes that fit gives that ETag. Its parts may be of another size (an upload by another tool), or bytes were damaged on the way: compare the copy with its source, or download it again.";
                return;
            }

            throw VerifyFailedException.OfReceived(_location.Display, "S3 ETag", expected, _pendingMismatch ?? "nothing");
        }

        /// <summary>The part MD5s of one candidate layout, fed the object's bytes in order.</summary>
        private sealed class LayoutLane : IDisposable
        {
            private readonly long _size;
            private readonly System.Collections.Generic.List<string> _parts = new System.Collections.Generic.List<string>();
            private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            private long _inPart;

            public LayoutLane(long size) => _size = size;

            public void Add(byte[] buffer, int count)
            {
                int at = 0;
                while (at < count)
                {
                    int take = (int)Math.Min(count - at, _size - _inPart);
                    _md5.AppendData(buffer, at, take);
                    at += take;
                    _inPart += take;
                    if (_inPart == _size)
                    {
                        _parts.Add(Hashing.Hex.Encode(_md5.GetHashAndReset()));
                        _inPart = 0;
                    }
                }
            }

            public string ETag()
            {
                var parts = new System.Collections.Generic.List<string>(_parts);
                if (_inPart > 0)
                {
                    parts.Add(Hashing.Hex.Encode(_md5.GetHashAndReset()));
                }

                return S3Tags.MultipartETag(parts);
            }

            public void Dispose() => _md5.Dispose();
        }

        /// <summary>Compares the parts' CRCs with the store's checksum: a composite of them, or (combined) the whole object's.</summary>
        private void CheckStoredChecksum(StoredCrc stored)
        {
            string actual;
            if (stored.Parts is null)
            {
                // Each part's CRC as its Digest gave it: 4 or 8 big-endian bytes.
                var pieces = _partDigests.Select((crc, i) => (crc!.Aggregate(0UL, (value, b) => (value << 8) | b), PartLength(i))).ToList();
                actual = Hashing.CrcCombine.CombineHex(stored.Algorithm, pieces);
            }
            else
            {
                actual = Hashing.Hex.Encode(S3Tags.CompositeDigest(stored.Algorithm, _partDigests!)) + "-" + _partDigests.Length.ToString(CultureInfo.InvariantCulture);
            }

            if (!string.Equals(stored.Value, actual, StringComparison.OrdinalIgnoreCase))
            {
                if (stored.Parts != null && !_layoutCertain)
                {
                    return; // a composite depends on the part layout, and another layout fits too: the guess may be wrong
                }

                throw VerifyFailedException.OfReceived(_location.Display, "S3 " + stored.Algorithm + " checksum", stored.Value, actual);
            }

            ChecksumVerified = true;
        }

        internal static bool IsMd5Based(string? etag)
        {
            string? tag = S3Tags.Unquote(etag);
            if (tag is null)
            {
                return false;
            }

            int dash = tag.IndexOf('-');
            string hex = dash < 0 ? tag : tag.Substring(0, dash);
            return hex.Length == 32 && hex.All(c => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        }

        /// <summary>The MD5 of each part of a range as its bytes go by.</summary>
        private sealed class PartCheck : IDisposable
        {
            private readonly S3ObjectReader _reader;
            private readonly IncrementalHash? _md5;
            private readonly Hashing.Digest? _crc;
#if NET8_0_OR_GREATER
            private readonly Hashing.Md5Lane? _lane;
#endif
            private int _last;
            private int _index;
            private long _left;
            private long _next;

            public PartCheck(S3ObjectReader reader, int first, int last)
            {
                _reader = reader;
                _index = first;
                _last = last;
                _left = reader.PartLength(first);
                _next = first * reader._partSize!.Value;
                if (reader._stored != null)
                {
                    _crc = Hashing.Digest.Create(reader._stored.Algorithm);
                    return;
                }

#if NET8_0_OR_GREATER
                if (reader._batcher != null)
                {
                    _lane = new Hashing.Md5Lane();
                    return;
                }
#endif
                _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            }

            /// <summary>Carries on in a reopened range that ends with part <paramref name="last"/>.</summary>
            public void ExtendTo(int last) => _last = last;

            /// <summary>A range stream reads into this check from now on (its bytes are worth waiting for).</summary>
            public void Open()
            {
#if NET8_0_OR_GREATER
                _reader._batcher?.Open();
#endif
            }

            /// <summary>The range stream cannot go on until its bytes are hashed: they stop waiting for company (Md5Batcher.Hurry).</summary>
            public void Hurry()
            {
#if NET8_0_OR_GREATER
                if (_lane != null)
                {
                    _reader._batcher!.Hurry(_lane);
                }
#endif
            }

            /// <summary>The bytes the range stream hurried are hashed.</summary>
            public void Unhurry()
            {
#if NET8_0_OR_GREATER
                if (_lane != null)
                {
                    _reader._batcher!.Unhurry(_lane);
                }
#endif
            }

            /// <summary>The range stream ended.</summary>
            public void Close()
            {
#if NET8_0_OR_GREATER
                _reader._batcher?.Close();
#endif
            }

            /// <summary>
            /// Whether AddAsync may wait for other streams (the MD5 batcher): the range stream then hashes a copy of
            /// each read and goes on receiving meanwhile, rather than leave its socket unread while the bytes wait.
            /// </summary>
            public bool Waits
            {
                get
                {
#if NET8_0_OR_GREATER
                    return _lane != null;
#else
                    return false;
#endif
                }
            }

            /// <summary>Hashes bytes just read; the buffer must stay unchanged until the task completes.</summary>
            public async Task AddAsync(byte[] buffer, int offset, int count, bool urgent = false)
            {
                while (count > 0 && _index <= _last)
                {
                    int take = (int)Math.Min(count, _left);
                    await AppendAsync(buffer, offset, take, urgent).ConfigureAwait(false);
                    offset += take;
                    count -= take;
                    _left -= take;
                    _next += take;
                    if (_left == 0)
                    {
                        _reader.PartDone(_index, FinishAndReset());
                        _index++;
                        _left = _index <= _last ? _reader.PartLength(_index) : 0;
                    }
                }
            }

            private Task AppendAsync(byte[] buffer, int offset, int count, bool urgent)
            {
                if (_crc != null)
                {
                    _crc.Append(buffer, offset, count);
                    return Task.CompletedTask;
                }

#if NET8_0_OR_GREATER
                if (_lane != null)
                {
                    return _reader._batcher!.AppendAsync(_lane, buffer, offset, count, urgent);
                }
#endif
                _md5!.AppendData(buffer, offset, count);
                return Task.CompletedTask;
            }

            private byte[] FinishAndReset()
            {
                if (_crc != null)
                {
                    return _crc.FinishAndReset();
                }

#if NET8_0_OR_GREATER
                if (_lane != null)
                {
                    return _lane.FinishAndReset();
                }
#endif
                return _md5!.GetHashAndReset();
            }

            /// <summary>Ends the range: a part left half-read waits for the range to be reopened at the next byte.</summary>
            public void Dispose()
            {
                if (_index > _last || _left == _reader.PartLength(_index) || !_reader._interrupted.TryAdd(_next, this))
                {
                    _md5?.Dispose();
                }
            }

            /// <summary>Releases the hash of a part that was never carried on.</summary>
            public void Release() => _md5?.Dispose();
        }

        /// <summary>A CRC32C, CRC32 or CRC64NVME the store keeps for the object, as its HEAD gave it.</summary>
        private sealed class StoredCrc
        {
            private StoredCrc(ChecksumAlgorithm algorithm, string value, int? parts)
            {
                Algorithm = algorithm;
                Value = value;
                Parts = parts;
            }

            public ChecksumAlgorithm Algorithm { get; }

            /// <summary>As ObjectInfo.Checksums holds it (S3Storage.Describe): hex of the big-endian bytes (4, or 8 for CRC64NVME), then "-N" for a composite.</summary>
            public string Value { get; }

            /// <summary>The parts of a composite checksum, or null for a checksum of the whole object.</summary>
            public int? Parts { get; }

            /// <summary>
            /// The object's stored CRC, when one is there and well formed: a whole-object one first (CRC32C, CRC64NVME,
            /// CRC32; it fits any part layout), else a composite of parts (CRC32C, CRC32). Amazon S3 keeps one
            /// algorithm per object; CRC64NVME is the one it computes when the upload sent none, and is never a composite.
            /// </summary>
            public static StoredCrc? Of(ObjectInfo source) => Find(source, composite: false) ?? Find(source, composite: true);

            private static StoredCrc? Find(ObjectInfo source, bool composite)
            {
                foreach (ChecksumAlgorithm algorithm in new[] { ChecksumAlgorithm.CRC32C, ChecksumAlgorithm.CRC64NVME, ChecksumAlgorithm.CRC32 })
                {
                    if (!source.Checksums.TryGetValue(algorithm.ToString(), out string? value) || string.IsNullOrEmpty(value))
                    {
                        continue;
                    }

                    int dash = value.LastIndexOf('-');
                    string hex = dash < 0 ? value : value.Substring(0, dash);
                    int? parts = null;
                    if (dash >= 0)
                    {
                        if (!int.TryParse(value.Substring(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count <= 0)
                        {
                            continue;
                        }

                        parts = count;
                    }

                    int digits = algorithm == ChecksumAlgorithm.CRC64NVME ? 16 : 8;
                    if ((parts != null) == composite && hex.Length == digits && hex.All(Uri.IsHexDigit)
                        && !(composite && algorithm == ChecksumAlgorithm.CRC64NVME))
                    {
                        return new StoredCrc(algorithm, value, parts);
                    }
                }

                return null;
            }
        }

        public void Dispose()
        {
#if NET8_0_OR_GREATER
            _batcher?.Dispose();
#endif
            foreach (long offset in _interrupted.Keys)
            {
                if (_interrupted.TryRemove(offset, out PartCheck? check))
                {
                    check.Release();
                }
            }
        }

        /// <summary>
        /// The body of one GET; disposing it releases the response and its connection. A read that brings nothing for
        /// the stall timeout tears the response down and fails with a plain IOException, a network failure the engine
        /// retries by reading the range again (a read blocked on a silent socket does not always heed cancellation).
        /// </summary>
        private sealed class ResponseStream : Stream
        {
            /// <summary>The staging ring of one range stream (with a check that waits for company).</summary>
            internal const int RingBytes = 1024 * 1024;

            /// <summary>Reads of up to this many bytes are staged (four of the engine's default buffers fill the ring).</summary>
            internal const int MaxStagedRead = RingBytes / 4;

            private readonly GetObjectResponse _response;
            private readonly Stream _body;
            private readonly PartCheck? _check;
            private readonly string _display;
            private readonly StallWatchdog _watchdog;
            private long _received;
            private int _disposed;

            // With a check that waits for company: the bytes read are copied into a ring and hashed from there by a
            // pump, at most one read's worth per append, so the stream goes on receiving while its bytes wait for the
            // other streams', and the lanes of a batch carry alike amounts. A read that finds the ring full waits for room.
            private readonly object _ringGate = new object();
            private byte[]? _ring;
            private long _copied;
            private long _hashed;
            private bool _pumping;
            private TaskCompletionSource<bool>? _room;
            private Task _pump = Task.CompletedTask;

            public ResponseStream(GetObjectResponse response, PartCheck? check, TimeSpan stallTimeout, string display)
            {
                _response = response;
                _body = response.ResponseStream;
                _check = check;
                _check?.Open();
                _display = display;
                _watchdog = new StallWatchdog(stallTimeout, () =>
                {
                    _body.Dispose();
                    _response.Dispose();
                });
            }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => _response.ContentLength;

            public override long Position
            {
                get => throw new NotSupportedException();
                set => throw new NotSupportedException();
            }

            public override int Read(byte[] buffer, int offset, int count) =>
                ReadAsync(buffer, offset, count, CancellationToken.None).ConfigureAwait(false).GetAwaiter().GetResult();

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                // With a part check, the read fills the caller's buffer before hashing: a few large spans per part cost
                // the hashing (and the MD5 batcher's hand-offs) far less than one per socket read of a few KiB.
                int total = 0;
                do
                {
                    int read = await ReadBodyAsync(buffer, offset + total, count - total, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    total += read;
                }
                while (_check != null && total < count);

                if (_check is null)
                {
                    return total;
                }

                if (!_check.Waits || count > MaxStagedRead)
                {
                    // Hashed in place: no company to wait for, or reads too large to stage within the ring's bound.
                    await DrainAsync().ConfigureAwait(false);
                    await _check.AddAsync(buffer, offset, total).ConfigureAwait(false);
                    return total;
                }

                if (total > 0)
                {
                    await StageAsync(buffer, offset, total).ConfigureAwait(false);
                }

                // The range's last bytes are hashed before they are handed over: the caller may never read again, and
                // the part (and the ETag) check must be settled before the engine commits the file.
                if (total < count || _received >= _response.ContentLength)
                {
                    await DrainAsync().ConfigureAwait(false);
                }

                return total;
            }

            /// <summary>Copies bytes just read into the ring (first waiting for room) and sees that the pump hashes them.</summary>
            private async Task StageAsync(byte[] buffer, int offset, int total)
            {
                _ring ??= ArrayPool<byte>.Shared.Rent(RingBytes);
                while (true)
                {
                    if (_pump.IsFaulted)
                    {
                        await _pump.ConfigureAwait(false); // the hashing of earlier bytes failed (the ETag check, at a part's end)
                    }

                    Task room;
                    lock (_ringGate)
                    {
                        if (_ring.Length - (_copied - _hashed) >= total)
                        {
                            break;
                        }

                        _room ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                        room = _room.Task;
                    }

                    // The pump wakes the room's waiter before its own task ends, so a failure is looked for once it has.
                    await Task.WhenAny(room, _pump).ConfigureAwait(false);
                }

                int at = (int)(_copied % _ring.Length);
                int first = Math.Min(total, _ring.Length - at);
                Buffer.BlockCopy(buffer, offset, _ring, at, first);
                Buffer.BlockCopy(buffer, offset + first, _ring, 0, total - first);
                bool start;
                lock (_ringGate)
                {
                    _copied += total;
                    start = !_pumping;
                    _pumping = true;
                }

                if (start)
                {
                    _pump = PumpAsync(_ring, _check!);
                }
            }

            /// <summary>
            /// Hashes what the ring holds, a read's worth at a time, until it has caught up with the copies. Bytes that
            /// leave no room behind them for another read do not wait for company: the stream is about to wait for them.
            /// </summary>
            private async Task PumpAsync(byte[] ring, PartCheck check)
            {
                try
                {
                    while (true)
                    {
                        long from;
                        long to;
                        lock (_ringGate)
                        {
                            from = _hashed;
                            to = _copied;
                            if (from == to)
                            {
                                _pumping = false;
                                return;
                            }
                        }

                        int at = (int)(from % ring.Length);
                        int run = (int)Math.Min(Math.Min(to - from, ring.Length - at), MaxStagedRead);
                        bool urgent = ring.Length - (to - from) < MaxStagedRead;
                        await check.AddAsync(ring, at, run, urgent).ConfigureAwait(false);
                        lock (_ringGate)
                        {
                            _hashed += run;
                        }

                        WakeReader();
                    }
                }
                finally
                {
                    WakeReader();
                }
            }

            /// <summary>Wakes a read waiting for room in the ring (to find it, or to find the pump failed).</summary>
            private void WakeReader()
            {
                TaskCompletionSource<bool>? room;
                lock (_ringGate)
                {
                    room = _room;
                    _room = null;
                }

                room?.TrySetResult(true);
            }

            /// <summary>Waits until every byte copied is hashed, hurrying the batcher (the stream cannot go on until then).</summary>
            private async Task DrainAsync()
            {
                bool hurried = !_pump.IsCompleted;
                if (hurried)
                {
                    _check!.Hurry();
                }

                try
                {
                    await _pump.ConfigureAwait(false);
                }
                finally
                {
                    if (hurried)
                    {
                        _check!.Unhurry();
                    }
                }
            }

            private async Task<int> ReadBodyAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                int read;
                _watchdog.Arm();
                try
                {
                    read = await _body.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (_watchdog.Stalled && !cancellationToken.IsCancellationRequested)
                {
                    throw Stalled(e);
                }
                finally
                {
                    _watchdog.Disarm();
                }

                if (_watchdog.Stalled)
                {
                    throw Stalled(null);
                }

                _received += read;
                return read;
            }

            private IOException Stalled(Exception? cause) => new IOException(
                string.Format(CultureInfo.InvariantCulture, "The download of {0} stalled: no data for {1:0.#} s after {2} bytes of the range.", _display, _watchdog.Timeout.TotalSeconds, _received),
                cause);

            /// <summary>
            /// Hashes what the ring still holds (a stream closed early, by a failed read or cancellation, leaves bytes
            /// waiting for company), so the check has taken every byte handed over before it is handed on to a reopened
            /// range. False if that hashing failed.
            /// </summary>
            private bool Settle()
            {
                try
                {
                    DrainAsync().GetAwaiter().GetResult();
                    return true;
                }
                catch (Exception)
                {
                    return false;
                }
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    _watchdog.Dispose();
                    _body.Dispose();
                    _response.Dispose();
                    bool hashed = Settle();
                    _check?.Close();
                    if (hashed)
                    {
                        _check?.Dispose();
                    }
                    else
                    {
                        _check?.Release(); // its lane missed bytes: a reopened range must not carry it on
                    }

                    if (_ring != null)
                    {
                        ArrayPool<byte>.Shared.Return(_ring);
                        _ring = null;
                    }
                }

                base.Dispose(disposing);
            }
        }
    }
}
