using System;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Transfers
{
    /// <summary>One file to transfer, validated and approved: the source as stat'ed, where it goes, what is there now.</summary>
    public sealed class TransferJob
    {
        public TransferJob(ObjectInfo source, Location destination, ObjectInfo? existingDestination, bool destinationLooked = false)
        {
            DestinationLooked = destinationLooked;
            Source = source ?? throw new ArgumentNullException(nameof(source));
            Destination = destination ?? throw new ArgumentNullException(nameof(destination));
            ExistingDestination = existingDestination;
        }

        public ObjectInfo Source { get; }

        public Location Destination { get; }

        /// <summary>The object already at the destination when the job was approved, if any.</summary>
        public ObjectInfo? ExistingDestination { get; }

        /// <summary>Requests the look at the source sent again (an HTTP server's 503 to the first byte): they count in Attempts.</summary>
        public int LookupRetries { get; set; }

        /// <summary>Whether ExistingDestination is what a stat found (null: nothing there), rather than not looked for.</summary>
        public bool DestinationLooked { get; }
    }
}
