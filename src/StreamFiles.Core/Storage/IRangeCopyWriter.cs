namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// A writer that can copy a range straight from a reader of the same backend, so the bytes do not have to be
    /// written from the engine's buffer (copy_file_range between local files; S3's UploadPartCopy is the analogue).
    /// The engine reads and hashes every byte first (or, for an ordered hash of a local source, in a pass of its own
    /// beside the copy); only the write is left to the backend. A source that changes between the read and the copy
    /// is caught by the final check of its size and modification time.
    /// </summary>
    public interface IRangeCopyWriter
    {
        /// <summary>
        /// Copies [offset, offset+count) from source to the same offset of this object. False when this pair cannot
        /// (another backend, another file system, an old kernel): the engine then writes its buffer instead.
        /// </summary>
        bool TryCopyRange(IObjectReader source, long offset, int count);
    }
}
