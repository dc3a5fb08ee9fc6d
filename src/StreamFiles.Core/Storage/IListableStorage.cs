using System.Collections.Generic;
using System.Threading;
using StreamFiles.Core.Locations;

namespace StreamFiles.Core.Storage
{
    /// <summary>A backend that can enumerate the objects under a directory or prefix.</summary>
    public interface IListableStorage : IStorage
    {
        /// <summary>
        /// The objects (never containers) under container, each with its path relative to it using '/'
        /// separators. An entry that cannot be read (a directory without permission) is yielded as a
        /// ListedObject with an Error, and listing goes on.
        /// </summary>
        IAsyncEnumerable<ListedObject> ListAsync(Location container, bool recurse, CancellationToken cancellationToken);
    }
}
