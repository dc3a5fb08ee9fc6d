using StreamFiles.Core.Hashing;
using StreamFiles.Core.Locations;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>How hosts add S3 to the backends of an operation, with the connection the user asked for.</summary>
    public static class S3Registration
    {
        public static StorageRegistry RegisterS3(this StorageRegistry registry, S3Connection connection, ChecksumAlgorithm partChecksum = ChecksumAlgorithm.CRC32C, S3ClientPool? pool = null, string? contentType = null) =>
            (registry ?? throw new System.ArgumentNullException(nameof(registry))).Register(LocationKind.S3, new S3Storage(connection, pool, partChecksum, contentType));
    }
}
