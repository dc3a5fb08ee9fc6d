using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// An object being written. Bytes go in through one of two capabilities, whichever the backend has:
    /// IPositionalWriter (bytes at any offset: files) or IPartUploader (whole parts as streams: S3 multipart,
    /// a single HTTP PUT). Nothing is visible under the final name until CommitAsync succeeds.
    /// </summary>
    public interface IObjectWriter : IDisposable
    {
        /// <summary>What a later run needs to continue this object (an S3 upload id); kept in the resume journal.</summary>
        string? ResumeToken { get; }

        /// <summary>
        /// Of the parts a resume journal lists as done, those the backend still holds intact in its partial
        /// state (the .partial file is there and long enough; ListParts shows the ETag). Others are redone.
        /// </summary>
        Task<IReadOnlyList<PartReceipt>> ConfirmPartsAsync(IReadOnlyList<PartReceipt> journaled, CancellationToken cancellationToken);

        /// <summary>
        /// Makes the finished object visible under its final name in one step (rename, CompleteMultipartUpload),
        /// carrying the source's modification time. Fails with DestinationExistsException when the name is
        /// taken and the request did not allow overwriting.
        /// </summary>
        Task CommitAsync(IReadOnlyList<PartReceipt> parts, CancellationToken cancellationToken);

        /// <summary>
        /// Gives up. keepForResume leaves the partial state for a rerun with Resume; otherwise it is removed
        /// (the .partial deleted, the multipart upload aborted). An existing object under the final name is
        /// never touched.
        /// </summary>
        Task AbortAsync(bool keepForResume, CancellationToken cancellationToken);
    }

    /// <summary>A writer that takes bytes at any offset, from several threads at once (files).</summary>
    public interface IPositionalWriter
    {
        ValueTask WriteAtAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
    }

    /// <summary>
    /// A writer that takes whole parts, each as a stream it reads to the end (S3 UploadPart; HTTP PUT when
    /// PartLimits.MaxParts is 1). The backend may open a part's content more than once (a checksum pre-pass,
    /// a retry); each opening reads the same bytes again.
    /// </summary>
    public interface IPartUploader
    {
        Task<PartReceipt> UploadPartAsync(PartContent content, CancellationToken cancellationToken);
    }

    /// <summary>
    /// A writer whose bytes can sit in a cache that a crash loses (a file in the page cache). The engine flushes it
    /// before a resume journal lists parts as done, so a rerun never trusts parts that were not on disk.
    /// </summary>
    public interface IDurableWriter
    {
        /// <summary>Returns once every byte written so far is on stable storage (fdatasync, FlushFileBuffers).</summary>
        void FlushToDisk();
    }

    /// <summary>A writer whose partial state can be read back before commit (to verify, or to re-hash resumed parts).</summary>
    public interface IReadBackWriter
    {
        Task<IObjectReader> OpenReadBackAsync(CancellationToken cancellationToken);

        /// <summary>
        /// Whether reading back stays on this machine (a local disk, as a rule its page cache). False for a network
        /// share, where it would move the bytes over the network again: the engine then reads back only what it must.
        /// </summary>
        bool ReadBackIsLocal { get; }

        /// <summary>
        /// A reader is about to follow the writes, reading back what is written: the writer keeps those bytes where
        /// reading them is cheap (the page cache) until the reader releases them; with a window, only those less than
        /// that many bytes past the first one not yet released.
        /// </summary>
        IReadBackCursor FollowWrites(long? window = null);
    }

    /// <summary>What a reader that follows the writes has done with; disposing it says the reader is done.</summary>
    public interface IReadBackCursor : IDisposable
    {
        /// <summary>The reader needs these bytes no more.</summary>
        void Release(long offset, long length);
    }

    /// <summary>The cursor of a writer that keeps nothing for its readers (they read what it wrote wherever it is).</summary>
    public sealed class NoReadBackCursor : IReadBackCursor
    {
        public static NoReadBackCursor Instance { get; } = new NoReadBackCursor();

        private NoReadBackCursor()
        {
        }

        public void Release(long offset, long length)
        {
        }

        public void Dispose()
        {
        }
    }
}
