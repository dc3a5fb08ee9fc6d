using System;

namespace StreamFiles.Core.Tests.Text
{
    internal static class TestData
    {
        /// <summary>Deterministic bytes, so a failure reproduces.</summary>
        public static byte[] Bytes(int length, int seed = 1)
        {
            var bytes = new byte[length];
            new Random(seed + length).NextBytes(bytes);
            return bytes;
        }

        public static string Ascii(byte[] text) => System.Text.Encoding.ASCII.GetString(text);

        public static byte[] Ascii(string text) => System.Text.Encoding.ASCII.GetBytes(text);
    }
}
