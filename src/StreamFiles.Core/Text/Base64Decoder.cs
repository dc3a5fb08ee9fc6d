using System;
using System.Buffers;
using System.Buffers.Text;

namespace StreamFiles.Core.Text
{
    /// <summary>
    /// Decodes base64 text piece by piece, with the same result as decoding it at once. Whitespace (space,
    /// tab, CR, LF) is skipped anywhere; any other byte outside the alphabet, misplaced padding, text after
    /// the padding, or text that ends inside a group fails with a <see cref="Base64DataException"/> that
    /// names the offset of the first bad byte. Like Convert.FromBase64String and coreutils, the unused low
    /// bits of the last group are ignored. URL-safe text may come with or without its padding.
    /// </summary>
    /// <remarks>
    /// Each piece is compacted (whitespace removed, URL-safe characters translated) into a scratch buffer and
    /// decoded with the vectorised span decoder; only a group the span decoder refuses is looked at by hand,
    /// and the offset of a bad byte is worked out only when there is one.
    /// </remarks>
    public sealed class Base64Decoder : IDisposable
    {
        private readonly bool _urlSafe;
        private readonly byte[] _pending = new byte[4];
        private readonly byte[] _pendingOriginal = new byte[4];
        private readonly long[] _pendingOffsets = new long[4];
        private int _pendingCount;
        private long _offset;
        private long _written;
        private bool _ended;
        private bool _finished;
        private byte[]? _clean;

        public Base64Decoder(Base64Format format)
        {
            _urlSafe = (format ?? throw new ArgumentNullException(nameof(format))).UrlSafe;
        }

        /// <summary>Bytes of text consumed so far: the offset of the next byte.</summary>
        public long Position => _offset;

        /// <summary>Bytes decoded so far.</summary>
        public long Written => _written;

        /// <summary>The output space one call to Decode with this much text may need.</summary>
        public static int GetMaxOutputLength(int inputLength)
        {
            if (inputLength < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(inputLength));
            }

            return (int)((((long)inputLength + 3) / 4 * 3) + 3);
        }

        /// <summary>Decodes a piece of text; returns the number of bytes written to <paramref name="output"/>.</summary>
        public int Decode(ReadOnlySpan<byte> input, Span<byte> output)
        {
            if (_finished)
            {
                throw new InvalidOperationException("The decoder has finished; Reset it to start a new text.");
            }

            if (output.Length < GetMaxOutputLength(input.Length))
            {
                throw new ArgumentException("The output span is too small; size it with GetMaxOutputLength.", nameof(output));
            }

            Span<byte> clean = Clean(_pendingCount + input.Length);
            int length = Compact(input, clean);
            var piece = new Piece(this, input, length);

            int written = 0;
            int full = length & ~3;
            int at = 0;
            while (at < full)
            {
                OperationStatus status = Base64.DecodeFromUtf8(clean.Slice(at, full - at), output.Slice(written), out int consumed, out int decoded, isFinalBlock: false);
                at += consumed;
                written += decoded;
                if (status == OperationStatus.Done && at == full)
                {
                    break;
                }

                // The span decoder stops at a group it refuses: a bad character, or padding (which it
                // leaves to a final block). Look at that one group.
                written += DecodeGroupByHand(clean.Slice(0, length), at, output.Slice(written), piece);
                at += 4;
            }

            int left = length - full;
            for (int i = 0; i < left; i++)
            {
                byte c = clean[full + i];
                if (c == Base64Alphabet.Padding ? i < 2 : !Base64Alphabet.IsStandard(c))
                {
                    throw piece.Fail(c == Base64Alphabet.Padding ? Base64Problem.MisplacedPadding : Base64Problem.InvalidCharacter, full + i);
                }
            }

            for (int i = 0; i < left; i++)
            {
                (long offset, byte original) = piece.Locate(full + i);
                _pendingOffsets[i] = offset;
                _pendingOriginal[i] = original;
                _pending[i] = clean[full + i];
            }

            _pendingCount = left;
            _offset += input.Length;
            _written += written;
            return written;
        }

        /// <summary>
        /// Ends the text: checks that it does not stop inside a group (URL-safe text may stop after 2 or 3
        /// characters of one) and writes what is left, at most 2 bytes.
        /// </summary>
        public int Finish(Span<byte> output)
        {
            if (_finished)
            {
                return 0;
            }

            _finished = true;
            if (_pendingCount == 0)
            {
                return 0;
            }

            bool padded = Array.IndexOf(_pending, Base64Alphabet.Padding, 0, _pendingCount) >= 0;
            if (!_urlSafe || _pendingCount == 1 || padded)
            {
                throw new Base64DataException(Base64Problem.Truncated, _offset, null, _urlSafe);
            }

            int written = DecodePartial(_pending.AsSpan(0, _pendingCount), output);
            _pendingCount = 0;
            _written += written;
            return written;
        }

        /// <summary>Starts a new, independent text.</summary>
        public void Reset()
        {
            _pendingCount = 0;
            _offset = 0;
            _written = 0;
            _ended = false;
            _finished = false;
        }

        public void Dispose()
        {
            byte[]? clean = _clean;
            _clean = null;
            if (clean != null)
            {
                ArrayPool<byte>.Shared.Return(clean);
            }
        }

