using System;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Transfers
{
    /// <summary>The outcome of one file of a Send-StreamFile/Receive-StreamFile batch (one per file, failures included).</summary>
    public sealed class TransferResult
    {
        internal TransferResult(
            string source,
            string destination,
            long length,
            TransferStatus status,
            TimeSpan duration,
            long bytesTransferred,
            string? hash,
            string algorithm,
            int parts,
            long partSize,
            int attempts,
            bool verified,
            string? skipReason,
            CommandError? error)
        {
            Source = source;
            Destination = destination;
            Length = length;
            Status = status;
            Duration = duration;
            BytesTransferred = bytesTransferred;
            BytesPerSecond = duration.TotalSeconds > 0 ? bytesTransferred / duration.TotalSeconds : 0;
            Hash = hash;
            Algorithm = algorithm;
            Parts = parts;
            PartSize = partSize;
            Attempts = attempts;
            Verified = verified;
            SkipReason = skipReason;
            Error = error;
        }

        /// <summary>The source as displayed: a path, or a URI without its query string.</summary>
        public string Source { get; }

        public string Destination { get; }

        /// <summary>The size of the file (known before a failure: the size of the source).</summary>
        public long Length { get; }

        public TransferStatus Status { get; }

        public TimeSpan Duration { get; }

        /// <summary>Bytes moved by this run: less than Length when resumed, 0 when skipped.</summary>
        public long BytesTransferred { get; }

        public double BytesPerSecond { get; }

        /// <summary>The whole-file checksum of the source, computed as it was read (upper-case hex); null when nothing was read.</summary>
        public string? Hash { get; }

        public string Algorithm { get; }

        public int Parts { get; }

        public long PartSize { get; }

        /// <summary>1, plus one for each retried part.</summary>
        public int Attempts { get; }

        /// <summary>Whether the destination was read back and matched Hash (-Verify).</summary>
        public bool Verified { get; }

        /// <summary>For Skipped: what was found equal ("same size and CRC32C").</summary>
        public string? SkipReason { get; }

        /// <summary>For Failed: the error, also written to the error stream.</summary>
        public CommandError? Error { get; }

        public override string ToString() => $"{Status} {Source} -> {Destination}";

        internal TransferResult WithError(CommandError? error) =>
            new TransferResult(Source, Destination, Length, Status, Duration, BytesTransferred, Hash, Algorithm, Parts, PartSize, Attempts, Verified, SkipReason, error);
    }
}
