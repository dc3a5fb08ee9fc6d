using System;
#if NET8_0_OR_GREATER
using System.Buffers.Binary;
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

        // The CRC instruction takes 3 cycles and can start one per cycle: three independent streams over
        // consecutive lanes keep it busy, and their states are joined with a table-driven shift (CrcCombine).
        private const int Lane = 4096;
        private static readonly uint[] ShiftByLane = CrcCombine.ShiftTable(Lane, castagnoli: true);
        private static readonly uint[] ShiftByTwoLanes = CrcCombine.ShiftTable(2 * Lane, castagnoli: true);

        private static uint UpdateSse42(uint crc, ReadOnlySpan<byte> data)
        {
            ulong state = crc;
            while (data.Length >= 3 * Lane)
            {
                ReadOnlySpan<ulong> first = MemoryMarshal.Cast<byte, ulong>(data.Slice(0, Lane));
                ReadOnlySpan<ulong> second = MemoryMarshal.Cast<byte, ulong>(data.Slice(Lane, Lane));
                ReadOnlySpan<ulong> third = MemoryMarshal.Cast<byte, ulong>(data.Slice(2 * Lane, Lane));
                ulong b = 0;
                ulong c = 0;
                for (int i = 0; i < first.Length; i++)
                {
                    state = Sse42.X64.Crc32(state, first[i]);
                    b = Sse42.X64.Crc32(b, second[i]);
                    c = Sse42.X64.Crc32(c, third[i]);
                }

                state = CrcCombine.Shift(ShiftByTwoLanes, (uint)state) ^ CrcCombine.Shift(ShiftByLane, (uint)b) ^ (uint)c;
                data = data.Slice(3 * Lane);
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
