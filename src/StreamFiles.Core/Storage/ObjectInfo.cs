using System;
using System.Collections.Generic;
using StreamFiles.Core.Locations;

namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// What a backend knows about one object without reading it (stat, HEAD): enough to plan a transfer,
    /// to notice that a source changed, and to decide that a destination is already up to date.
    /// </summary>
    public sealed class ObjectInfo
    {
        private static readonly IReadOnlyDictionary<string, string> NoChecksums = new Dictionary<string, string>();

        public ObjectInfo(
            Location location,
            long? length,
            DateTimeOffset? lastModified,
            string? etag = null,
            bool isContainer = false,
            IReadOnlyDictionary<string, string>? checksums = null,
            int? unixMode = null,
            long? partSize = null)
        {
            Location = location ?? throw new ArgumentNullException(nameof(location));
            Length = length;
            LastModified = lastModified;
            ETag = etag;
            IsContainer = isContainer;
            Checksums = checksums ?? NoChecksums;
            UnixMode = unixMode;
            PartSize = partSize;
        }

        public Location Location { get; }

        /// <summary>Null when the store does not say (an HTTP response without Content-Length).</summary>
        public long? Length { get; }

        /// <summary>The modification time of the content, as the store keeps it.</summary>
        public DateTimeOffset? LastModified { get; }

        /// <summary>A version tag that changes with the content (S3/HTTP ETag); null for files.</summary>
        public string? ETag { get; }

        /// <summary>A directory or prefix rather than an object.</summary>
        public bool IsContainer { get; }

        /// <summary>Whole-object checksums the store holds, by algorithm name (upper-case hex), e.g. S3's CRC32C.</summary>
        public IReadOnlyDictionary<string, string> Checksums { get; }

        /// <summary>Permission bits of a file on Unix, carried to the copy.</summary>
        public int? UnixMode { get; }

        /// <summary>
        /// The part size its uploader recorded with a multipart object (StreamFiles' own uploads keep it in metadata),
        /// for stores that will not say it; null when none was recorded.
        /// </summary>
        public long? PartSize { get; }

        /// <summary>Whether this and a later look at the same object describe the same content.</summary>
        public bool SameVersionAs(ObjectInfo later)
        {
            if (later is null)
            {
                return false;
            }

            return Length == later.Length
                && Nullable.Equals(LastModified, later.LastModified)
                && string.Equals(ETag, later.ETag, StringComparison.Ordinal);
        }

        public override string ToString() => Location.Display;
    }
}
