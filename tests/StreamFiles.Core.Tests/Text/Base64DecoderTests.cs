using System;
using System.IO;
using System.Linq;
using System.Text;
using StreamFiles.Core.Text;

namespace StreamFiles.Core.Tests.Text
{
    public class Base64DecoderTests
    {
        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(4)]
        [InlineData(5)]
        [InlineData(6)]
        [InlineData(7)]
        [InlineData(8)]
        [InlineData(9)]
        [InlineData(10)]
        [InlineData(1000)]
        public void Decodes_like_Convert_in_any_pieces(int size)
        {
            byte[] data = TestData.Bytes(size);
            string text = Convert.ToBase64String(data);
            foreach (int piece in new[] { 1, 2, 3, 4, 5, 7, 64, 4096 })
            {
                Assert.Equal(data, DecodeInPieces(text, Base64Format.Default, piece));
            }
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(10)]
        [InlineData(1000)]
        public void Decodes_what_coreutils_wraps_and_what_basenc_writes_url_safe(int size)
        {
            byte[] data = TestData.Bytes(size, seed: 3);
            foreach (int width in new[] { 0, 1, 3, 64, 76 })
            {
                string wrapped = TestData.Ascii(Coreutils.Run("base64", "-w " + width, data));
                Assert.Equal(data, DecodeInPieces(wrapped, Base64Format.Default, 5));
            }

            string url = TestData.Ascii(Coreutils.Run("basenc", "--base64url -w 0", data));
            Assert.Equal(data, DecodeInPieces(url, new Base64Format(urlSafe: true), 3));
            Assert.Equal(data, DecodeInPieces(url.TrimEnd('='), new Base64Format(urlSafe: true), 3));
        }

        [Fact]
        public void Coreutils_decodes_what_this_encoder_wraps()
        {
            byte[] data = TestData.Bytes(5000);
            string text = Base64EncoderTests.EncodeInPieces(data, new Base64Format(76), 999, endWithNewline: true);
            Assert.Equal(data, Coreutils.Run("base64", "-d", TestData.Ascii(text)));
        }

        [Fact]
        public void Skips_whitespace_anywhere()
        {
            byte[] data = TestData.Bytes(300);
            string text = Convert.ToBase64String(data);
            var random = new Random(5);
            var spaced = new StringBuilder("\r\n \t");
            foreach (char c in text)
            {
                spaced.Append(c);
                if (random.Next(3) == 0)
                {
                    spaced.Append(" \t\r\n"[random.Next(4)], random.Next(1, 4));
                }
            }

            spaced.Append("\n\n  ");
            foreach (int piece in new[] { 1, 2, 3, 5, 17, 4096 })
            {
                Assert.Equal(data, DecodeInPieces(spaced.ToString(), Base64Format.Default, piece));
            }

            Assert.Equal(new byte[] { 0x41 }, DecodeInPieces("QQ\n==\n", Base64Format.Default, 1));
            Assert.Empty(DecodeInPieces(" \r\n\t ", Base64Format.Default, 2));
        }

        [Fact]
        public void Ignores_the_unused_bits_of_the_last_group_like_coreutils()
        {
            Assert.Equal(Coreutils.Run("base64", "-d", TestData.Ascii("QR==")), DecodeInPieces("QR==", Base64Format.Default, 4));
            Assert.Equal(Convert.FromBase64String("QUJ="), DecodeInPieces("QUJ=", Base64Format.Default, 1));
            Assert.Equal(new byte[] { 0x41 }, DecodeInPieces("QR", new Base64Format(urlSafe: true), 1));
        }

