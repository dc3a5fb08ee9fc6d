using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage
{
    /// <summary>A backend that can serve an object's bytes.</summary>
    public interface IReadableStorage : IStorage
    {
        /// <summary>
        /// Opens an object for reading. The reader serves only the version described by source (S3/HTTP pin
        /// it with If-Match/If-Range); a different version surfaces as SourceChangedException.
        /// </summary>
        Task<IObjectReader> OpenReadAsync(ObjectInfo source, CancellationToken cancellationToken);
    }
}
