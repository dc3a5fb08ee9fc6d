using System;
using System.IO;

namespace StreamFiles.Core.Transfers
{
    /// <summary>
    /// A digest that does not match: the destination read back does not hash to what was read from the source, or
    /// (Received) the bytes received from a source do not hash to the digest the source's store keeps.
    /// </summary>
    public sealed class VerifyFailedException : IOException
    {
        public VerifyFailedException(string destination, string algorithm, string expected, string actual, bool committed = false)
            : this(destination, expected, actual, received: false, $"'{destination}' does not match the source: {algorithm} {actual} read back, {expected} expected.")
        {
            Committed = committed;
        }

        private VerifyFailedException(string location, string expected, string actual, bool received, string message)
            : base(message)
        {
            Destination = location;
            Expected = expected;
            Actual = actual;
            Received = received;
        }

        /// <summary>Where the mismatch is: the destination read back, or for Received the source.</summary>
        public string Destination { get; }

        public string Expected { get; }

        public string Actual { get; }

        /// <summary>The bytes as received from the source did not match its store's digest (damaged on the way).</summary>
        public bool Received { get; }

        /// <summary>
        /// The destination was read back after it was committed under its name (an S3 object), not from a partial copy
        /// that can still be discarded: it stays as it was found.
        /// </summary>
        public bool Committed { get; private set; }

        /// <summary>
        /// The destination, already under its name, changed while it was read back (another writer replaced it): the
        /// read-back's own error named it as a source that changed, or blamed the local file for its short length.
        /// </summary>
        public static VerifyFailedException ChangedWhileReadBack(string destination, string expected, string detail) =>
            new VerifyFailedException(destination, expected, "another version", received: false,
                $"'{destination}' changed while it was read back to verify it ({detail}).")
            {
                Committed = true,
            };

        /// <summary>The bytes received from <paramref name="source"/> do not hash to the digest its store keeps.</summary>
        public static VerifyFailedException OfReceived(string source, string digest, string expected, string actual) =>
            new VerifyFailedException(source, expected, actual, received: true,
                $"The bytes received from '{source}' do not match its {digest}: {actual} computed, {expected} stored. They were damaged on the way.");
    }
}
