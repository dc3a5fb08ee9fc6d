using System;
using System.Buffers;
using System.IO;
using System.Threading;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Text
{
    /// <summary>
    /// Base64 between two streams with constant memory: one pooled input buffer and one output buffer.
    /// Encoding reads pieces of a multiple of 3 bytes, decoding whatever the text holds; either way the result
    /// is byte-identical to converting everything at once. Encoded output is what coreutils `base64 -w N`
    /// writes (a final "\n" only when lines are wrapped). Failures of the destination surface as
    /// <see cref="DestinationException"/> so callers can tell a bad write from a bad read; bad text as
    /// <see cref="Base64DataException"/>.
    /// </summary>
    /// <remarks>
    /// The loop is synchronous on purpose, and callers run it on a worker thread. Measured on Linux with a
    /// 1 GiB file: overlapping each write with the next read (two buffers, async I/O) cost more than it
    /// saved (thread hops, buffers leaving the core's cache), and pieces of 192 KiB that stay in L2 cost half
    /// the kernel time of 1 MiB pieces when the page cache copies them.
    /// </remarks>
    public static class StreamingBase64
    {
        /// <summary>Bytes read per piece when encoding: 192 KiB, a multiple of 3 that encodes to 256 KiB.</summary>
        public const int EncodeBufferSize = 3 * 64 * 1024;

        /// <summary>Bytes of text read per piece when decoding.</summary>
        public const int DecodeBufferSize = 256 * 1024;

        private static readonly byte[] Utf8Bom = { 0xEF, 0xBB, 0xBF };

        /// <summary>Encodes <paramref name="source"/> to <paramref name="destination"/>; returns the bytes of text written.</summary>
        public static long Encode(
            Stream source,
            Stream destination,
            Base64Format format,
            ByteCounter? progress = null,
            CancellationToken cancellationToken = default,
            int bufferSize = EncodeBufferSize)
        {
            if (source is null)
            {
                throw new ArgumentNullException(nameof(source));
            }

            if (destination is null)
            {
                throw new ArgumentNullException(nameof(destination));
            }

            if (bufferSize < 3 || bufferSize % 3 != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(bufferSize), bufferSize, "The buffer size must be a positive multiple of 3.");
            }

            using var encoder = new Base64Encoder(format, endWithNewline: true);
            byte[] input = ArrayPool<byte>.Shared.Rent(bufferSize);
            byte[] output = ArrayPool<byte>.Shared.Rent(encoder.GetMaxOutputLength(bufferSize));
            try
            {
                bool final;
                do
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int read = ReadFull(source, input, bufferSize);
                    final = read < bufferSize;
                    int length = encoder.Encode(input.AsSpan(0, read), output, final);
                    Write(destination, output, length);
                    progress?.Add(read);
                }
                while (!final);

                Flush(destination);
                return encoder.Written;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(input);
                ArrayPool<byte>.Shared.Return(output);
            }
        }

        /// <summary>
        /// Decodes the text of <paramref name="source"/> to <paramref name="destination"/>; returns the bytes written.
        /// A leading UTF-8 byte order mark is skipped, and text with a UTF-16 mark (what Windows PowerShell 5.1
        /// redirection writes) is read as UTF-16. Offsets in errors are byte offsets of the source.
        /// </summary>
        public static long Decode(
            Stream source,
            Stream destination,
            Base64Format format,
            ByteCounter? progress = null,
            CancellationToken cancellationToken = default,
            int bufferSize = DecodeBufferSize)
        {
            if (source is null)
            {
                throw new ArgumentNullException(nameof(source));
            }

            if (destination is null)
            {
                throw new ArgumentNullException(nameof(destination));
            }

            if (bufferSize < 16 || bufferSize % 2 != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(bufferSize), bufferSize, "The buffer size must be an even number of at least 16 bytes.");
            }

            using var decoder = new Base64Decoder(format);
            byte[] input = ArrayPool<byte>.Shared.Rent(bufferSize);
            byte[] output = ArrayPool<byte>.Shared.Rent(Base64Decoder.GetMaxOutputLength(bufferSize));
            byte[]? narrow = null;
            TextLayout layout = TextLayout.Unknown;
            int skipped = 0;
            long offset = 0;
            try
            {
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int read = ReadFull(source, input, bufferSize);
                    if (read == 0)
                    {
                        break;
                    }

                    int start = 0;
                    if (layout == TextLayout.Unknown)
                    {
                        layout = DetectLayout(input.AsSpan(0, read), out start);
                        skipped = start;
                    }

                    ReadOnlySpan<byte> piece = input.AsSpan(start, read - start);
                    long charsBefore = decoder.Position;
                    int length;
                    try
                    {
                        if (layout == TextLayout.Bytes)
                        {
                            length = decoder.Decode(piece, output);
                        }
                        else
                        {
                            narrow ??= ArrayPool<byte>.Shared.Rent(bufferSize / 2 + 1);
                            int chars = Narrow(piece, narrow, layout == TextLayout.Utf16BigEndian);
                            length = decoder.Decode(narrow.AsSpan(0, chars), output);
                        }
                    }
                    catch (Base64DataException bad) when (layout != TextLayout.Bytes)
                    {
                        // Report the byte offset in the file, and the UTF-16 character the narrowing hid.
                        int index = (int)(bad.Offset - charsBefore);
                        int? character = 2 * index + 1 < piece.Length ? CodeUnit(piece, index, layout == TextLayout.Utf16BigEndian) : (int?)null;
                        throw bad.Relocate(skipped + (2 * bad.Offset), character, characterIsText: true);
                    }
                    catch (Base64DataException bad) when (skipped > 0)
                    {
                        throw bad.Relocate(skipped + bad.Offset, bad.Character);
                    }

                    offset += read;
                    Write(destination, output, length);
                    progress?.Add(read);
                }

                int last;
                try
                {
                    last = decoder.Finish(output);
                }
                catch (Base64DataException bad)
                {
                    throw bad.Relocate(offset, null);
                }

                Write(destination, output, last);
                Flush(destination);
                return decoder.Written;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(input);
                ArrayPool<byte>.Shared.Return(output);
                if (narrow != null)
                {
                    ArrayPool<byte>.Shared.Return(narrow);
                }
            }
        }

        /// <summary>Fills the buffer unless the stream ends first: pieces stay whole multiples of 3 on pipes too.</summary>
        internal static int ReadFull(Stream stream, byte[] buffer, int count)
        {
            int total = 0;
            while (total < count)
            {
                int n = stream.Read(buffer, total, count - total);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return total;
        }

        private static void Write(Stream destination, byte[] buffer, int count)
        {
            if (count == 0)
            {
                return;
            }

            try
            {
                destination.Write(buffer, 0, count);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is ObjectDisposedException)
            {
                throw new DestinationException(e);
            }
        }

        private static void Flush(Stream destination)
        {
            try
            {
                destination.Flush();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ObjectDisposedException)
            {
                throw new DestinationException(e);
            }
        }

        private enum TextLayout
        {
            Unknown,
            Bytes,
            Utf16LittleEndian,
            Utf16BigEndian,
        }

        private static TextLayout DetectLayout(ReadOnlySpan<byte> first, out int start)
        {
            if (first.StartsWith(Utf8Bom))
            {
                start = 3;
                return TextLayout.Bytes;
            }

            if (first.Length >= 2 && first[0] == 0xFF && first[1] == 0xFE)
            {
                start = 2;
                return TextLayout.Utf16LittleEndian;
            }

            if (first.Length >= 2 && first[0] == 0xFE && first[1] == 0xFF)
            {
                start = 2;
                return TextLayout.Utf16BigEndian;
            }

            start = 0;
            return TextLayout.Bytes;
        }

        /// <summary>
        /// UTF-16 text to one byte per character (pieces have an even length, so characters never straddle
        /// two pieces). A character outside ASCII becomes 0xFF, which the decoder rejects; so does an odd last byte.
        /// </summary>
        private static int Narrow(ReadOnlySpan<byte> utf16, Span<byte> narrow, bool bigEndian)
        {
            int chars = (utf16.Length + 1) / 2;
            for (int i = 0; i < chars; i++)
            {
                narrow[i] = 2 * i + 1 < utf16.Length && CodeUnit(utf16, i, bigEndian) is int c && c < 0x80 ? (byte)c : (byte)0xFF;
            }

            return chars;
        }

        private static int CodeUnit(ReadOnlySpan<byte> utf16, int index, bool bigEndian) =>
            bigEndian ? (utf16[2 * index] << 8) | utf16[(2 * index) + 1] : utf16[2 * index] | (utf16[(2 * index) + 1] << 8);
    }
}
