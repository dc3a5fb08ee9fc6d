using System;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;

namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// One backend (local files, S3, HTTP). The base contract is only "stat"; what else a backend can do it
    /// declares by implementing the capability interfaces — IReadableStorage, IWritableStorage,
    /// IListableStorage — and the engine adapts to what is there (rclone's optional features).
    /// </summary>
    public interface IStorage
    {
        /// <summary>A short name for messages ("local", "s3", "http").</summary>
        string Name { get; }

        /// <summary>Describes an object or container; null when nothing is there.</summary>
        Task<ObjectInfo?> StatAsync(Location location, CancellationToken cancellationToken);

        /// <summary>Whether a failure is worth retrying (a dropped connection, a 503); local errors never are.</summary>
        bool IsTransient(Exception exception);
    }
}
