using System;

namespace StreamFiles.Core.Text
{
    /// <summary>
    /// How base64 text is laid out: the alphabet and the line width. Validated on construction.
    /// The standard alphabet (RFC 4648 section 4) is always padded with '='. The URL-safe alphabet
    /// (section 5, '-' and '_') is written without padding, as JWTs and URLs carry it, because '=' itself
    /// needs escaping in a URL; its decoder accepts the text with or without the padding.
    /// </summary>
    public sealed class Base64Format
    {
        /// <summary>Longest line accepted: wider than any real use, small enough that a line fits a string chunk.</summary>
        public const int MaxLineLength = 1024 * 1024;

        /// <summary>The longest string .NET can hold; -AsString output beyond it cannot exist.</summary>
        public const long MaxStringLength = 0x3FFFFFDF;

        public static readonly Base64Format Default = new Base64Format();

        public Base64Format(int lineLength = 0, bool urlSafe = false)
        {
            if (lineLength < 0 || lineLength > MaxLineLength)
            {
                throw new ArgumentOutOfRangeException(nameof(lineLength), lineLength, $"The line length must be between 0 (no line breaks) and {MaxLineLength}.");
            }

            LineLength = lineLength;
            UrlSafe = urlSafe;
        }

        /// <summary>Characters per line; 0 writes one line. Lines are separated by "\n".</summary>
        public int LineLength { get; }

        /// <summary>The URL- and file-name-safe alphabet ('-' and '_' for '+' and '/'), without padding.</summary>
        public bool UrlSafe { get; }

        public bool Padded => !UrlSafe;

        /// <summary>Characters of base64 (no line breaks) for a number of bytes.</summary>
        public long CharCount(long byteCount)
        {
            if (byteCount < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(byteCount));
            }

            long whole = byteCount / 3 * 4;
            long rest = byteCount % 3;
            return rest == 0 ? whole : whole + (Padded ? 4 : rest + 1);
        }

        /// <summary>
        /// The length of the encoded text: the characters, a "\n" between lines and, with
        /// <paramref name="endWithNewline"/>, one after the last line (when there are lines at all).
        /// </summary>
        public long EncodedLength(long byteCount, bool endWithNewline)
        {
            long chars = CharCount(byteCount);
            if (LineLength == 0 || chars == 0)
            {
                return chars;
            }

            long breaks = (chars - 1) / LineLength;
            return chars + breaks + (endWithNewline ? 1 : 0);
        }

        public override string ToString() =>
            (UrlSafe ? "base64url" : "base64") + (LineLength > 0 ? ", " + LineLength + " characters per line" : string.Empty);
    }
}
