using System;
#if NET8_0_OR_GREATER
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
#endif

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// CRC-32 (IEEE 802.3) and CRC-32C (Castagnoli), as S3 and most tools define them: reflected,
    /// initial value and final XOR 0xFFFFFFFF. CRC-32C uses the CPU's CRC instruction where there is one;
    /// CRC-32 uses carry-less multiplication (x86) or the CRC instruction (Arm).
    /// </summary>
    public sealed class Crc32
    {
        private readonly bool _castagnoli;
        private uint _state = 0xFFFFFFFFu;

        private Crc32(bool castagnoli) => _castagnoli = castagnoli;

        public static Crc32 CreateIeee() => new Crc32(castagnoli: false);

        public static Crc32 CreateCastagnoli() => new Crc32(castagnoli: true);

        public void Append(ReadOnlySpan<byte> data) =>
            _state = _castagnoli ? UpdateCastagnoli(_state, data) : UpdateIeee(_state, data);

        /// <summary>The CRC of everything appended since the last reset.</summary>
        public uint Value => ~_state;

        public void Reset() => _state = 0xFFFFFFFFu;

        public static uint Compute(ReadOnlySpan<byte> data, bool castagnoli)
        {
            var crc = new Crc32(castagnoli);
            crc.Append(data);
            return crc.Value;
        }

        /// <summary>Writes a CRC value as the 4 big-endian bytes S3 and tools print.</summary>
        public static byte[] ToBigEndianBytes(uint value) =>
            new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value };

        internal static uint UpdateIeee(uint crc, ReadOnlySpan<byte> data)
        {
#if NET8_0_OR_GREATER
            if (Crc32Folding.IsSupported)
            {
                return Crc32Folding.Update(crc, data);
            }

            if (Crc32.Arm64IsSupported)
            {
                return UpdateArmIeee(crc, data);
            }
#endif
            return Crc32Tables.Update(Crc32Tables.Ieee, crc, data);
        }

        internal static uint UpdateIeeePortable(uint crc, ReadOnlySpan<byte> data) =>
            Crc32Tables.Update(Crc32Tables.Ieee, crc, data);

        internal static uint UpdateCastagnoli(uint crc, ReadOnlySpan<byte> data)
        {
#if NET8_0_OR_GREATER
            if (Sse42.X64.IsSupported)
            {
                return UpdateSse42(crc, data);
            }

            if (Crc32.Arm64IsSupported)
            {
                return UpdateArmCastagnoli(crc, data);
            }
#endif
            return Crc32Tables.Update(Crc32Tables.Castagnoli, crc, data);
        }

        internal static uint UpdateCastagnoliPortable(uint crc, ReadOnlySpan<byte> data) =>
            Crc32Tables.Update(Crc32Tables.Castagnoli, crc, data);

#if NET8_0_OR_GREATER
        private static bool Arm64IsSupported => System.Runtime.Intrinsics.Arm.Crc32.Arm64.IsSupported;

        /// <summary>The bytes of each of the three lanes UpdateSse42 runs side by side.</summary>
        internal const int LaneBytes = 2048;

        /// <summary>
        /// The CRC register after LaneBytes zero bytes, as four byte-indexed tables: the register is linear in its
        /// start value, so shifting a lane's CRC over the lanes after it is four lookups.
        /// </summary>
        private static readonly uint[] LaneShift = BuildLaneShift();

        private static uint[] BuildLaneShift()
        {
            var zeros = new byte[LaneBytes];
            var bits = new uint[32];
            for (int bit = 0; bit < 32; bit++)
            {
                bits[bit] = Crc32Tables.Update(Crc32Tables.Castagnoli, 1u << bit, zeros);
            }

            var table = new uint[4 * 256];
            for (int k = 0; k < 4; k++)
            {
                for (int b = 0; b < 256; b++)
                {
                    uint value = 0;
                    for (int i = 0; i < 8; i++)
                    {
                        if ((b & (1 << i)) != 0)
                        {
                            value ^= bits[(8 * k) + i];
                        }
                    }

                    table[(k * 256) + b] = value;
                }
            }

            return table;
        }

        private static uint ShiftOverLane(uint[] table, uint crc) =>
            table[crc & 0xFF] ^ table[256 + ((crc >> 8) & 0xFF)] ^ table[512 + ((crc >> 16) & 0xFF)] ^ table[768 + (crc >> 24)];

        /// <summary>
        /// CRC-32C with the CRC instruction. One dependent chain runs at a third of the instruction's throughput
        /// (its latency is three cycles), so long inputs go as three lanes at once, joined with LaneShift.
        /// Optimised from the first call: tier-0 code makes a call of every Unsafe helper and runs several times
        /// slower, and with the CLI's high tier-up threshold the first 2,000 files of a batch would each hash
        /// that way until on-stack replacement caught up (3.5% of a 10,000-file copy's CPU in perf).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static uint UpdateSse42(uint crc, ReadOnlySpan<byte> data)
        {
            ulong state = crc;
            if (BitConverter.IsLittleEndian && data.Length >= 3 * LaneBytes)
            {
                uint[] shift = LaneShift;
                int triples = data.Length / (3 * LaneBytes);
                ref byte lane = ref MemoryMarshal.GetReference(data);
                for (int t = 0; t < triples; t++)
                {
                    ulong second = 0;
                    ulong third = 0;
                    for (int i = 0; i < LaneBytes; i += 8)
                    {
                        state = Sse42.X64.Crc32(state, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref lane, i)));
                        second = Sse42.X64.Crc32(second, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref lane, LaneBytes + i)));
                        third = Sse42.X64.Crc32(third, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref lane, (2 * LaneBytes) + i)));
                    }

                    state = ShiftOverLane(shift, (uint)state) ^ (uint)second;
                    state = ShiftOverLane(shift, (uint)state) ^ (uint)third;
                    lane = ref Unsafe.Add(ref lane, 3 * LaneBytes);
                }

                data = data.Slice(triples * 3 * LaneBytes);
            }

            ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
            foreach (ulong word in words)
            {
                state = Sse42.X64.Crc32(state, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
            }

            uint result = (uint)state;
            foreach (byte b in data.Slice(words.Length * 8))
            {
                result = Sse42.Crc32(result, b);
            }

            return result;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static uint UpdateArmCastagnoli(uint crc, ReadOnlySpan<byte> data)
        {
            ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
            foreach (ulong word in words)
            {
                crc = System.Runtime.Intrinsics.Arm.Crc32.Arm64.ComputeCrc32C(crc, word);
            }

            foreach (byte b in data.Slice(words.Length * 8))
            {
                crc = System.Runtime.Intrinsics.Arm.Crc32.ComputeCrc32C(crc, b);
            }

            return crc;
        }

        private static uint UpdateArmIeee(uint crc, ReadOnlySpan<byte> data)
        {
            ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
            foreach (ulong word in words)
            {
                crc = System.Runtime.Intrinsics.Arm.Crc32.Arm64.ComputeCrc32(crc, word);
            }

            foreach (byte b in data.Slice(words.Length * 8))
            {
                crc = System.Runtime.Intrinsics.Arm.Crc32.ComputeCrc32(crc, b);
            }

            return crc;
        }
#endif
    }
}
