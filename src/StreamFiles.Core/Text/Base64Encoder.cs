using System;
using System.Buffers;
using System.Buffers.Text;

namespace StreamFiles.Core.Text
{
    /// <summary>
    /// Encodes bytes to base64 text piece by piece, with the same result as encoding everything at once:
    /// up to two bytes that do not fill a 3-byte group wait for the next piece, and the line position
    /// carries over, so pieces of any size (ideally multiples of 3) may be fed. The output is ASCII.
    /// A line break is written only before the first character of the next line, so the text never ends
    /// with one unless <c>endWithNewline</c> asks for it, as coreutils `base64 -w N` does.
    /// </summary>
    public sealed class Base64Encoder : IDisposable
    {
        private readonly Base64Format _format;
        private readonly bool _endWithNewline;
        private readonly byte[] _carry = new byte[3];
        private int _carryCount;
        private int _column;
        private long _written;
        private bool _finished;
        private byte[]? _scratch;

        /// <param name="format">Alphabet and line width.</param>
        /// <param name="endWithNewline">With line wrapping, end non-empty text with "\n" (as files and coreutils do).</param>
        public Base64Encoder(Base64Format format, bool endWithNewline = false)
        {
            _format = format ?? throw new ArgumentNullException(nameof(format));
            _endWithNewline = endWithNewline;
        }

        public Base64Format Format => _format;

        /// <summary>Bytes of text written so far.</summary>
        public long Written => _written;

        /// <summary>The output space that one call to Encode with this much input may need.</summary>
        public int GetMaxOutputLength(int inputLength)
        {
            if (inputLength < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(inputLength));
            }

            long chars = ((long)inputLength + 2 + 2) / 3 * 4;
            if (_format.LineLength > 0)
            {
                chars += (chars / _format.LineLength) + 2;
            }

            return chars > int.MaxValue ? throw new ArgumentOutOfRangeException(nameof(inputLength), "The piece is too large to encode at once.") : (int)chars;
        }

        /// <summary>
        /// Encodes a piece; with <paramref name="isFinal"/> also the bytes still waiting and the padding.
        /// Returns the number of bytes written to <paramref name="output"/>.
        /// </summary>
        public int Encode(ReadOnlySpan<byte> input, Span<byte> output, bool isFinal)
        {
            if (_finished)
            {
                throw new InvalidOperationException("The encoder has written its final piece; Reset it to start a new text.");
            }

            if (output.Length < GetMaxOutputLength(input.Length))
            {
                throw new ArgumentException("The output span is too small; size it with GetMaxOutputLength.", nameof(output));
            }

            Span<byte> raw = _format.LineLength == 0 ? output : Scratch(GetMaxOutputLength(input.Length));
            int chars = EncodeRaw(input, raw, isFinal);
            if (_format.UrlSafe)
            {
                Base64Alphabet.ToUrlSafe(raw.Slice(0, chars));
            }

            int written = _format.LineLength == 0 ? chars : Wrap(raw.Slice(0, chars), output);
            if (isFinal)
            {
                if (_endWithNewline && _format.LineLength > 0 && _written + written > 0)
                {
                    output[written++] = (byte)'\n';
                }

                _finished = true;
            }

            _written += written;
            return written;
        }

        /// <summary>Starts a new, independent text.</summary>
        public void Reset()
        {
            _carryCount = 0;
            _column = 0;
            _written = 0;
            _finished = false;
        }

        public void Dispose()
        {
            byte[]? scratch = _scratch;
            _scratch = null;
            if (scratch != null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        private int EncodeRaw(ReadOnlySpan<byte> input, Span<byte> raw, bool isFinal)
        {
            int written = 0;
            if (_carryCount > 0)
            {
                int take = Math.Min(3 - _carryCount, input.Length);
                input.Slice(0, take).CopyTo(_carry.AsSpan(_carryCount));
                _carryCount += take;
                input = input.Slice(take);
                if (_carryCount == 3)
                {
                    written += EncodeGroups(_carry, raw);
                    _carryCount = 0;
                }
            }

            int whole = input.Length / 3 * 3;
            written += EncodeGroups(input.Slice(0, whole), raw.Slice(written));
            ReadOnlySpan<byte> rest = input.Slice(whole);
            rest.CopyTo(_carry.AsSpan(_carryCount));
            _carryCount += rest.Length;

            if (isFinal && _carryCount > 0)
            {
                OperationStatus status = Base64.EncodeToUtf8(_carry.AsSpan(0, _carryCount), raw.Slice(written), out _, out int padded, isFinalBlock: true);
                Check(status);
                // URL-safe text goes without its padding: 1 byte makes 2 characters, 2 bytes make 3.
                written += _format.Padded ? padded : _carryCount + 1;
                _carryCount = 0;
            }

            return written;
        }

        private static int EncodeGroups(ReadOnlySpan<byte> groups, Span<byte> raw)
        {
            if (groups.IsEmpty)
            {
                return 0;
            }

            OperationStatus status = Base64.EncodeToUtf8(groups, raw, out _, out int written, isFinalBlock: true);
            Check(status);
            return written;
        }

        private static void Check(OperationStatus status)
        {
            if (status != OperationStatus.Done)
            {
                throw new InvalidOperationException("Base64 encoding stopped with " + status + "; the output was sized wrongly.");
            }
        }

        private int Wrap(ReadOnlySpan<byte> raw, Span<byte> output)
        {
            int lineLength = _format.LineLength;
            int column = _column;
            int at = 0;
            int written = 0;

            // The rest of the current line, then whole lines, each after its line break.
            if (column < lineLength && !raw.IsEmpty)
            {
                at = Math.Min(lineLength - column, raw.Length);
                raw.Slice(0, at).CopyTo(output);
                written = at;
                column += at;
            }

            while (at < raw.Length)
            {
                int take = Math.Min(lineLength, raw.Length - at);
                output[written] = (byte)'\n';
                raw.Slice(at, take).CopyTo(output.Slice(written + 1));
                written += take + 1;
                at += take;
                column = take;
            }

            _column = column;
            return written;
        }

        private Span<byte> Scratch(int length)
        {
            if (_scratch == null || _scratch.Length < length)
            {
                Dispose();
                _scratch = ArrayPool<byte>.Shared.Rent(length);
            }

            return _scratch;
        }
    }
}
