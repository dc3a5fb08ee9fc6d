#if NET8_0_OR_GREATER
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// The folding loop Crc32Folding and Crc64Folding share: four 128-bit accumulators 512 bits apart, folded forward by
    /// carry-less multiplication, then folded into one, then the remaining whole 16-byte blocks. What a fold constant
    /// means depends on the CRC's width; each caller derives its own and reduces the result its own way.
    /// </summary>
    internal static class CarrylessFolding
    {
        public static bool IsSupported => Pclmulqdq.IsSupported && Sse2.IsSupported;

        /// <summary>
        /// Folds the whole 16-byte blocks of <paramref name="data"/> (at least 64 bytes) into one 128-bit lane congruent to
        /// them, with <paramref name="seed"/> (the running CRC) XORed into the first block.
        /// </summary>
        /// <param name="consumed">How many bytes were folded: the rest (under 16) is the caller's.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Vector128<ulong> Fold(ReadOnlySpan<byte> data, Vector128<ulong> seed, Vector128<ulong> fold512, Vector128<ulong> fold128, out int consumed)
        {
            ref byte start = ref MemoryMarshal.GetReference(data);
            int length = data.Length;

            Vector128<ulong> x0 = Load(ref start, 0) ^ seed;
            Vector128<ulong> x1 = Load(ref start, 16);
            Vector128<ulong> x2 = Load(ref start, 32);
            Vector128<ulong> x3 = Load(ref start, 48);
            int offset = 64;

            while (length - offset >= 64)
            {
                x0 = Multiply(x0, fold512) ^ Load(ref start, offset);
                x1 = Multiply(x1, fold512) ^ Load(ref start, offset + 16);
                x2 = Multiply(x2, fold512) ^ Load(ref start, offset + 32);
                x3 = Multiply(x3, fold512) ^ Load(ref start, offset + 48);
                offset += 64;
            }

            Vector128<ulong> x = Multiply(x0, fold128) ^ x1;
            x = Multiply(x, fold128) ^ x2;
            x = Multiply(x, fold128) ^ x3;

            while (length - offset >= 16)
            {
                x = Multiply(x, fold128) ^ Load(ref start, offset);
                offset += 16;
            }

            consumed = offset;
            return x;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<ulong> Load(ref byte start, int offset) =>
            Vector128.LoadUnsafe(ref start, (nuint)offset).AsUInt64();

        /// <summary>Low qword times the constants' low qword, xor high times high: the lane moved down the stream.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<ulong> Multiply(Vector128<ulong> x, Vector128<ulong> constants) =>
            Pclmulqdq.CarrylessMultiply(x, constants, 0x00) ^ Pclmulqdq.CarrylessMultiply(x, constants, 0x11);
    }
}
#endif