        [Theory]
        // text, offset of the first bad byte, problem, piece sizes that must all agree
        [InlineData("QUJ*", 3, Base64Problem.InvalidCharacter)]
        [InlineData("*QUJD", 0, Base64Problem.InvalidCharacter)]
        [InlineData("QUJDQUJD\nQUJD QU\u00e9D", 16, Base64Problem.InvalidCharacter)]
        [InlineData("QUJD-UJD", 4, Base64Problem.InvalidCharacter)]
        [InlineData("QUJD\0", 4, Base64Problem.InvalidCharacter)]
        [InlineData("=QUJ", 0, Base64Problem.MisplacedPadding)]
        [InlineData("Q=UJ", 1, Base64Problem.MisplacedPadding)]
        [InlineData("QUJDQ===", 5, Base64Problem.MisplacedPadding)]
        [InlineData("QQ=A", 3, Base64Problem.DataAfterPadding)]
        [InlineData("QQ=*", 3, Base64Problem.InvalidCharacter)]
        [InlineData("QQ==QQ==", 4, Base64Problem.DataAfterPadding)]
        [InlineData("QQ==\n\nQ", 6, Base64Problem.DataAfterPadding)]
        [InlineData("QUI=QUJD", 4, Base64Problem.DataAfterPadding)]
        [InlineData("QUJDQ", 5, Base64Problem.Truncated)]
        [InlineData("QUJDQQ", 6, Base64Problem.Truncated)]
        [InlineData("QUJDQQ=\n", 8, Base64Problem.Truncated)]
        public void Reports_the_offset_of_the_first_bad_byte(string text, long offset, Base64Problem problem)
        {
            foreach (int piece in new[] { 1, 2, 3, 4, 5, 64 })
            {
                Base64DataException bad = Assert.Throws<Base64DataException>(() => DecodeInPieces(text, Base64Format.Default, piece));
                Assert.Equal(problem, bad.Problem);
                Assert.Equal(offset, bad.Offset);
                Assert.Contains("offset " + offset, bad.Message);
            }
        }

        [Fact]
        public void Names_the_bad_character()
        {
            Base64DataException bad = Assert.Throws<Base64DataException>(() => DecodeInPieces("QUJD\nQU*D", Base64Format.Default, 3));
            Assert.Equal('*', bad.Character);
            Assert.Equal("invalid character '*' (0x2A) at offset 7", bad.Message);
        }

        [Fact]
        public void Finds_a_bad_byte_deep_in_a_large_piece()
        {
            byte[] text = Encoding.ASCII.GetBytes(Convert.ToBase64String(TestData.Bytes(300_000)));
            foreach (int at in new[] { 0, 1, 2, 3, 4, 100_001, 399_999 })
            {
                byte[] broken = (byte[])text.Clone();
                broken[at] = (byte)'#';
                using var decoder = new Base64Decoder(Base64Format.Default);
                var output = new byte[Base64Decoder.GetMaxOutputLength(broken.Length)];
                Base64DataException bad = Assert.Throws<Base64DataException>(() => decoder.Decode(broken, output));
                Assert.Equal(at, bad.Offset);
            }
        }

        [Theory]
        [InlineData("QUJD+UJD", 4, '+')]
        [InlineData("QUJDQUJ/", 7, '/')]
        public void Url_safe_rejects_the_standard_alphabet(string text, long offset, char character)
        {
            Base64DataException bad = Assert.Throws<Base64DataException>(() => DecodeInPieces(text, new Base64Format(urlSafe: true), 3));
            Assert.Equal(offset, bad.Offset);
            Assert.Equal(character, bad.Character);
            Assert.Contains("without the URL-safe option", bad.Message);
        }

        [Fact]
        public void Url_safe_decodes_with_or_without_padding_but_not_a_lone_character()
        {
            var url = new Base64Format(urlSafe: true);
            byte[] data = { 0xFB, 0xFF, 0xBF, 0xFB, 0xFF };
            Assert.Equal(data, DecodeInPieces("-_-_-_8", url, 2));
            Assert.Equal(data, DecodeInPieces("-_-_-_8=", url, 2));
            Base64DataException bad = Assert.Throws<Base64DataException>(() => DecodeInPieces("-_-_-", url, 2));
            Assert.Equal(Base64Problem.Truncated, bad.Problem);
            Assert.Equal(5, bad.Offset);
            Assert.Throws<Base64DataException>(() => DecodeInPieces("-_-_-_8=X", url, 2));
        }

