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
    }
}
