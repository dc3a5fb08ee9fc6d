using System.Collections.Generic;
using System.Threading;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.Transfers.Support
{
    /// <summary>Runs a TransferOperation the way a host does: submit every source, complete, collect.</summary>
    public static class TransferHarness
    {
        public static CollectingSink Run(
            IEnumerable<string> sources,
            string destination,
            TransferOptions? options = null,
            bool recurse = false,
            StorageRegistry? storages = null,
            TransferDirection direction = TransferDirection.Send,
            bool approve = true,
            int throttleLimit = 4,
            CancellationToken cancellationToken = default,
            string? basePath = null,
            bool explicitSources = true,
            CollectingSink? sink = null)
        {
            sink ??= new CollectingSink(approve);
            using var operation = new TransferOperation(
                direction,
                Location.Parse(destination, basePath),
                recurse,
                options ?? new TransferOptions(),
                new OperationSettings(throttleLimit, reportProgress: true, progressInterval: System.TimeSpan.FromMilliseconds(50)),
                cancellationToken,
                storages,
                basePath);
            foreach (string source in sources)
            {
                operation.SubmitSource(new TransferRequest(source, explicitSources), sink);
            }

            operation.Complete(sink);
            sink.PeakBuffers = operation.Engine.Budget.PeakBuffers;
            return sink;
        }

        public static StorageRegistry Local(bool portable = false) =>
            new StorageRegistry().Register(LocationKind.FileSystem, new StreamFiles.Core.Storage.Local.LocalStorage(portable));

        public static StorageRegistry With(IStorage storage, LocationKind kind = LocationKind.FileSystem) =>
            new StorageRegistry().Register(kind, storage);
    }
}
