using System;
using System.Collections.Generic;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage.Local;

namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// The backend for each kind of location. Hosts use Default (the backends this build has); tests register
    /// their own (a backend that fails after N bytes, an in-memory object store) to reach the engine's seams.
    /// </summary>
    public sealed class StorageRegistry
    {
        private readonly Dictionary<LocationKind, IStorage> _backends = new Dictionary<LocationKind, IStorage>();

        /// <summary>
        /// A registry with the local file system and HTTP(S) with default settings (hosts re-register HTTP with the
        /// user's headers and credential: RegisterHttp); S3 registers itself when present.
        /// </summary>
        public static StorageRegistry CreateDefault() =>
            new StorageRegistry().Register(LocationKind.FileSystem, new LocalStorage()).Register(LocationKind.Http, new Http.HttpStorage());

        public StorageRegistry Register(LocationKind kind, IStorage storage)
        {
            _backends[kind] = storage ?? throw new ArgumentNullException(nameof(storage));
            return this;
        }

        public bool TryGet(LocationKind kind, out IStorage? storage) => _backends.TryGetValue(kind, out storage);

        /// <summary>The backend for a location with the capability T, or a failure naming what is missing.</summary>
        public T Resolve<T>(Location location, string purpose)
            where T : class, IStorage
        {
            if (!_backends.TryGetValue(location.Kind, out IStorage? storage))
            {
                throw new CommandFailureException(new CommandError(
                    "UnsupportedLocation",
                    FailureCategory.NotImplemented,
                    location.Display,
                    $"'{location.Display}': {KindName(location.Kind)} locations are not supported by this version of StreamFiles."));
            }

            return storage as T ?? throw new CommandFailureException(new CommandError(
                "UnsupportedLocation",
                FailureCategory.NotImplemented,
                location.Display,
                $"'{location.Display}': the {storage.Name} backend cannot be used {purpose}."));
        }

        private static string KindName(LocationKind kind) => kind switch
        {
            LocationKind.S3 => "S3 (s3://)",
            LocationKind.Http => "HTTP(S)",
            _ => "file-system",
        };
    }
}
