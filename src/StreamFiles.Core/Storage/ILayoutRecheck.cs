using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// A reader whose check of the object's digest under a part layout it was told or guessed (not the store's own
    /// answer) may have failed for the layout rather than the bytes: the engine hands it the copy as written, before
    /// the copy gets its name, to settle the check under the other layouts that fit.
    /// </summary>
    internal interface ILayoutRecheck
    {
        /// <summary>The digest did not match under the layout it was told or guessed; RecheckAsync must settle it.</summary>
        bool NeedsRecheck { get; }

        /// <summary>
        /// After RecheckAsync: why the copy went unchecked (a guessed layout, and no other that fits gives the digest
        /// either), for a warning; null when the digest was checked.
        /// </summary>
        string? Unchecked { get; }

        /// <summary>
        /// Hashes the copy as written (null: a destination that cannot be read back) under the other layouts. When none
        /// matches: VerifyFailedException for a layout the object's metadata recorded, Unchecked for a guessed one.
        /// </summary>
        Task RecheckAsync(IObjectReader? written, CancellationToken cancellationToken);
    }
}
