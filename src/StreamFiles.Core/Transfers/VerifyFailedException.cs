using System;
using System.IO;

namespace StreamFiles.Core.Transfers
{
    /// <summary>The destination read back does not hash to what was read from the source.</summary>
    public sealed class VerifyFailedException : IOException
    {
        public VerifyFailedException(string destination, string algorithm, string expected, string actual)
            : base($"'{destination}' does not match the source: {algorithm} {actual} read back, {expected} expected.")
        {
            Destination = destination;
            Expected = expected;
            Actual = actual;
        }

        public string Destination { get; }

        public string Expected { get; }

        public string Actual { get; }
    }
}
