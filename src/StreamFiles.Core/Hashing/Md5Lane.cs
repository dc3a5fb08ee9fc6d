#if NET8_0_OR_GREATER
using System;
using System.Buffers.Binary;

namespace StreamFiles.Core.Hashing
{
    /// <summary>
    /// The running MD5 of one message, hashed by Md5MultiBuffer together with other lanes. The lane holds all of its
    /// state (A, B, C, D, the byte count and the last partial block), so it can join any batch, and be carried from one
    /// batch, range or thread to the next: only one caller may append to a lane at a time.
    /// </summary>
    internal sealed class Md5Lane
    {
        // Pinned (on the pinned-object heap) so the kernels can read a completed tail block by address.
        internal readonly byte[] Tail = GC.AllocateUninitializedArray<byte>(64, pinned: true);
        internal uint A;
        internal uint B;
        internal uint C;
        internal uint D;

        public Md5Lane() => Reset();

        /// <summary>Set while a stream waits for this lane's bytes (Md5Batcher.Hurry): they are hashed without waiting for company.</summary>
        internal bool Hurried { get; set; }

        /// <summary>The bytes appended since the last reset.</summary>
        public long Length { get; internal set; }

        internal int TailCount => (int)(Length & 63);

        public void Reset()
        {
            A = 0x67452301;
            B = 0xefcdab89;
            C = 0x98badcfe;
            D = 0x10325476;
            Length = 0;
        }

        /// <summary>Appends bytes to this lane alone (a batch of one).</summary>
        public void Append(byte[] buffer, int offset, int count) =>
            Md5MultiBuffer.Append(new[] { this }, new[] { new ArraySegment<byte>(buffer, offset, count) });

        /// <summary>Pads the message, returns its 16-byte MD5 and starts the lane over.</summary>
        public unsafe byte[] FinishAndReset()
        {
            // 0x80, zeros up to 56 mod 64, then the length in bits: the padding takes the message to whole blocks.
            long bits = Length * 8;
            int padding = (TailCount < 56 ? 56 : 120) - TailCount;
            byte* pad = stackalloc byte[128];
            new Span<byte>(pad, 128).Clear();
            pad[0] = 0x80;
            BinaryPrimitives.WriteInt64LittleEndian(new Span<byte>(pad + padding, 8), bits);
            Md5MultiBuffer.AppendOne(this, pad, padding + 8);

            var digest = new byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(0), A);
            BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(4), B);
            BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(8), C);
            BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(12), D);
            Reset();
            return digest;
        }
    }
}
#endif
