using System;
#if NET8_0_OR_GREATER
using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
#endif

namespace StreamFiles.Core.Text
{
    /// <summary>
    /// The pieces of base64 the span codecs of System.Buffers.Text.Base64 do not provide: the URL-safe
    /// alphabet (translated to and from the standard one in place), whitespace, and the values of single
    /// characters for the few places decoded by hand.
    /// </summary>
    internal static class Base64Alphabet
    {
        public const byte Padding = (byte)'=';

        /// <summary>What a '+' or '/' becomes in URL-safe input: a byte no decoder accepts, so it is reported as invalid.</summary>
        public const byte Rejected = (byte)'*';

#if NET8_0_OR_GREATER
        private static readonly SearchValues<byte> WhitespaceValues = SearchValues.Create(" \t\r\n"u8);
#else
        private static readonly byte[] WhitespaceValues = { (byte)' ', (byte)'\t', (byte)'\r', (byte)'\n' };
#endif

        private static readonly sbyte[] Values = BuildValues();

        /// <summary>The whitespace base64 text may carry anywhere: what Convert.FromBase64String skips.</summary>
        public static bool IsWhitespace(byte b) => b == (byte)' ' || b == (byte)'\n' || b == (byte)'\r' || b == (byte)'\t';

        public static int IndexOfWhitespace(ReadOnlySpan<byte> text) => text.IndexOfAny(WhitespaceValues);

        /// <summary>The 6-bit value of a standard-alphabet character, or -1.</summary>
        public static int ValueOf(byte c) => Values[c];

        public static bool IsStandard(byte c) => Values[c] >= 0;

        /// <summary>'+' to '-' and '/' to '_' in freshly encoded text.</summary>
        public static void ToUrlSafe(Span<byte> text)
        {
            int i = 0;
#if NET8_0_OR_GREATER
            if (Vector256.IsHardwareAccelerated && text.Length >= Vector256<byte>.Count)
            {
                ref byte start = ref MemoryMarshal.GetReference(text);
                Vector256<byte> plus = Vector256.Create((byte)'+');
                Vector256<byte> slash = Vector256.Create((byte)'/');
                Vector256<byte> minus = Vector256.Create((byte)'-');
                Vector256<byte> underscore = Vector256.Create((byte)'_');
                for (; i <= text.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
                {
                    Vector256<byte> v = Vector256.LoadUnsafe(ref start, (nuint)i);
                    v = Vector256.ConditionalSelect(Vector256.Equals(v, plus), minus, v);
                    v = Vector256.ConditionalSelect(Vector256.Equals(v, slash), underscore, v);
                    v.StoreUnsafe(ref start, (nuint)i);
                }
            }
#endif
            for (; i < text.Length; i++)
            {
                byte c = text[i];
                text[i] = c == (byte)'+' ? (byte)'-' : c == (byte)'/' ? (byte)'_' : c;
            }
        }

        /// <summary>
        /// '-' to '+' and '_' to '/' in URL-safe input so the standard decoder reads it; a '+' or '/' there
        /// is not URL-safe and becomes <see cref="Rejected"/>, which the decoder reports at its offset.
        /// </summary>
        public static void FromUrlSafe(Span<byte> text)
        {
            int i = 0;
#if NET8_0_OR_GREATER
            if (Vector256.IsHardwareAccelerated && text.Length >= Vector256<byte>.Count)
            {
                ref byte start = ref MemoryMarshal.GetReference(text);
                Vector256<byte> plus = Vector256.Create((byte)'+');
                Vector256<byte> slash = Vector256.Create((byte)'/');
                Vector256<byte> minus = Vector256.Create((byte)'-');
                Vector256<byte> underscore = Vector256.Create((byte)'_');
                Vector256<byte> rejected = Vector256.Create(Rejected);
                for (; i <= text.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
                {
                    Vector256<byte> v = Vector256.LoadUnsafe(ref start, (nuint)i);
                    v = Vector256.ConditionalSelect(Vector256.Equals(v, plus) | Vector256.Equals(v, slash), rejected, v);
                    v = Vector256.ConditionalSelect(Vector256.Equals(v, minus), plus, v);
                    v = Vector256.ConditionalSelect(Vector256.Equals(v, underscore), slash, v);
                    v.StoreUnsafe(ref start, (nuint)i);
                }
            }
#endif
            for (; i < text.Length; i++)
            {
                byte c = text[i];
                text[i] = c == (byte)'-' ? (byte)'+'
                    : c == (byte)'_' ? (byte)'/'
                    : c == (byte)'+' || c == (byte)'/' ? Rejected
                    : c;
            }
        }

        private static sbyte[] BuildValues()
        {
            var values = new sbyte[256];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = -1;
            }

            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            for (int i = 0; i < alphabet.Length; i++)
            {
                values[alphabet[i]] = (sbyte)i;
            }

            return values;
        }
    }
}
