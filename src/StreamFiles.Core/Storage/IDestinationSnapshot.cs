using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;

namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// A backend whose stat of a name that is not there costs requests (an S3 HEAD, then a listing to see whether the
    /// name is a prefix): a batch writing many names under one container lets it list that container once, so the
    /// stats of new names below it are answered from that list. Names the list holds are still stat'ed as before.
    /// </summary>
    public interface IDestinationSnapshot : IStorage
    {
        /// <summary>
        /// Lists the container when that takes one request; a larger container, or any failure, leaves the stats as
        /// they were (each name asked of the store), so this never fails a batch.
        /// </summary>
        Task SnapshotAsync(Location container, CancellationToken cancellationToken);
    }
}
