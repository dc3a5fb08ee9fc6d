using System.Collections.Generic;
using System.Linq;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// Combines CRCs of consecutive pieces into the CRC of the whole, as zlib's crc32_combine does:
    /// crc(A·B) = crc(A)·x^(8·|B|) mod P xor crc(B). Parts hashed in parallel thus give exactly the CRC a
    /// single front-to-back pass would, which is also what S3 calls a full-object CRC. Cost: O(log |B|).
    /// The same holds for CRC-64/NVME (Combine64).
    /// </summary>
    public static class CrcCombine
    {
        private static readonly uint[] IeeePowers = BuildPowers(Crc32Tables.IeeePolynomial);
        private static readonly uint[] CastagnoliPowers = BuildPowers(Crc32Tables.CastagnoliPolynomial);
        private static readonly ulong[] Nvme64Powers = BuildPowers64();

        /// <summary>The CRC of A followed by B, from crc(A), crc(B) and the length of B (final, inverted values).</summary>
        public static uint Combine(uint crcA, uint crcB, long lengthB, bool castagnoli)
        {
            if (lengthB <= 0)
            {
                return crcA;
            }

            uint polynomial = castagnoli ? Crc32Tables.CastagnoliPolynomial : Crc32Tables.IeeePolynomial;
            uint[] powers = castagnoli ? CastagnoliPowers : IeeePowers;
            return MultiplyModP(XToThe8NModP(lengthB, powers, polynomial), crcA, polynomial) ^ crcB;
        }

        /// <summary>The CRC of consecutive pieces, from each piece's CRC and length, in order.</summary>
        public static uint CombineAll(IReadOnlyList<(uint Crc, long Length)> pieces, bool castagnoli)
        {
            uint whole = 0;
            for (int i = 0; i < pieces.Count; i++)
            {
                whole = i == 0 ? pieces[i].Crc : Combine(whole, pieces[i].Crc, pieces[i].Length, castagnoli);
            }

            return whole;
        }

        /// <summary>
        /// The CRC (CRC32C, CRC32 or CRC64NVME) of consecutive pieces, from each piece's CRC and length, as the upper-case
        /// hex of its big-endian bytes (what S3 base64-encodes and tools print).
        /// </summary>
        public static string CombineHex(ChecksumAlgorithm algorithm, IReadOnlyList<(ulong Crc, long Length)> pieces) =>
            algorithm == ChecksumAlgorithm.CRC64NVME
                ? ToHex(algorithm, CombineAll64(pieces))
                : ToHex(algorithm, CombineAll(pieces.Select(p => ((uint)p.Crc, p.Length)).ToList(), algorithm == ChecksumAlgorithm.CRC32C));

        /// <summary>A CRC value of this algorithm as upper-case hex of its big-endian bytes (8 digits, or 16 for CRC64NVME).</summary>
        public static string ToHex(ChecksumAlgorithm algorithm, ulong crc) =>
            Hex.Encode(algorithm == ChecksumAlgorithm.CRC64NVME ? Crc64.ToBigEndianBytes(crc) : Crc32.ToBigEndianBytes((uint)crc));

        /// <summary>The CRC-64/NVME of A followed by B (Crc64), from crc(A), crc(B) and the length of B.</summary>
        public static ulong Combine64(ulong crcA, ulong crcB, long lengthB)
        {
            if (lengthB <= 0)
            {
                return crcA;
            }

            ulong p = 1UL << 63; // x^0
            int k = 3;           // x^(8·n) from the squares x^(2^k), as for the 32-bit CRCs
            for (long n = lengthB; n != 0; n >>= 1, k++)
            {
                if ((n & 1) != 0)
                {
                    p = MultiplyModP64(Nvme64Powers[k & 63], p);
                }
            }

            return MultiplyModP64(p, crcA) ^ crcB;
        }

        /// <summary>The CRC-64/NVME of consecutive pieces, from each piece's CRC and length, in order.</summary>
        public static ulong CombineAll64(IReadOnlyList<(ulong Crc, long Length)> pieces)
        {
            ulong whole = 0;
            for (int i = 0; i < pieces.Count; i++)
            {
                whole = i == 0 ? pieces[i].Crc : Combine64(whole, pieces[i].Crc, pieces[i].Length);
            }

            return whole;
        }

        private static ulong MultiplyModP64(ulong a, ulong b)
        {
            ulong m = 1UL << 63;
            ulong p = 0;
            while (m != 0)
            {
                if ((a & m) != 0)
                {
                    p ^= b;
                }

                m >>= 1;
                b = (b & 1) != 0 ? (b >> 1) ^ Crc64.NvmePolynomial : b >> 1;
            }

            return p;
        }

        private static ulong[] BuildPowers64()
        {
            var powers = new ulong[64];
            ulong p = 1UL << 62; // x^1
            powers[0] = p;
            for (int i = 1; i < 64; i++)
            {
                p = MultiplyModP64(p, p);
                powers[i] = p;
            }

            return powers;
        }

        // a(x)·b(x) mod p(x) on reflected bit order, where the top bit is x^0.
        private static uint MultiplyModP(uint a, uint b, uint polynomial)
        {
            uint m = 1u << 31;
            uint p = 0;
            while (true)
            {
                if ((a & m) != 0)
                {
                    p ^= b;
                    if ((a & (m - 1)) == 0)
                    {
                        break;
                    }
                }

                m >>= 1;
                b = (b & 1) != 0 ? (b >> 1) ^ polynomial : b >> 1;
            }

            return p;
        }

        // x^(8·n) mod p, from the table of x^(2^k) mod p.
        private static uint XToThe8NModP(long n, uint[] powers, uint polynomial)
        {
            uint p = 1u << 31; // x^0
            int k = 3;         // 8·n = n·2^3
            while (n != 0)
            {
                if ((n & 1) != 0)
                {
                    p = MultiplyModP(powers[k & 31], p, polynomial);
                }

                n >>= 1;
                k++;
            }

            return p;
        }

        private static uint[] BuildPowers(uint polynomial)
        {
            var powers = new uint[32];
            uint p = 1u << 30; // x^1
            powers[0] = p;
            for (int i = 1; i < 32; i++)
            {
                p = MultiplyModP(p, p, polynomial);
                powers[i] = p;
            }

            return powers;
        }
    }
}
