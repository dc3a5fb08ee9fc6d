namespace StreamFiles.Core.Transfers
{
    /// <summary>How a file's transfer ended.</summary>
    public enum TransferStatus
    {
        /// <summary>Copied from the first byte.</summary>
        Completed,

        /// <summary>Not copied: the destination was already up to date (SkipReason says why).</summary>
        Skipped,

        /// <summary>Not copied; Error says why. Partial state is kept only with Resume.</summary>
        Failed,

        /// <summary>Copied, continuing the parts an earlier run had finished.</summary>
        Resumed,
    }
}
