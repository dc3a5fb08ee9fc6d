using System;
using StreamFiles.Core.Locations;

namespace StreamFiles.Core.Storage.Http
{
    /// <summary>How hosts add HTTP(S) to the backends of an operation, with the headers and credential the user gave.</summary>
    public static class HttpRegistration
    {
        /// <param name="log">Receives retry notices (URLs redacted); called on worker threads.</param>
        public static StorageRegistry RegisterHttp(this StorageRegistry registry, HttpSettings? settings = null, Action<string>? log = null) =>
            (registry ?? throw new ArgumentNullException(nameof(registry))).Register(LocationKind.Http, new HttpStorage(settings, log));
    }
}
