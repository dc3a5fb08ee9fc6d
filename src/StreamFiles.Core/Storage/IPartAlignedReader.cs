namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// A reader whose object has a natural part layout (an S3 multipart upload). When the transfer reads it in
    /// ranges of exactly that size, the backend can check each part against what the store recorded for it (the
    /// multipart ETag), so the engine uses this size unless the user chose one.
    /// </summary>
    public interface IPartAlignedReader
    {
        /// <summary>The size of the object's parts (the last may be shorter); null when there is none to align to.</summary>
        long? PreferredPartSize { get; }
    }
}
