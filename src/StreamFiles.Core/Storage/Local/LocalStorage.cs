using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// Local disks and (on Windows) UNC shares: positional reads and writes, preallocated .partial files renamed
    /// into place, modification times and Unix permission bits carried over, directories listed recursively.
    /// </summary>
    public sealed class LocalStorage : IReadableStorage, IWritableStorage, IListableStorage
    {
        private readonly bool _portable;

        public LocalStorage()
            : this(portable: false)
        {
        }

        /// <summary>portable: use the FileStream code path of the .NET Standard build even on .NET 8 (tests).</summary>
        internal LocalStorage(bool portable)
        {
#if NET8_0_OR_GREATER
            _portable = portable;
#else
            _portable = true;
#endif
        }

        public string Name => "local";

        public PartLimits PartLimits => PartLimits.Unlimited;

        public bool IsTransient(Exception exception) => false;

        public Task<ObjectInfo?> StatAsync(Location location, CancellationToken cancellationToken)
        {
            FileLocation file = AsFile(location);
            var info = new FileInfo(file.Path);
            if (info.Exists)
            {
                // A symbolic link is described by the file it points to; a dangling one, or a loop, names nothing.
                FileInfo? target = Files.LinkedFile.Target(info);
                return Task.FromResult<ObjectInfo?>(target is null ? null : Describe(file, target));
            }

            // One stat answers both: FileInfo of a directory does not "exist" but carries its attributes (-1 when nothing is there).
            FileAttributes attributes = info.Attributes;
            if ((int)attributes != -1 && (attributes & FileAttributes.Directory) != 0)
            {
                return Task.FromResult<ObjectInfo?>(new ObjectInfo(file, null, new DateTimeOffset(info.LastWriteTimeUtc), isContainer: true));
            }

            return Task.FromResult<ObjectInfo?>(null);
        }

        public Task<IObjectReader> OpenReadAsync(ObjectInfo source, CancellationToken cancellationToken) =>
            Task.FromResult<IObjectReader>(LocalObjectReader.Open(AsFile(source.Location).Path, _portable));

        public Task<IObjectWriter> OpenWriterAsync(WriteRequest request, CancellationToken cancellationToken) =>
            Task.FromResult<IObjectWriter>(LocalObjectWriter.Open(request, AsFile(request.Destination).Path, _portable));

        public IAsyncEnumerable<ListedObject> ListAsync(Location container, bool recurse, CancellationToken cancellationToken) =>
            new SyncAsyncEnumerable<ListedObject>(DirectoryWalker.Walk(AsFile(container), recurse, cancellationToken));

        internal static ObjectInfo Describe(FileLocation location, FileInfo info)
        {
            int? mode = null;
#if NET8_0_OR_GREATER
            if (!OperatingSystem.IsWindows())
            {
                mode = (int)info.UnixFileMode;
            }
#endif
            return new ObjectInfo(location, Files.LinkedFile.Length(info), new DateTimeOffset(info.LastWriteTimeUtc), unixMode: mode);
        }

        private static FileLocation AsFile(Location location) =>
            location as FileLocation ?? throw new ArgumentException($"'{location.Display}' is not a file-system location.", nameof(location));
    }
}
