using System;
using System.Text;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// A key longer than the 1,024 bytes (UTF-8) that S3 allows. Stores answer it with a bare 400 (InvalidObjectName
    /// on Ceph, KeyTooLongError on AWS), which said nothing of the length (a probe), so it is refused before a request.
    /// </summary>
    public sealed class S3KeyTooLongException : Exception
    {
        /// <summary>The most bytes an S3 key may have in UTF-8.</summary>
        public const int MaxKeyBytes = 1024;

        public S3KeyTooLongException(int keyBytes)
            : base($"its key is {keyBytes} bytes long in UTF-8, and S3 allows at most {MaxKeyBytes}")
        {
            KeyBytes = keyBytes;
        }

        public int KeyBytes { get; }

        /// <summary>The key's length in UTF-8 bytes when it is over the limit, else null.</summary>
        internal static int? Excess(string key) =>
            key.Length * 3 <= MaxKeyBytes ? null : Encoding.UTF8.GetByteCount(key) is int bytes && bytes > MaxKeyBytes ? bytes : (int?)null;
    }
}
