namespace StreamFiles.Core.Transfers
{
    /// <summary>How SkipUnchanged decides that a destination is already up to date.</summary>
    public enum TransferCompare
    {
        /// <summary>Same length and the same checksum (reads both, unless the store keeps the checksum).</summary>
        SizeAndHash,

        /// <summary>Same length and modification time (within the stores' time precision); reads nothing.</summary>
        SizeAndTime,
    }
}
