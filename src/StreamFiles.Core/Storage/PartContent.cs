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

        public PartContent(PartSpec part, Func<CancellationToken, Task<Stream>> open)
        {
            Part = part;
            _open = open ?? throw new ArgumentNullException(nameof(open));
        }

        public PartSpec Part { get; }

        /// <summary>A stream of exactly Part.Length bytes; the engine hashes and counts them as they are read.</summary>
        public Task<Stream> OpenAsync(CancellationToken cancellationToken) => _open(cancellationToken);
    }
}
