using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// Reads one object, as a whole or by ranges. Each range is a forward-only stream (a positional read of a
    /// file, a ranged GET); ranges may be open at the same time on different threads.
    /// </summary>
    public interface IObjectReader : IDisposable
    {
        /// <summary>Whether OpenRangeAsync accepts offsets other than 0 (HTTP servers may not).</summary>
        bool SupportsRanges { get; }

        /// <summary>
        /// A stream of the bytes [offset, offset+length), or to the end when length is null. It ends early
        /// only when the object is shorter than it was: the engine reports that as a changed source.
        /// </summary>
        Task<Stream> OpenRangeAsync(long offset, long? length, CancellationToken cancellationToken);
    }

    /// <summary>
    /// A reader of local storage: reading bytes a second time costs a disk (usually page-cache) read, never a
    /// network transfer, so the engine may give an ordered hasher its own front-to-back pass over the source.
    /// </summary>
    public interface ILocalReader
    {
    }
}