        /// <summary>Copies the pending characters and the piece without whitespace into the scratch buffer.</summary>
        private int Compact(ReadOnlySpan<byte> input, Span<byte> clean)
        {
            _pending.AsSpan(0, _pendingCount).CopyTo(clean);
            int length = _pendingCount;
            int i = 0;
            while (i < input.Length)
            {
                ReadOnlySpan<byte> rest = input.Slice(i);
                int run = Base64Alphabet.IndexOfWhitespace(rest);
                if (run < 0)
                {
                    run = rest.Length;
                }

                if (run > 0)
                {
                    if (_ended)
                    {
                        throw new Base64DataException(Base64Problem.DataAfterPadding, _offset + i, input[i], _urlSafe);
                    }

                    Span<byte> target = clean.Slice(length, run);
                    rest.Slice(0, run).CopyTo(target);
                    if (_urlSafe)
                    {
                        Base64Alphabet.FromUrlSafe(target);
                    }

                    length += run;
                    i += run;
                }

                while (i < input.Length && Base64Alphabet.IsWhitespace(input[i]))
                {
                    i++;
                }
            }

            return length;
        }

        /// <summary>Decodes the group at <paramref name="at"/> (which the span decoder refused) or finds its first bad byte.</summary>
        private int DecodeGroupByHand(ReadOnlySpan<byte> clean, int at, Span<byte> output, Piece piece)
        {
            ReadOnlySpan<byte> group = clean.Slice(at, 4);
            int data = 4;
            for (int j = 0; j < 4; j++)
            {
                byte c = group[j];
                if (c == Base64Alphabet.Padding)
                {
                    if (j < 2)
                    {
                        throw piece.Fail(Base64Problem.MisplacedPadding, at + j);
                    }

                    if (j == 2 && group[3] != Base64Alphabet.Padding)
                    {
                        throw piece.Fail(Base64Alphabet.IsStandard(group[3]) ? Base64Problem.DataAfterPadding : Base64Problem.InvalidCharacter, at + 3);
                    }

                    data = j;
                    break;
                }

                if (!Base64Alphabet.IsStandard(c))
                {
                    throw piece.Fail(Base64Problem.InvalidCharacter, at + j);
                }
            }

            if (data == 4)
            {
                return DecodePartial(group, output);
            }

            if (at + 4 < clean.Length)
            {
                throw piece.Fail(Base64Problem.DataAfterPadding, at + 4);
            }

            _ended = true;
            return DecodePartial(group.Slice(0, data), output);
        }

        /// <summary>2, 3 or 4 valid characters to 1, 2 or 3 bytes; unused low bits are dropped.</summary>
        private static int DecodePartial(ReadOnlySpan<byte> chars, Span<byte> output)
        {
            int bits = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                bits = (bits << 6) | Base64Alphabet.ValueOf(chars[i]);
            }

            bits <<= 6 * (4 - chars.Length);
            int bytes = chars.Length - 1;
            output[0] = (byte)(bits >> 16);
            if (bytes > 1)
            {
                output[1] = (byte)(bits >> 8);
            }

            if (bytes > 2)
            {
                output[2] = (byte)bits;
            }

            return bytes;
        }

        private Span<byte> Clean(int length)
        {
            if (_clean == null || _clean.Length < length)
            {
                Dispose();
                _clean = ArrayPool<byte>.Shared.Rent(Math.Max(length, 4096));
            }

            return _clean;
        }

        /// <summary>Maps positions in the compacted text back to offsets in the piece, only when needed.</summary>
        private readonly ref struct Piece
        {
            private readonly Base64Decoder _decoder;
            private readonly ReadOnlySpan<byte> _input;
            private readonly int _pendingCount;
            private readonly int _length;

            public Piece(Base64Decoder decoder, ReadOnlySpan<byte> input, int compactedLength)
            {
                _decoder = decoder;
                _input = input;
                _pendingCount = decoder._pendingCount;
                _length = compactedLength;
            }

            public Base64DataException Fail(Base64Problem problem, int cleanIndex)
            {
                (long offset, byte original) = Locate(cleanIndex);
                return new Base64DataException(problem, offset, original, _decoder._urlSafe);
            }

            /// <summary>The offset and the original byte (before URL-safe translation) of a compacted character.</summary>
            public (long Offset, byte Original) Locate(int cleanIndex)
            {
                if (cleanIndex < _pendingCount)
                {
                    return (_decoder._pendingOffsets[cleanIndex], _decoder._pendingOriginal[cleanIndex]);
                }

                // The characters kept for the next piece are the last few: count those from the end.
                int fromEnd = _length - 1 - cleanIndex;
                if (fromEnd < 64)
                {
                    int counted = 0;
                    for (int i = _input.Length - 1; i >= 0; i--)
                    {
                        if (!Base64Alphabet.IsWhitespace(_input[i]))
                        {
                            if (counted == fromEnd)
                            {
                                return (_decoder._offset + i, _input[i]);
                            }

                            counted++;
                        }
                    }
                }

                int wanted = cleanIndex - _pendingCount;
                int seen = 0;
                for (int i = 0; i < _input.Length; i++)
                {
                    if (!Base64Alphabet.IsWhitespace(_input[i]))
                    {
                        if (seen == wanted)
                        {
                            return (_decoder._offset + i, _input[i]);
                        }

                        seen++;
                    }
                }

                throw new InvalidOperationException("A compacted position lies outside its piece.");
            }
        }
    }
}
