using System.Collections.Generic;
using System.Threading;
using StreamFiles.Core.Locations;

namespace StreamFiles.Core.Storage
{
    /// <summary>A backend that can enumerate the objects under a directory or prefix.</summary>
    public interface IListableStorage : IStorage
    {
        /// <summary>
        /// The objects under container, each with its path relative to it using '/' separators; a backend with
        /// real directories may also list them as container entries (to be recreated). An entry that cannot be read
        /// (a directory without permission) is yielded as a ListedObject with an Error, and listing goes on.
        /// </summary>
        IAsyncEnumerable<ListedObject> ListAsync(Location container, bool recurse, CancellationToken cancellationToken);
    }
}
