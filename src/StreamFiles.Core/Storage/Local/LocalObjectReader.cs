using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>Reads a file by ranges: on .NET 8 every range reads the one shared handle positionally.</summary>
    internal sealed class LocalObjectReader : IObjectReader, ILocalReader
    {
        private readonly string _path;
        private readonly bool _portable;
        private readonly LocalFile? _shared;
        private readonly bool _ownsShared;

        private LocalObjectReader(string path, bool portable, LocalFile? shared, bool ownsShared)
        {
            _path = path;
            _portable = portable;
            _shared = shared;
            _ownsShared = ownsShared;
        }

        public bool SupportsRanges => true;

        /// <summary>The shared open file (null in the portable build, where each range opens its own).</summary>
        internal LocalFile? File => _portable && _ownsShared ? null : _shared;

        public static LocalObjectReader Open(string path, bool portable) =>
            portable
                ? new LocalObjectReader(path, portable, LocalFile.OpenRead(path, portable), ownsShared: true) // opened once so a missing file fails here
                : new LocalObjectReader(path, portable, LocalFile.OpenRead(path, portable), ownsShared: true);

        /// <summary>A reader over a file some writer holds open (reading a .partial back).</summary>
        public static LocalObjectReader Over(LocalFile file, string path) => new LocalObjectReader(path, portable: false, file, ownsShared: false);

        public Task<Stream> OpenRangeAsync(long offset, long? length, CancellationToken cancellationToken)
        {
            if (offset < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset, "Offsets cannot be negative.");
            }

            if (_portable && _ownsShared)
            {
                // A FileStream per range: ranges of one file read in parallel without sharing a file position.
                LocalFile own = LocalFile.OpenRead(_path, portable: true);
                return Task.FromResult<Stream>(new RangeStream(own.ReadAtAsync, offset, length, own));
            }

            return Task.FromResult<Stream>(new RangeStream(_shared!.ReadAtAsync, offset, length));
        }

        public void Dispose()
        {
            if (_ownsShared)
            {
                _shared?.Dispose();
            }
        }
    }
}
