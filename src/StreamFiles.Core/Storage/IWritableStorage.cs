using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage
{
    /// <summary>A backend that can create objects.</summary>
    public interface IWritableStorage : IStorage
    {
        /// <summary>The part sizes and counts its writers accept; the planner stays within them.</summary>
        PartLimits PartLimits { get; }

        /// <summary>
        /// Starts writing an object into a partial state that nobody mistakes for the finished object
        /// (a .partial file, an incomplete multipart upload). With request.ResumeToken the writer tries to
        /// continue the state a failed run left behind.
        /// </summary>
        Task<IObjectWriter> OpenWriterAsync(WriteRequest request, CancellationToken cancellationToken);
    }
}
