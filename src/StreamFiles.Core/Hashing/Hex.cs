using System;
using System.Text;

namespace StreamFiles.Core.Hashing
{
    internal static class Hex
    {
        /// <summary>Upper-case hex, the form Get-FileHash prints; the command-line tool lower-cases it.</summary>
        public static string Encode(byte[] bytes)
        {
#if NET8_0_OR_GREATER
            return Convert.ToHexString(bytes);
#else
            var text = new StringBuilder(bytes.Length * 2);
            foreach (byte b in bytes)
            {
                text.Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }

            return text.ToString();
#endif
        }

        /// <summary>The bytes of an even-length hex string (either case); null when it is not one.</summary>
        public static byte[]? TryDecode(string text)
        {
            if (text is null || text.Length % 2 != 0)
            {
                return null;
            }

            var bytes = new byte[text.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                if (!byte.TryParse(text.Substring(2 * i, 2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out bytes[i]))
                {
                    return null;
                }
            }

            return bytes;
        }
    }
}
