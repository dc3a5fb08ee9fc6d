using System;
#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
#endif

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// CRC-64/NVME, the checksum Amazon S3 computes for every object uploaded without one (x-amz-checksum-crc64nvme,
    /// a full-object value) and Cloudflare R2 keeps too: the NVM Express polynomial 0xAD93D23594C93659, reflected,
    /// initial value and final XOR all ones. Carry-less multiplication on x86 (Crc64Folding); slicing-by-8 elsewhere.
    /// </summary>
    public sealed class Crc64
    {
        /// <summary>The NVMe polynomial in reflected bit order.</summary>
        internal const ulong NvmePolynomial = 0x9A6C9329AC4BC9B5UL;

        internal static readonly ulong[] NvmeTable = BuildTable(NvmePolynomial);

        private ulong _state = ulong.MaxValue;

        public void Append(ReadOnlySpan<byte> data) => _state = Update(_state, data);

        /// <summary>The CRC of everything appended since the last reset.</summary>
        public ulong Value => ~_state;

        public void Reset() => _state = ulong.MaxValue;

        public static ulong Compute(ReadOnlySpan<byte> data)
        {
            var crc = new Crc64();
            crc.Append(data);
            return crc.Value;
        }

        /// <summary>Writes a CRC value as the 8 big-endian bytes S3 and tools print.</summary>
        public static byte[] ToBigEndianBytes(ulong value)
        {
            var bytes = new byte[8];
            for (int i = 0; i < 8; i++)
            {
                bytes[i] = (byte)(value >> (56 - (8 * i)));
            }

            return bytes;
        }

        /// <summary>Updates a running (pre-inverted) CRC.</summary>
        internal static ulong Update(ulong crc, ReadOnlySpan<byte> data)
        {
#if NET8_0_OR_GREATER
            if (Crc64Folding.IsSupported)
            {
                return Crc64Folding.Update(crc, data);
            }
#endif
            return UpdatePortable(crc, data);
        }

        /// <summary>Slicing-by-8, the same on every machine (and what the folded code hands its last bytes to).</summary>
        internal static ulong UpdatePortable(ulong crc, ReadOnlySpan<byte> data)
        {
            ulong[] table = NvmeTable;
            int i = 0;
            while (data.Length - i >= 8)
            {
                ulong word = crc ^ ((ulong)data[i] | ((ulong)data[i + 1] << 8) | ((ulong)data[i + 2] << 16) | ((ulong)data[i + 3] << 24)
                    | ((ulong)data[i + 4] << 32) | ((ulong)data[i + 5] << 40) | ((ulong)data[i + 6] << 48) | ((ulong)data[i + 7] << 56));
                crc = table[(7 * 256) + (int)(word & 0xFF)]
                    ^ table[(6 * 256) + (int)((word >> 8) & 0xFF)]
                    ^ table[(5 * 256) + (int)((word >> 16) & 0xFF)]
                    ^ table[(4 * 256) + (int)((word >> 24) & 0xFF)]
                    ^ table[(3 * 256) + (int)((word >> 32) & 0xFF)]
                    ^ table[(2 * 256) + (int)((word >> 40) & 0xFF)]
                    ^ table[256 + (int)((word >> 48) & 0xFF)]
                    ^ table[(int)(word >> 56)];
                i += 8;
            }

            for (; i < data.Length; i++)
            {
                crc = (crc >> 8) ^ table[(int)((crc ^ data[i]) & 0xFF)];
            }

            return crc;
        }

        // Table k (k = 0..7) occupies [k*256, k*256+256): the CRC of a byte followed by k zero bytes.
        private static ulong[] BuildTable(ulong polynomial)
        {
            var table = new ulong[8 * 256];
            for (int i = 0; i < 256; i++)
            {
                ulong crc = (ulong)i;
                for (int bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1;
                }

                table[i] = crc;
            }

            for (int i = 0; i < 256; i++)
            {
                for (int k = 1; k < 8; k++)
                {
                    ulong previous = table[((k - 1) * 256) + i];
                    table[(k * 256) + i] = (previous >> 8) ^ table[(int)(previous & 0xFF)];
                }
            }

            return table;
        }
    }

#if NET8_0_OR_GREATER
    /// <summary>
    /// CRC-64/NVME by carry-less multiplication: the folding of Crc32Folding (CarrylessFolding) with constants for
    /// a 64-bit CRC, and the last 16 bytes and the tail through the table.
    /// </summary>
    /// <remarks>
    /// A 128-bit lane loaded little-endian holds the block polynomial H·x^64 + L with H in the low qword, in
    /// reflected order (bit 0 is the highest degree). The carry-less product of two reflected 64-bit values, read
    /// the same way, is their product times x. So moving a block D bits down the stream,
    ///   H·x^(D+64) + L·x^D  ≡  H·(x^(D+63) mod P)·x + L·(x^(D-1) mod P)·x  (mod P),
    /// takes the constants x^(D+63) mod P (for H) and x^(D-1) mod P (for L), derived below from the polynomial.
    /// </remarks>
    internal static class Crc64Folding
    {
        public const int MinimumLength = 64;

        private static readonly Vector128<ulong> Fold512 = FoldConstants(512);
        private static readonly Vector128<ulong> Fold128 = FoldConstants(128);

        public static bool IsSupported => CarrylessFolding.IsSupported;

        /// <summary>Updates a running (pre-inverted) CRC exactly as Crc64.UpdatePortable does.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static ulong Update(ulong crc, ReadOnlySpan<byte> data)
        {
            if (data.Length < MinimumLength || !IsSupported)
            {
                return Crc64.UpdatePortable(crc, data);
            }

            // The running CRC enters as an XOR into the first 64 bits of the message.
            Vector128<ulong> x = CarrylessFolding.Fold(data, Vector128.CreateScalar(crc), Fold512, Fold128, out int offset);

            // x is congruent to the message so far; its CRC from a zero register is the message's register.
            Span<byte> last = stackalloc byte[16];
            x.AsByte().CopyTo(last);
            ulong state = Crc64.UpdatePortable(0, last);
            return Crc64.UpdatePortable(state, data.Slice(offset));
        }

        private static Vector128<ulong> FoldConstants(int distance) =>
            Vector128.Create(XPowerModP(distance + 63), XPowerModP(distance - 1));

        /// <summary>x^power mod P in reflected form (bit 63 - d holds the coefficient of x^d).</summary>
        internal static ulong XPowerModP(int power)
        {
            ulong value = 1UL << 63; // x^0
            for (int i = 0; i < power; i++)
            {
                value = (value & 1) != 0 ? (value >> 1) ^ Crc64.NvmePolynomial : value >> 1;
            }

            return value;
        }
    }
#endif
}
