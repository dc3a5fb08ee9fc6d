using System;
using System.Buffers;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Text
{
    /// <summary>
    /// Base64 between two streams with constant memory: a pooled input buffer and two output buffers,
    /// so the write of one piece overlaps the read and conversion of the next. Encoding reads pieces of a
    /// multiple of 3 bytes, decoding whatever the text holds; either way the result is byte-identical to
    /// converting everything at once. Encoded output is what coreutils `base64 -w N` writes (a final "\n"
    /// only when lines are wrapped). Failures of the destination surface as <see cref="DestinationException"/>
    /// so callers can tell a bad write from a bad read; bad text as <see cref="Base64DataException"/>.
    /// </summary>
    public static class StreamingBase64
    {
        /// <summary>Bytes read per piece when encoding: 768 KiB, a multiple of 3 that encodes to 1 MiB.</summary>
        public const int EncodeBufferSize = 3 * 256 * 1024;

        /// <summary>Bytes of text read per piece when decoding.</summary>
        public const int DecodeBufferSize = 1024 * 1024;

        private static readonly byte[] Utf8Bom = { 0xEF, 0xBB, 0xBF };

        /// <summary>Encodes <paramref name="source"/> to <paramref name="destination"/>; returns the bytes of text written.</summary>
        public static async Task<long> EncodeAsync(
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
            var writer = new OverlappedWriter(destination, encoder.GetMaxOutputLength(bufferSize));
            byte[] input = ArrayPool<byte>.Shared.Rent(bufferSize);
            try
            {
                bool final;
                do
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int read = await ReadFullAsync(source, input, bufferSize, cancellationToken).ConfigureAwait(false);
                    final = read < bufferSize;
                    int length = encoder.Encode(input.AsSpan(0, read), writer.Next(), final);
                    await writer.WriteAsync(length, cancellationToken).ConfigureAwait(false);
                    progress?.Add(read);
                }
                while (!final);

                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                return encoder.Written;
            }
            finally
            {
                await writer.DisposeAsync().ConfigureAwait(false);
                ArrayPool<byte>.Shared.Return(input);
            }
        }

        /// <summary>
        /// Decodes the text of <paramref name="source"/> to <paramref name="destination"/>; returns the bytes written.
        /// A leading UTF-8 byte order mark is skipped, and text with a UTF-16 mark (what Windows PowerShell 5.1
        /// redirection writes) is read as UTF-16. Offsets in errors are byte offsets of the source.
        /// </summary>
        public static async Task<long> DecodeAsync(
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
            var writer = new OverlappedWriter(destination, Base64Decoder.GetMaxOutputLength(bufferSize));
            byte[] input = ArrayPool<byte>.Shared.Rent(bufferSize);
            byte[]? narrow = null;
            TextLayout layout = TextLayout.Unknown;
            int skipped = 0;
            long offset = 0;
            try
            {
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int read = await ReadFullAsync(source, input, bufferSize, cancellationToken).ConfigureAwait(false);
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
                            length = decoder.Decode(piece, writer.Next());
                        }
                        else
                        {
                            narrow ??= ArrayPool<byte>.Shared.Rent(bufferSize / 2 + 1);
                            int chars = Narrow(piece, narrow, layout == TextLayout.Utf16BigEndian);
                            length = decoder.Decode(narrow.AsSpan(0, chars), writer.Next());
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
                    await writer.WriteAsync(length, cancellationToken).ConfigureAwait(false);
                    progress?.Add(read);
                }

                try
                {
                    int last = decoder.Finish(writer.Next());
                    await writer.WriteAsync(last, cancellationToken).ConfigureAwait(false);
                }
                catch (Base64DataException bad)
                {
                    throw bad.Relocate(offset, null);
                }

                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                return decoder.Written;
            }
            finally
            {
                await writer.DisposeAsync().ConfigureAwait(false);
                ArrayPool<byte>.Shared.Return(input);
                if (narrow != null)
                {
                    ArrayPool<byte>.Shared.Return(narrow);
                }
            }
        }

        /// <summary>Fills the buffer unless the stream ends first: pieces stay whole multiples of 3 on pipes too.</summary>
        internal static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, int count, CancellationToken cancellationToken)
        {
            int total = 0;
            while (total < count)
            {
                int n = await stream.ReadAsync(buffer, total, count - total, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return total;
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

        /// <summary>
        /// Two pooled output buffers: the caller fills one while the other is written. Write failures are
        /// wrapped in <see cref="DestinationException"/>.
        /// </summary>
        private sealed class OverlappedWriter
        {
            private readonly Stream _destination;
            private byte[] _current;
            private byte[] _other;
            private Task _writing = Task.CompletedTask;

            public OverlappedWriter(Stream destination, int bufferSize)
            {
                _destination = destination;
                _current = ArrayPool<byte>.Shared.Rent(bufferSize);
                _other = ArrayPool<byte>.Shared.Rent(bufferSize);
            }

            public Span<byte> Next() => _current;

            /// <summary>Waits for the previous write, then starts writing the buffer just filled.</summary>
            public async Task WriteAsync(int length, CancellationToken cancellationToken)
            {
                await Wrap(_writing).ConfigureAwait(false);
                if (length > 0)
                {
                    _writing = WriteCore(_current, length, cancellationToken);
                    (_current, _other) = (_other, _current);
                }
            }

            public async Task FlushAsync(CancellationToken cancellationToken)
            {
                await Wrap(_writing).ConfigureAwait(false);
                await Wrap(_destination.FlushAsync(cancellationToken)).ConfigureAwait(false);
            }

            public async Task DisposeAsync()
            {
                // A read may fail while a write still uses a buffer: never return it to the pool under it.
                try
                {
                    await _writing.ConfigureAwait(false);
                }
                catch (Exception) when (_writing.IsFaulted || _writing.IsCanceled)
                {
                    // Already observed, or superseded by the exception that is propagating.
                }

                ArrayPool<byte>.Shared.Return(_current);
                ArrayPool<byte>.Shared.Return(_other);
            }

            private async Task WriteCore(byte[] buffer, int length, CancellationToken cancellationToken) =>
                await _destination.WriteAsync(buffer, 0, length, cancellationToken).ConfigureAwait(false);

            private static async Task Wrap(Task task)
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is OperationCanceledException))
                {
                    throw new DestinationException(e);
                }
            }
        }
    }
}