        [Fact]
        public void Streams_with_small_buffers_and_short_reads()
        {
            byte[] data = TestData.Bytes(50_001);
            byte[] text = Coreutils.Run("base64", "-w 64", data);
            foreach (int buffer in new[] { 16, 18, 1000, StreamingBase64.DecodeBufferSize })
            {
                using var output = new MemoryStream();
                long written = StreamingBase64.Decode(new TrickleStream(text, 333), output, Base64Format.Default, bufferSize: buffer);
                Assert.Equal(data, output.ToArray());
                Assert.Equal(data.Length, written);
            }
        }

        [Fact]
        public void Streams_report_the_offset_in_the_source()
        {
            byte[] text = Encoding.ASCII.GetBytes(Convert.ToBase64String(TestData.Bytes(3000)) + "\n");
            text[2500] = (byte)'!';
            var bad = Assert.Throws<Base64DataException>(() => StreamingBase64.Decode(new MemoryStream(text), Stream.Null, Base64Format.Default, bufferSize: 64));
            Assert.Equal(2500, bad.Offset);

            var cut = Assert.Throws<Base64DataException>(() => StreamingBase64.Decode(new MemoryStream(text, 0, 2001), Stream.Null, Base64Format.Default, bufferSize: 64));
            Assert.Equal(Base64Problem.Truncated, cut.Problem);
            Assert.Equal(2001, cut.Offset);
        }

        [Fact]
        public void Streams_skip_a_utf8_byte_order_mark_and_read_utf16_text()
        {
            byte[] data = TestData.Bytes(4000);
            string text = Base64EncoderTests.EncodeInPieces(data, new Base64Format(76), 4000, endWithNewline: true);
            foreach (Encoding encoding in new Encoding[] { new UTF8Encoding(true), new UnicodeEncoding(false, true), new UnicodeEncoding(true, true) })
            {
                byte[] file = encoding.GetPreamble().Concat(encoding.GetBytes(text)).ToArray();
                using var output = new MemoryStream();
                StreamingBase64.Decode(new MemoryStream(file), output, Base64Format.Default, bufferSize: 100);
                Assert.Equal(data, output.ToArray());
            }
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Streams_report_utf16_errors_at_their_byte_offset(bool bigEndian)
        {
            var encoding = new UnicodeEncoding(bigEndian, true);
            byte[] file = encoding.GetPreamble().Concat(encoding.GetBytes("QUJDQUJD\nQU\u00e9D")).ToArray();
            var bad = Assert.Throws<Base64DataException>(() => StreamingBase64.Decode(new MemoryStream(file), Stream.Null, Base64Format.Default, bufferSize: 16));
            Assert.Equal(2 + (11 * 2), bad.Offset);
            Assert.Equal(0xE9, bad.Character);

            byte[] odd = file.Take(file.Length - 1).ToArray();
            var cut = Assert.Throws<Base64DataException>(() => StreamingBase64.Decode(new MemoryStream(odd), Stream.Null, Base64Format.Default, bufferSize: 16));
            Assert.Equal(2 + (11 * 2), cut.Offset);
        }

        internal static byte[] DecodeInPieces(string text, Base64Format format, int piece)
        {
            byte[] input = Encoding.Latin1.GetBytes(text);
            using var decoder = new Base64Decoder(format);
            using var result = new MemoryStream();
            for (int at = 0; at < input.Length; at += piece)
            {
                int length = Math.Min(piece, input.Length - at);
                var output = new byte[Base64Decoder.GetMaxOutputLength(length)];
                int written = decoder.Decode(input.AsSpan(at, length), output);
                result.Write(output, 0, written);
            }

            var last = new byte[3];
            result.Write(last, 0, decoder.Finish(last));
            return result.ToArray();
        }
    }
}
