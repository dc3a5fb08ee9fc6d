using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// A reader whose check of the object's digest under a part layout it was told (not the store's own answer) may
    /// have failed for the layout rather than the bytes: the engine hands it the copy as written, before the copy gets
    /// its name, to settle the check under the other layouts that fit.
    /// </summary>
    internal interface ILayoutRecheck
    {
        /// <summary>The digest did not match under the layout it was told; RecheckAsync must settle it.</summary>
        bool NeedsRecheck { get; }

        /// <summary>Hashes the copy as written under the other layouts; throws VerifyFailedException when none matches.</summary>
        Task RecheckAsync(IObjectReader written, CancellationToken cancellationToken);
    }
}
