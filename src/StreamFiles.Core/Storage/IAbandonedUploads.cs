using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;

namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// A backend whose unfinished writes live on the store under a resume token (an S3 multipart upload) and can be
    /// cleared without opening a writer: for a run that finds one left by a killed run and writes nothing itself.
    /// </summary>
    public interface IAbandonedUploads : IStorage
    {
        /// <summary>Removes the unfinished write the token names; one already gone is not an error.</summary>
        Task AbandonAsync(Location destination, string resumeToken, CancellationToken cancellationToken);

        /// <summary>
        /// Whether the object stored is the one that finishing an unfinished write of these parts makes: a run killed
        /// after the store completed its upload, and before its journal was removed, left the journal of a done copy.
        /// </summary>
        bool IsCompletionOf(ObjectInfo stored, IReadOnlyList<PartReceipt> parts);
    }
}
