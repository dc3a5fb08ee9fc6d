using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using StreamFiles.Core.Text;

namespace StreamFiles.Core.Tests.Text
{
    public class Base64EncoderTests
    {
        public static IEnumerable<object[]> SmallSizes() => Enumerable.Range(0, 11).Select(n => new object[] { n });

        /// <summary>Sizes around the 768 KiB pieces the streaming encoder reads.</summary>
        public static IEnumerable<object[]> BoundarySizes() =>
            new[] { 1, 2, 3, 4 }.SelectMany(k => new[] { -2, -1, 0, 1, 2 }.Select(d => k * StreamingBase64.EncodeBufferSize + d))
                .Where(n => n > 0)
                .Select(n => new object[] { n });

        /// <summary>One piece, or pieces of every awkward size: output equals Convert.ToBase64String exactly.</summary>
        [Theory]
        [MemberData(nameof(SmallSizes))]
        public void Encodes_like_Convert_in_any_pieces(int size)
        {
            byte[] data = TestData.Bytes(size);
            string expected = Convert.ToBase64String(data);
            foreach (int piece in new[] { 1, 2, 3, 4, 5, 7, 64 })
            {
                Assert.Equal(expected, EncodeInPieces(data, Base64Format.Default, piece));
            }
        }

        [Theory]
        [MemberData(nameof(SmallSizes))]
        public void Encodes_like_coreutils_base64_w0(int size)
        {
            byte[] data = TestData.Bytes(size);
            Assert.Equal(TestData.Ascii(Coreutils.Run("base64", "-w 0", data)), EncodeInPieces(data, Base64Format.Default, 2, endWithNewline: true));
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(4)]
        [InlineData(5)]
        [InlineData(63)]
        [InlineData(64)]
        [InlineData(76)]
        [InlineData(77)]
        public void Wraps_like_coreutils_base64_w(int width)
        {
            var format = new Base64Format(width);
            foreach (int size in new[] { 0, 1, 2, 3, 45, 46, 47, 48, 57, 58, 300, 1000 })
            {
                byte[] data = TestData.Bytes(size);
                string expected = TestData.Ascii(Coreutils.Run("base64", "-w " + width, data));
                foreach (int piece in new[] { 1, 5, 48, 4096 })
                {
                    Assert.Equal(expected, EncodeInPieces(data, format, piece, endWithNewline: true));
                }

                // Text for strings: the same lines, no newline after the last one.
                Assert.Equal(expected.TrimEnd('\n'), EncodeInPieces(data, format, 7, endWithNewline: false));
            }
        }

        [Theory]
        [MemberData(nameof(SmallSizes))]
        public void Url_safe_is_basenc_base64url_without_padding(int size)
        {
            byte[] data = TestData.Bytes(size, seed: 7);
            string expected = TestData.Ascii(Coreutils.Run("basenc", "--base64url -w 0", data)).TrimEnd('=');
            Assert.Equal(expected, EncodeInPieces(data, new Base64Format(urlSafe: true), 2));
        }

        [Fact]
        public void Url_safe_translates_every_plus_and_slash()
        {
            // 0xFB 0xFF 0xBF encodes to "+/+/" in the standard alphabet; long enough for the vector path.
            byte[] data = Enumerable.Repeat(new byte[] { 0xFB, 0xFF, 0xBF }, 100).SelectMany(b => b).ToArray();
            string standard = Convert.ToBase64String(data);
            Assert.Contains("+", standard);
            Assert.Equal(standard.Replace('+', '-').Replace('/', '_'), EncodeInPieces(data, new Base64Format(urlSafe: true), 3 * 37));
        }

        [Theory]
        [MemberData(nameof(BoundarySizes))]
        public void Streams_across_piece_boundaries_like_the_one_shot_conversion(int size)
        {
            byte[] data = TestData.Bytes(size);
            using var output = new MemoryStream();
            long written = StreamingBase64.Encode(new MemoryStream(data), output, Base64Format.Default);
            Assert.Equal(output.Length, written);
            Assert.True(Convert.ToBase64String(data).AsSpan().SequenceEqual(Encoding.ASCII.GetString(output.ToArray())));
        }

        [Fact]
        public void Streams_wrapped_text_like_coreutils_through_short_reads()
        {
            byte[] data = TestData.Bytes(100_003);
            var format = new Base64Format(76);
            using var output = new MemoryStream();
            StreamingBase64.Encode(new TrickleStream(data, 1000), output, format, bufferSize: 3 * 1001);
            Assert.Equal(Coreutils.Run("base64", "-w 76", data), output.ToArray());
        }

        [Fact]
        public void Counts_progress_in_input_bytes()
        {
            byte[] data = TestData.Bytes(10_000);
            var counter = new StreamFiles.Core.Progress.ByteCounter();
            StreamingBase64.Encode(new MemoryStream(data), Stream.Null, Base64Format.Default, counter, bufferSize: 999);
            Assert.Equal(10_000, counter.Value);
        }

        [Theory]
        [InlineData(0, 0, false)]
        [InlineData(1, 0, false)]
        [InlineData(100, 0, true)]
        [InlineData(100, 76, true)]
        [InlineData(100, 76, false)]
        [InlineData(57, 76, true)]
        [InlineData(1000, 5, true)]
        public void Predicts_the_encoded_length(int size, int width, bool urlSafe)
        {
            var format = new Base64Format(width, urlSafe);
            byte[] data = TestData.Bytes(size);
            Assert.Equal(EncodeInPieces(data, format, 100, endWithNewline: true).Length, format.EncodedLength(size, endWithNewline: true));
            Assert.Equal(EncodeInPieces(data, format, 100, endWithNewline: false).Length, format.EncodedLength(size, endWithNewline: false));
        }

        [Fact]
        public void Rejects_an_output_span_that_may_be_too_small()
        {
            using var encoder = new Base64Encoder(Base64Format.Default);
            Assert.Throws<ArgumentException>(() => encoder.Encode(new byte[30], new byte[39], isFinal: true));
        }

        [Theory]
        [InlineData(-1)]
        [InlineData(Base64Format.MaxLineLength + 1)]
        public void Rejects_a_line_length_out_of_range(int width) =>
            Assert.Throws<ArgumentOutOfRangeException>(() => new Base64Format(width));

        internal static string EncodeInPieces(byte[] data, Base64Format format, int piece, bool endWithNewline = false)
        {
            using var encoder = new Base64Encoder(format, endWithNewline);
            var text = new StringBuilder();
            int at = 0;
            do
            {
                int length = Math.Min(piece, data.Length - at);
                bool final = at + length == data.Length;
                var output = new byte[encoder.GetMaxOutputLength(length)];
                int written = encoder.Encode(data.AsSpan(at, length), output, final);
                text.Append(Encoding.ASCII.GetString(output, 0, written));
                at += length;
                if (final)
                {
                    break;
                }
            }
            while (true);
            return text.ToString();
        }
    }

    /// <summary>A stream that returns at most a few bytes per read, as pipes do.</summary>
    internal sealed class TrickleStream : MemoryStream
    {
        private readonly int _most;

        public TrickleStream(byte[] data, int most)
            : base(data, writable: false) => _most = most;

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, _most));

        public override System.Threading.Tasks.Task<int> ReadAsync(byte[] buffer, int offset, int count, System.Threading.CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, _most), cancellationToken);
    }
}
