using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Transfers
{
    /// <summary>
    /// The checksums of one transfer, computed as the parts stream through, in parallel.
    /// <para>Every part gets a CRC (CRC32C; CRC32 or CRC64NVME when that is the chosen algorithm) — what the resume
    /// journal keeps to recognise intact parts. For the CRCs the whole-file value is those part CRCs combined
    /// (CrcCombine): exactly the CRC one front-to-back pass gives, at no extra cost. Other algorithms cannot be
    /// combined, so their hasher is fed in file order: a part whose turn has not come waits with its one
    /// buffer (back-pressure) while earlier parts are hashed; parts are started and leased in order, so the
    /// part whose turn it is always holds its buffer and the feed cannot deadlock.</para>
    /// </summary>
    internal sealed class TransferIntegrity : IDisposable
    {
        private readonly object _gate = new object();
        private readonly ulong?[] _partCrcs;
        private readonly long[] _partLengths;
        private readonly MultiHasher? _ordered;
        private readonly Dictionary<long, TaskCompletionSource<bool>> _waiters = new Dictionary<long, TaskCompletionSource<bool>>();
        private long _next;

        public TransferIntegrity(ChecksumAlgorithm algorithm, TransferPlan plan)
        {
            Algorithm = algorithm;
            Plan = plan;
            PartAlgorithm = PartAlgorithmFor(algorithm);
            _partCrcs = new ulong?[plan.PartCount];
            _partLengths = new long[plan.PartCount];
            if (IsOrdered)
            {
                _ordered = new MultiHasher(new HashSettings(new[] { algorithm }, chunkSize: Math.Max(1, plan.PartSize)));
            }
        }

        public ChecksumAlgorithm Algorithm { get; }

        public TransferPlan Plan { get; }

        /// <summary>Whether the whole-file hasher needs the bytes in file order (everything but the CRCs).</summary>
        public bool IsOrdered => Algorithm != PartAlgorithm;

        /// <summary>The CRC every part gets (CRC32C, CRC32 or CRC64NVME): the chosen algorithm when it is one of them.</summary>
        public ChecksumAlgorithm PartAlgorithm { get; }

        /// <summary>The CRC the parts of a transfer hashed with this algorithm get.</summary>
        public static ChecksumAlgorithm PartAlgorithmFor(ChecksumAlgorithm algorithm) =>
            algorithm == ChecksumAlgorithm.CRC32 || algorithm == ChecksumAlgorithm.CRC64NVME ? algorithm : ChecksumAlgorithm.CRC32C;

        /// <summary>The algorithm of the per-part checksums in the journal.</summary>
        public string PartAlgorithmName => PartAlgorithm.ToString();

        public PartHash StartPart(PartSpec part) => new PartHash(this, part);

        /// <summary>Takes a part done earlier (resume) whose CRC is known and whose bytes will not be read again.</summary>
        public void AddCompletedPart(PartReceipt receipt)
        {
            if (receipt.Checksum is null || receipt.Checksum.Length != CrcDigits(PartAlgorithm)
                || !ulong.TryParse(receipt.Checksum, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong crc))
            {
                throw new ArgumentException("A completed part needs its CRC.", nameof(receipt));
            }

            SetPart(receipt.Number, crc, receipt.Length);
        }

        /// <summary>The whole-file value (upper-case hex), once every part is complete.</summary>
        public string FinishWhole()
        {
            if (_ordered != null)
            {
                return _ordered.Finish()[Algorithm];
            }

            var pieces = new (ulong Crc, long Length)[_partCrcs.Length];
            for (int i = 0; i < _partCrcs.Length; i++)
            {
                pieces[i] = (_partCrcs[i] ?? throw new InvalidOperationException($"Part {i + 1} has no checksum."), _partLengths[i]);
            }

            return CrcCombine.CombineHex(PartAlgorithm, pieces);
        }

        /// <summary>The hex digits of a part CRC of this algorithm.</summary>
        private static int CrcDigits(ChecksumAlgorithm algorithm) => algorithm == ChecksumAlgorithm.CRC64NVME ? 16 : 8;

        public void Dispose() => _ordered?.Dispose();

        private void SetPart(int number, ulong crc, long length)
        {
            _partCrcs[number - 1] = crc;
            _partLengths[number - 1] = length;
        }

        private async ValueTask FeedInOrderAsync(long offset, byte[] buffer, int start, int count, CancellationToken cancellationToken)
        {
            TaskCompletionSource<bool>? turn = null;
            lock (_gate)
            {
                if (_next != offset)
                {
                    turn = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiters[offset] = turn;
                }
            }

            if (turn != null)
            {
                using (cancellationToken.Register(() => turn.TrySetCanceled()))
                {
                    await turn.Task.ConfigureAwait(false);
                }
            }

            // Only the part whose turn it is gets here: the feed is single-threaded by construction.
            _ordered!.Append(buffer, start, count);
            lock (_gate)
            {
                _next = offset + count;
                if (_waiters.TryGetValue(_next, out TaskCompletionSource<bool>? next))
                {
                    _waiters.Remove(_next);
                    next.TrySetResult(true);
                }
            }
        }

        /// <summary>The running checksum of one part. Append in the part's byte order.</summary>
        internal sealed class PartHash
        {
            private readonly TransferIntegrity _owner;
            private readonly Crc32? _crc;
            private readonly Crc64? _crc64;
            private long _length;

            public PartHash(TransferIntegrity owner, PartSpec part)
            {
                _owner = owner;
                Part = part;
                switch (owner.PartAlgorithm)
                {
                    case ChecksumAlgorithm.CRC64NVME:
                        _crc64 = new Crc64();
                        break;
                    case ChecksumAlgorithm.CRC32:
                        _crc = Crc32.CreateIeee();
                        break;
                    default:
                        _crc = Crc32.CreateCastagnoli();
                        break;
                }
            }

            public PartSpec Part { get; }

            public long Length => _length;

            public string Checksum => CrcCombine.ToHex(_owner.PartAlgorithm, Value);

            private ulong Value => _crc64?.Value ?? _crc!.Value;

            /// <summary>Hashes bytes at an offset of the file; with an ordered algorithm, waits for their turn.</summary>
            public ValueTask AppendAsync(long offset, byte[] buffer, int start, int count, bool feedWhole, CancellationToken cancellationToken)
            {
                if (count == 0)
                {
                    return default;
                }

                var bytes = new ReadOnlySpan<byte>(buffer, start, count);
                if (_crc64 != null)
                {
                    _crc64.Append(bytes);
                }
                else
                {
                    _crc!.Append(bytes);
                }

                _length += count;
                return feedWhole && _owner._ordered != null ? _owner.FeedInOrderAsync(offset, buffer, start, count, cancellationToken) : default;
            }

            /// <summary>Starts the part over (an uploader re-reads it from its first byte).</summary>
            public void Reset()
            {
                _crc?.Reset();
                _crc64?.Reset();
                _length = 0;
            }

            /// <summary>Records the part as complete and returns its checksum.</summary>
            public string Complete()
            {
                _owner.SetPart(Part.Number, Value, _length);
                return Checksum;
            }
        }
    }
}
