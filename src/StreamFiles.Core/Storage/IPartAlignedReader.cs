namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// A reader whose object has a natural part layout (an S3 multipart upload). When the transfer reads it in
    /// ranges of whole parts, the backend can check each part against what the store recorded for it (the
    /// multipart ETag), so the engine uses PreferredPartSize unless the user chose a size.
    /// </summary>
    public interface IPartAlignedReader
    {
        /// <summary>
        /// The range size to read in: the size of the object's parts or a whole multiple of it (the last range may be
        /// shorter); null when there is none to align to.
        /// </summary>
        long? PreferredPartSize { get; }
    }
}
