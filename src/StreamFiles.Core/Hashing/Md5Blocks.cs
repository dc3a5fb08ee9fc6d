#if NET8_0_OR_GREATER
using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// The MD5 compression function (RFC 1321) over 64-byte blocks: sixteen independent messages at once in the lanes of
    /// AVX-512 registers, eight in AVX2 registers where the CPU has no AVX-512, or one message with scalar code. One MD5
    /// is a chain of dependent steps, so a core that runs one message leaves most of its execution units idle; sixteen
    /// (or eight) messages in lockstep cost about as much per block.
    /// <para>State is kept as structure-of-arrays: state[0..15] are the A words of the sixteen lanes, state[16..31]
    /// the B words, then C and D.</para>
    /// </summary>
    internal static unsafe class Md5Blocks
    {
        public const int Lanes = 16;

        /// <summary>Lanes one round of the widest kernel here hashes: 16 (AVX-512), 8 (AVX2) or 1 (scalar only).</summary>
        public static int Width { get; } = Avx512F.IsSupported ? 16 : Avx2.IsSupported ? 8 : 1;

        /// <summary>Whether a vector kernel (sixteen or eight lanes) runs in hardware here.</summary>
        public static bool IsVectorized => Width > 1;

        /// <summary>
        /// Compresses <paramref name="blocks"/> consecutive blocks of each lane: lane j reads from rows[j] and then
        /// advances it by strides[j] per block (64 for a real message, 0 for an idle lane parked on a readable block).
        /// Idle lanes' state comes out as garbage; the caller ignores it.
        /// </summary>
        // Straight to optimised code: the tier-0 first compile would call every step as a function, and a download
        // calls this a few thousand times only, too few for the tiers to catch up soon.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Compress16(uint* state, byte** rows, long* strides, long blocks)
        {
            Vector512<uint> a = Vector512.Load(state);
            Vector512<uint> b = Vector512.Load(state + 16);
            Vector512<uint> c = Vector512.Load(state + 32);
            Vector512<uint> d = Vector512.Load(state + 48);
            for (long n = 0; n < blocks; n++)
            {
                // Row j is lane j's block; the transpose turns the rows into message words m0..m15, each across all lanes.
                Vector512<uint> r0 = Vector512.Load((uint*)rows[0]);
                Vector512<uint> r1 = Vector512.Load((uint*)rows[1]);
                Vector512<uint> r2 = Vector512.Load((uint*)rows[2]);
                Vector512<uint> r3 = Vector512.Load((uint*)rows[3]);
                Vector512<uint> r4 = Vector512.Load((uint*)rows[4]);
                Vector512<uint> r5 = Vector512.Load((uint*)rows[5]);
                Vector512<uint> r6 = Vector512.Load((uint*)rows[6]);
                Vector512<uint> r7 = Vector512.Load((uint*)rows[7]);
                Vector512<uint> r8 = Vector512.Load((uint*)rows[8]);
                Vector512<uint> r9 = Vector512.Load((uint*)rows[9]);
                Vector512<uint> r10 = Vector512.Load((uint*)rows[10]);
                Vector512<uint> r11 = Vector512.Load((uint*)rows[11]);
                Vector512<uint> r12 = Vector512.Load((uint*)rows[12]);
                Vector512<uint> r13 = Vector512.Load((uint*)rows[13]);
                Vector512<uint> r14 = Vector512.Load((uint*)rows[14]);
                Vector512<uint> r15 = Vector512.Load((uint*)rows[15]);
                for (int j = 0; j < Lanes; j++)
                {
                    rows[j] += strides[j];
                }

                // 4x4 transposes of 32-bit words inside each 128-bit quarter...
                Transpose4(ref r0, ref r1, ref r2, ref r3);
                Transpose4(ref r4, ref r5, ref r6, ref r7);
                Transpose4(ref r8, ref r9, ref r10, ref r11);
                Transpose4(ref r12, ref r13, ref r14, ref r15);

                // ...then a 4x4 transpose of the quarters: word 4k+m comes from quarter k of r(m), r(4+m), r(8+m), r(12+m).
                Quarters(r0, r4, r8, r12, out Vector512<uint> m0, out Vector512<uint> m4, out Vector512<uint> m8, out Vector512<uint> m12);
                Quarters(r1, r5, r9, r13, out Vector512<uint> m1, out Vector512<uint> m5, out Vector512<uint> m9, out Vector512<uint> m13);
                Quarters(r2, r6, r10, r14, out Vector512<uint> m2, out Vector512<uint> m6, out Vector512<uint> m10, out Vector512<uint> m14);
                Quarters(r3, r7, r11, r15, out Vector512<uint> m3, out Vector512<uint> m7, out Vector512<uint> m11, out Vector512<uint> m15);

                Vector512<uint> aa = a, bb = b, cc = c, dd = d;
                a = Step(TableF, a, b, c, d, m0, 0xd76aa478u, 7);
                d = Step(TableF, d, a, b, c, m1, 0xe8c7b756u, 12);
                c = Step(TableF, c, d, a, b, m2, 0x242070dbu, 17);
                b = Step(TableF, b, c, d, a, m3, 0xc1bdceeeu, 22);
                a = Step(TableF, a, b, c, d, m4, 0xf57c0fafu, 7);
                d = Step(TableF, d, a, b, c, m5, 0x4787c62au, 12);
                c = Step(TableF, c, d, a, b, m6, 0xa8304613u, 17);
                b = Step(TableF, b, c, d, a, m7, 0xfd469501u, 22);
                a = Step(TableF, a, b, c, d, m8, 0x698098d8u, 7);
                d = Step(TableF, d, a, b, c, m9, 0x8b44f7afu, 12);
                c = Step(TableF, c, d, a, b, m10, 0xffff5bb1u, 17);
                b = Step(TableF, b, c, d, a, m11, 0x895cd7beu, 22);
                a = Step(TableF, a, b, c, d, m12, 0x6b901122u, 7);
                d = Step(TableF, d, a, b, c, m13, 0xfd987193u, 12);
                c = Step(TableF, c, d, a, b, m14, 0xa679438eu, 17);
                b = Step(TableF, b, c, d, a, m15, 0x49b40821u, 22);
                a = Step(TableG, a, b, c, d, m1, 0xf61e2562u, 5);
                d = Step(TableG, d, a, b, c, m6, 0xc040b340u, 9);
                c = Step(TableG, c, d, a, b, m11, 0x265e5a51u, 14);
                b = Step(TableG, b, c, d, a, m0, 0xe9b6c7aau, 20);
                a = Step(TableG, a, b, c, d, m5, 0xd62f105du, 5);
                d = Step(TableG, d, a, b, c, m10, 0x02441453u, 9);
                c = Step(TableG, c, d, a, b, m15, 0xd8a1e681u, 14);
                b = Step(TableG, b, c, d, a, m4, 0xe7d3fbc8u, 20);
                a = Step(TableG, a, b, c, d, m9, 0x21e1cde6u, 5);
                d = Step(TableG, d, a, b, c, m14, 0xc33707d6u, 9);
                c = Step(TableG, c, d, a, b, m3, 0xf4d50d87u, 14);
                b = Step(TableG, b, c, d, a, m8, 0x455a14edu, 20);
                a = Step(TableG, a, b, c, d, m13, 0xa9e3e905u, 5);
                d = Step(TableG, d, a, b, c, m2, 0xfcefa3f8u, 9);
                c = Step(TableG, c, d, a, b, m7, 0x676f02d9u, 14);
                b = Step(TableG, b, c, d, a, m12, 0x8d2a4c8au, 20);
                a = Step(TableH, a, b, c, d, m5, 0xfffa3942u, 4);
                d = Step(TableH, d, a, b, c, m8, 0x8771f681u, 11);
                c = Step(TableH, c, d, a, b, m11, 0x6d9d6122u, 16);
                b = Step(TableH, b, c, d, a, m14, 0xfde5380cu, 23);
                a = Step(TableH, a, b, c, d, m1, 0xa4beea44u, 4);
                d = Step(TableH, d, a, b, c, m4, 0x4bdecfa9u, 11);
                c = Step(TableH, c, d, a, b, m7, 0xf6bb4b60u, 16);
                b = Step(TableH, b, c, d, a, m10, 0xbebfbc70u, 23);
                a = Step(TableH, a, b, c, d, m13, 0x289b7ec6u, 4);
                d = Step(TableH, d, a, b, c, m0, 0xeaa127fau, 11);
                c = Step(TableH, c, d, a, b, m3, 0xd4ef3085u, 16);
                b = Step(TableH, b, c, d, a, m6, 0x04881d05u, 23);
                a = Step(TableH, a, b, c, d, m9, 0xd9d4d039u, 4);
                d = Step(TableH, d, a, b, c, m12, 0xe6db99e5u, 11);
                c = Step(TableH, c, d, a, b, m15, 0x1fa27cf8u, 16);
                b = Step(TableH, b, c, d, a, m2, 0xc4ac5665u, 23);
                a = Step(TableI, a, b, c, d, m0, 0xf4292244u, 6);
                d = Step(TableI, d, a, b, c, m7, 0x432aff97u, 10);
                c = Step(TableI, c, d, a, b, m14, 0xab9423a7u, 15);
                b = Step(TableI, b, c, d, a, m5, 0xfc93a039u, 21);
                a = Step(TableI, a, b, c, d, m12, 0x655b59c3u, 6);
                d = Step(TableI, d, a, b, c, m3, 0x8f0ccc92u, 10);
                c = Step(TableI, c, d, a, b, m10, 0xffeff47du, 15);
                b = Step(TableI, b, c, d, a, m1, 0x85845dd1u, 21);
                a = Step(TableI, a, b, c, d, m8, 0x6fa87e4fu, 6);
                d = Step(TableI, d, a, b, c, m15, 0xfe2ce6e0u, 10);
                c = Step(TableI, c, d, a, b, m6, 0xa3014314u, 15);
                b = Step(TableI, b, c, d, a, m13, 0x4e0811a1u, 21);
                a = Step(TableI, a, b, c, d, m4, 0xf7537e82u, 6);
                d = Step(TableI, d, a, b, c, m11, 0xbd3af235u, 10);
                c = Step(TableI, c, d, a, b, m2, 0x2ad7d2bbu, 15);
                b = Step(TableI, b, c, d, a, m9, 0xeb86d391u, 21);
                a += aa;
                b += bb;
                c += cc;
                d += dd;
            }

            a.Store(state);
            b.Store(state + 16);
            c.Store(state + 32);
            d.Store(state + 48);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose4(ref Vector512<uint> r0, ref Vector512<uint> r1, ref Vector512<uint> r2, ref Vector512<uint> r3)
        {
            Vector512<ulong> t0 = Avx512F.UnpackLow(r0, r1).AsUInt64();
            Vector512<ulong> t1 = Avx512F.UnpackHigh(r0, r1).AsUInt64();
            Vector512<ulong> t2 = Avx512F.UnpackLow(r2, r3).AsUInt64();
            Vector512<ulong> t3 = Avx512F.UnpackHigh(r2, r3).AsUInt64();
            r0 = Avx512F.UnpackLow(t0, t2).AsUInt32();
            r1 = Avx512F.UnpackHigh(t0, t2).AsUInt32();
            r2 = Avx512F.UnpackLow(t1, t3).AsUInt32();
            r3 = Avx512F.UnpackHigh(t1, t3).AsUInt32();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Quarters(Vector512<uint> u0, Vector512<uint> u1, Vector512<uint> u2, Vector512<uint> u3, out Vector512<uint> q0, out Vector512<uint> q1, out Vector512<uint> q2, out Vector512<uint> q3)
        {
            Vector512<uint> v0 = Avx512F.Shuffle4x128(u0, u1, 0x44);
            Vector512<uint> v1 = Avx512F.Shuffle4x128(u0, u1, 0xEE);
            Vector512<uint> v2 = Avx512F.Shuffle4x128(u2, u3, 0x44);
            Vector512<uint> v3 = Avx512F.Shuffle4x128(u2, u3, 0xEE);
            q0 = Avx512F.Shuffle4x128(v0, v2, 0x88);
            q1 = Avx512F.Shuffle4x128(v0, v2, 0xDD);
            q2 = Avx512F.Shuffle4x128(v1, v3, 0x88);
            q3 = Avx512F.Shuffle4x128(v1, v3, 0xDD);
        }

        // The four round functions as ternary-logic truth tables over (b, c, d) = (0xF0, 0xCC, 0xAA):
        // F = b ? c : d (0xCA), G = d ? b : c (0xE4), H = b ^ c ^ d (0x96), I = c ^ (b | ~d) (0x39).
        private const byte TableF = 0xCA, TableG = 0xE4, TableH = 0x96, TableI = 0x39;

        /// <summary>One MD5 step on sixteen lanes; <paramref name="function"/> is the round's truth table (TableF, TableG, TableH or TableI).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<uint> Step(
            [System.Diagnostics.CodeAnalysis.ConstantExpected] byte function, Vector512<uint> a, Vector512<uint> b, Vector512<uint> c, Vector512<uint> d, Vector512<uint> m, uint k,
            [System.Diagnostics.CodeAnalysis.ConstantExpected] byte s) =>
            b + Avx512F.RotateLeft(a + (m + Vector512.Create(k)) + Avx512F.TernaryLogic(b, c, d, function), s);

        // The additive constants as a table for the eight-lane kernel, floor(|sin(i + 1)| * 2^32) (RFC 1321, 3.4): its
        // steps wait on each other, not on these loads, so loops over four steps at a time run as fast as the 64 steps
        // written out. The tests check every kernel against .NET's MD5.
        private static readonly uint[] Constants = MakeConstants();

        private static uint[] MakeConstants()
        {
            var k = new uint[64];
            for (int i = 0; i < 64; i++)
            {
                k[i] = (uint)(long)Math.Floor(Math.Abs(Math.Sin(i + 1)) * 4294967296.0);
            }

            return k;
        }

        /// <summary>
        /// Compress16 for eight lanes with AVX2: lanes 0 to 7 of the same state layout (structure-of-arrays, sixteen words
        /// per row), rows[0..7] and strides[0..7].
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Compress8(uint* state, byte** rows, long* strides, long blocks)
        {
            Vector256<uint> a = Vector256.Load(state);
            Vector256<uint> b = Vector256.Load(state + 16);
            Vector256<uint> c = Vector256.Load(state + 32);
            Vector256<uint> d = Vector256.Load(state + 48);
            Vector256<uint>* m = stackalloc Vector256<uint>[16];
            fixed (uint* k = Constants)
            {
                for (long n = 0; n < blocks; n++)
                {
                    // Words 0-7 of the eight rows, then words 8-15, each transposed so that m[w] holds word w of every lane.
                    Transpose8(rows, 0, m);
                    Transpose8(rows, 32, m + 8);
                    for (int j = 0; j < 8; j++)
                    {
                        rows[j] += strides[j];
                    }

                    Vector256<uint> aa = a, bb = b, cc = c, dd = d;

                    // Message word of step i: i in round 1, (5i + 1) mod 16 in round 2, (3i + 5) in round 3, 7i in round 4.
                    for (int i = 0; i < 16; i += 4)
                    {
                        a = Step8(0, a, b, c, d, m[i], k[i], 7);
                        d = Step8(0, d, a, b, c, m[i + 1], k[i + 1], 12);
                        c = Step8(0, c, d, a, b, m[i + 2], k[i + 2], 17);
                        b = Step8(0, b, c, d, a, m[i + 3], k[i + 3], 22);
                    }

                    for (int i = 16; i < 32; i += 4)
                    {
                        a = Step8(1, a, b, c, d, m[((5 * i) + 1) & 15], k[i], 5);
                        d = Step8(1, d, a, b, c, m[((5 * i) + 6) & 15], k[i + 1], 9);
                        c = Step8(1, c, d, a, b, m[((5 * i) + 11) & 15], k[i + 2], 14);
                        b = Step8(1, b, c, d, a, m[(5 * i) & 15], k[i + 3], 20);
                    }

                    for (int i = 32; i < 48; i += 4)
                    {
                        a = Step8(2, a, b, c, d, m[((3 * i) + 5) & 15], k[i], 4);
                        d = Step8(2, d, a, b, c, m[((3 * i) + 8) & 15], k[i + 1], 11);
                        c = Step8(2, c, d, a, b, m[((3 * i) + 11) & 15], k[i + 2], 16);
                        b = Step8(2, b, c, d, a, m[((3 * i) + 14) & 15], k[i + 3], 23);
                    }

                    for (int i = 48; i < 64; i += 4)
                    {
                        a = Step8(3, a, b, c, d, m[(7 * i) & 15], k[i], 6);
                        d = Step8(3, d, a, b, c, m[((7 * i) + 7) & 15], k[i + 1], 10);
                        c = Step8(3, c, d, a, b, m[((7 * i) + 14) & 15], k[i + 2], 15);
                        b = Step8(3, b, c, d, a, m[((7 * i) + 21) & 15], k[i + 3], 21);
                    }

                    a += aa;
                    b += bb;
                    c += cc;
                    d += dd;
                }
            }

            a.Store(state);
            b.Store(state + 16);
            c.Store(state + 32);
            d.Store(state + 48);
        }

        /// <summary>
        /// One MD5 step on eight lanes. <paramref name="round"/> picks the function: 0 F, 1 G, 2 H, 3 I. The sum is
        /// ordered so that only the last terms wait for b, the previous step's result.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<uint> Step8(
            [System.Diagnostics.CodeAnalysis.ConstantExpected] int round, Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, Vector256<uint> m, uint k,
            [System.Diagnostics.CodeAnalysis.ConstantExpected] byte s)
        {
            Vector256<uint> t = a + m + Vector256.Create(k);
            t = round switch
            {
                0 => t + (d ^ (b & (c ^ d))),

                // G = (b & d) | (c & ~d): the halves share no bits, so adding both is the same, and only b & d waits for b.
                1 => t + Vector256.AndNot(c, d) + (b & d),
                2 => t + (b ^ (c ^ d)),
                _ => t + (c ^ (b | ~d)),
            };
            return b + (Vector256.ShiftLeft(t, s) | Vector256.ShiftRightLogical(t, 32 - s));
        }

        /// <summary>Eight 32-byte rows (bytes offset..offset+31 of rows[0..7]) transposed into eight vectors of one word each.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose8(byte** rows, int offset, Vector256<uint>* words)
        {
            Vector256<uint> r0 = Vector256.Load((uint*)(rows[0] + offset));
            Vector256<uint> r1 = Vector256.Load((uint*)(rows[1] + offset));
            Vector256<uint> r2 = Vector256.Load((uint*)(rows[2] + offset));
            Vector256<uint> r3 = Vector256.Load((uint*)(rows[3] + offset));
            Vector256<uint> r4 = Vector256.Load((uint*)(rows[4] + offset));
            Vector256<uint> r5 = Vector256.Load((uint*)(rows[5] + offset));
            Vector256<uint> r6 = Vector256.Load((uint*)(rows[6] + offset));
            Vector256<uint> r7 = Vector256.Load((uint*)(rows[7] + offset));

            // In each 128-bit half: pairs of rows interleaved by word, then by pairs of words...
            Vector256<ulong> t0 = Avx2.UnpackLow(r0, r1).AsUInt64();
            Vector256<ulong> t1 = Avx2.UnpackHigh(r0, r1).AsUInt64();
            Vector256<ulong> t2 = Avx2.UnpackLow(r2, r3).AsUInt64();
            Vector256<ulong> t3 = Avx2.UnpackHigh(r2, r3).AsUInt64();
            Vector256<ulong> t4 = Avx2.UnpackLow(r4, r5).AsUInt64();
            Vector256<ulong> t5 = Avx2.UnpackHigh(r4, r5).AsUInt64();
            Vector256<ulong> t6 = Avx2.UnpackLow(r6, r7).AsUInt64();
            Vector256<ulong> t7 = Avx2.UnpackHigh(r6, r7).AsUInt64();
            Vector256<uint> u0 = Avx2.UnpackLow(t0, t2).AsUInt32();   // words 0 | 4 of rows 0-3
            Vector256<uint> u1 = Avx2.UnpackHigh(t0, t2).AsUInt32();  // words 1 | 5
            Vector256<uint> u2 = Avx2.UnpackLow(t1, t3).AsUInt32();   // words 2 | 6
            Vector256<uint> u3 = Avx2.UnpackHigh(t1, t3).AsUInt32();  // words 3 | 7
            Vector256<uint> u4 = Avx2.UnpackLow(t4, t6).AsUInt32();   // the same for rows 4-7
            Vector256<uint> u5 = Avx2.UnpackHigh(t4, t6).AsUInt32();
            Vector256<uint> u6 = Avx2.UnpackLow(t5, t7).AsUInt32();
            Vector256<uint> u7 = Avx2.UnpackHigh(t5, t7).AsUInt32();

            // ...then the low halves of rows 0-3 and 4-7 make words 0-3, the high halves words 4-7.
            words[0] = Avx2.Permute2x128(u0, u4, 0x20);
            words[4] = Avx2.Permute2x128(u0, u4, 0x31);
            words[1] = Avx2.Permute2x128(u1, u5, 0x20);
            words[5] = Avx2.Permute2x128(u1, u5, 0x31);
            words[2] = Avx2.Permute2x128(u2, u6, 0x20);
            words[6] = Avx2.Permute2x128(u2, u6, 0x31);
            words[3] = Avx2.Permute2x128(u3, u7, 0x20);
            words[7] = Avx2.Permute2x128(u3, u7, 0x31);
        }

        /// <summary>Compresses <paramref name="blocks"/> consecutive blocks of one message into lane <paramref name="lane"/> of the state.</summary>
        // Straight to optimised code: the tier-0 first compile would call every step as a function, and a download
        // calls this a few thousand times only, too few for the tiers to catch up soon.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void CompressOne(uint* state, int lane, byte* data, long blocks)
        {
            uint a = state[lane], b = state[16 + lane], c = state[32 + lane], d = state[48 + lane];
            for (long n = 0; n < blocks; n++, data += 64)
            {
                uint* w = (uint*)data;
                uint w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7];
                uint w8 = w[8], w9 = w[9], w10 = w[10], w11 = w[11], w12 = w[12], w13 = w[13], w14 = w[14], w15 = w[15];
                uint aa = a, bb = b, cc = c, dd = d;
                a = b + BitOperations.RotateLeft(a + 0xd76aa478u + w0 + F(b, c, d), 7);
                d = a + BitOperations.RotateLeft(d + 0xe8c7b756u + w1 + F(a, b, c), 12);
                c = d + BitOperations.RotateLeft(c + 0x242070dbu + w2 + F(d, a, b), 17);
                b = c + BitOperations.RotateLeft(b + 0xc1bdceeeu + w3 + F(c, d, a), 22);
                a = b + BitOperations.RotateLeft(a + 0xf57c0fafu + w4 + F(b, c, d), 7);
                d = a + BitOperations.RotateLeft(d + 0x4787c62au + w5 + F(a, b, c), 12);
                c = d + BitOperations.RotateLeft(c + 0xa8304613u + w6 + F(d, a, b), 17);
                b = c + BitOperations.RotateLeft(b + 0xfd469501u + w7 + F(c, d, a), 22);
                a = b + BitOperations.RotateLeft(a + 0x698098d8u + w8 + F(b, c, d), 7);
                d = a + BitOperations.RotateLeft(d + 0x8b44f7afu + w9 + F(a, b, c), 12);
                c = d + BitOperations.RotateLeft(c + 0xffff5bb1u + w10 + F(d, a, b), 17);
                b = c + BitOperations.RotateLeft(b + 0x895cd7beu + w11 + F(c, d, a), 22);
                a = b + BitOperations.RotateLeft(a + 0x6b901122u + w12 + F(b, c, d), 7);
                d = a + BitOperations.RotateLeft(d + 0xfd987193u + w13 + F(a, b, c), 12);
                c = d + BitOperations.RotateLeft(c + 0xa679438eu + w14 + F(d, a, b), 17);
                b = c + BitOperations.RotateLeft(b + 0x49b40821u + w15 + F(c, d, a), 22);
                a = b + BitOperations.RotateLeft(a + 0xf61e2562u + w1 + G(b, c, d), 5);
                d = a + BitOperations.RotateLeft(d + 0xc040b340u + w6 + G(a, b, c), 9);
                c = d + BitOperations.RotateLeft(c + 0x265e5a51u + w11 + G(d, a, b), 14);
                b = c + BitOperations.RotateLeft(b + 0xe9b6c7aau + w0 + G(c, d, a), 20);
                a = b + BitOperations.RotateLeft(a + 0xd62f105du + w5 + G(b, c, d), 5);
                d = a + BitOperations.RotateLeft(d + 0x02441453u + w10 + G(a, b, c), 9);
                c = d + BitOperations.RotateLeft(c + 0xd8a1e681u + w15 + G(d, a, b), 14);
                b = c + BitOperations.RotateLeft(b + 0xe7d3fbc8u + w4 + G(c, d, a), 20);
                a = b + BitOperations.RotateLeft(a + 0x21e1cde6u + w9 + G(b, c, d), 5);
                d = a + BitOperations.RotateLeft(d + 0xc33707d6u + w14 + G(a, b, c), 9);
                c = d + BitOperations.RotateLeft(c + 0xf4d50d87u + w3 + G(d, a, b), 14);
                b = c + BitOperations.RotateLeft(b + 0x455a14edu + w8 + G(c, d, a), 20);
                a = b + BitOperations.RotateLeft(a + 0xa9e3e905u + w13 + G(b, c, d), 5);
                d = a + BitOperations.RotateLeft(d + 0xfcefa3f8u + w2 + G(a, b, c), 9);
                c = d + BitOperations.RotateLeft(c + 0x676f02d9u + w7 + G(d, a, b), 14);
                b = c + BitOperations.RotateLeft(b + 0x8d2a4c8au + w12 + G(c, d, a), 20);
                a = b + BitOperations.RotateLeft(a + 0xfffa3942u + w5 + H(b, c, d), 4);
                d = a + BitOperations.RotateLeft(d + 0x8771f681u + w8 + H(a, b, c), 11);
                c = d + BitOperations.RotateLeft(c + 0x6d9d6122u + w11 + H(d, a, b), 16);
                b = c + BitOperations.RotateLeft(b + 0xfde5380cu + w14 + H(c, d, a), 23);
                a = b + BitOperations.RotateLeft(a + 0xa4beea44u + w1 + H(b, c, d), 4);
                d = a + BitOperations.RotateLeft(d + 0x4bdecfa9u + w4 + H(a, b, c), 11);
                c = d + BitOperations.RotateLeft(c + 0xf6bb4b60u + w7 + H(d, a, b), 16);
                b = c + BitOperations.RotateLeft(b + 0xbebfbc70u + w10 + H(c, d, a), 23);
                a = b + BitOperations.RotateLeft(a + 0x289b7ec6u + w13 + H(b, c, d), 4);
                d = a + BitOperations.RotateLeft(d + 0xeaa127fau + w0 + H(a, b, c), 11);
                c = d + BitOperations.RotateLeft(c + 0xd4ef3085u + w3 + H(d, a, b), 16);
                b = c + BitOperations.RotateLeft(b + 0x04881d05u + w6 + H(c, d, a), 23);
                a = b + BitOperations.RotateLeft(a + 0xd9d4d039u + w9 + H(b, c, d), 4);
                d = a + BitOperations.RotateLeft(d + 0xe6db99e5u + w12 + H(a, b, c), 11);
                c = d + BitOperations.RotateLeft(c + 0x1fa27cf8u + w15 + H(d, a, b), 16);
                b = c + BitOperations.RotateLeft(b + 0xc4ac5665u + w2 + H(c, d, a), 23);
                a = b + BitOperations.RotateLeft(a + 0xf4292244u + w0 + I(b, c, d), 6);
                d = a + BitOperations.RotateLeft(d + 0x432aff97u + w7 + I(a, b, c), 10);
                c = d + BitOperations.RotateLeft(c + 0xab9423a7u + w14 + I(d, a, b), 15);
                b = c + BitOperations.RotateLeft(b + 0xfc93a039u + w5 + I(c, d, a), 21);
                a = b + BitOperations.RotateLeft(a + 0x655b59c3u + w12 + I(b, c, d), 6);
                d = a + BitOperations.RotateLeft(d + 0x8f0ccc92u + w3 + I(a, b, c), 10);
                c = d + BitOperations.RotateLeft(c + 0xffeff47du + w10 + I(d, a, b), 15);
                b = c + BitOperations.RotateLeft(b + 0x85845dd1u + w1 + I(c, d, a), 21);
                a = b + BitOperations.RotateLeft(a + 0x6fa87e4fu + w8 + I(b, c, d), 6);
                d = a + BitOperations.RotateLeft(d + 0xfe2ce6e0u + w15 + I(a, b, c), 10);
                c = d + BitOperations.RotateLeft(c + 0xa3014314u + w6 + I(d, a, b), 15);
                b = c + BitOperations.RotateLeft(b + 0x4e0811a1u + w13 + I(c, d, a), 21);
                a = b + BitOperations.RotateLeft(a + 0xf7537e82u + w4 + I(b, c, d), 6);
                d = a + BitOperations.RotateLeft(d + 0xbd3af235u + w11 + I(a, b, c), 10);
                c = d + BitOperations.RotateLeft(c + 0x2ad7d2bbu + w2 + I(d, a, b), 15);
                b = c + BitOperations.RotateLeft(b + 0xeb86d391u + w9 + I(c, d, a), 21);
                a += aa;
                b += bb;
                c += cc;
                d += dd;
            }

            state[lane] = a;
            state[16 + lane] = b;
            state[32 + lane] = c;
            state[48 + lane] = d;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint F(uint b, uint c, uint d) => d ^ (b & (c ^ d));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint G(uint b, uint c, uint d) => c ^ (d & (b ^ c));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint H(uint b, uint c, uint d) => b ^ c ^ d;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint I(uint b, uint c, uint d) => c ^ (b | ~d);
    }
}
#endif
