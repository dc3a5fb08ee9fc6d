using System;
using System.Globalization;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Transfers
{
    /// <summary>The first part of a file that failed; the file was stopped because of it.</summary>
    public sealed class PartFailedException : Exception
    {
        public PartFailedException(PartSpec part, int partCount, Exception inner)
            : base(Describe(part, partCount) + ": " + inner?.Message, inner)
        {
            Part = part;
            PartCount = partCount;
        }

        public PartSpec Part { get; }

        public int PartCount { get; }

        public static string Describe(PartSpec part, int partCount) =>
            part.Length < 0
                ? "the stream"
                : string.Format(CultureInfo.InvariantCulture, "part {0} of {1} (bytes {2}-{3})", part.Number, partCount, part.Offset, Math.Max(part.Offset, part.End - 1));
    }
}
