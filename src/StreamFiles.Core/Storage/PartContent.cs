using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage
{
    /// <summary>The bytes of one part for an IPartUploader: opened as a fresh read-only window on the source each time.</summary>
    public sealed class PartContent
    {
        private readonly Func<CancellationToken, Task<Stream>> _open;
        private readonly Func<CancellationToken, Task>? _verifySource;

        public PartContent(PartSpec part, Func<CancellationToken, Task<Stream>> open, Func<CancellationToken, Task>? verifySource = null)
        {
            Part = part;
            _open = open ?? throw new ArgumentNullException(nameof(open));
            _verifySource = verifySource;
        }

        public PartSpec Part { get; }

        /// <summary>A stream of exactly Part.Length bytes; the engine hashes and counts them as they are read.</summary>
        public Task<Stream> OpenAsync(CancellationToken cancellationToken) => _open(cancellationToken);

        /// <summary>
        /// Throws SourceChangedException when the source is no longer the version the transfer started with. An
        /// uploader whose request publishes the object when its body ends (a single PUT) calls it before sending the
        /// last bytes, so a changed source never becomes a complete object.
        /// </summary>
        public Task VerifySourceAsync(CancellationToken cancellationToken) => _verifySource?.Invoke(cancellationToken) ?? Task.CompletedTask;
    }
}
