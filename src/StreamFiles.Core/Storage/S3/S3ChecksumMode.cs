namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// How uploads carry checksums. AWSSDK.S3 4's default sends them as trailers of an aws-chunked body
    /// (STREAMING-UNSIGNED-PAYLOAD-TRAILER), which Ceph RGW, Cloudflare R2, MinIO releases and other S3-compatible
    /// stores reject; the default here is the mode every store accepts.
    /// </summary>
    public enum S3ChecksumMode
    {
        /// <summary>
        /// Works with every store: the SDK adds checksums only where the API requires them, and StreamFiles sends
        /// each part's checksum (CRC32C or SHA256) and Content-MD5 as ordinary headers it computed itself.
        /// </summary>
        Auto,

        /// <summary>As Auto but without the x-amz-checksum-* part headers, for stores that refuse those headers too.</summary>
        WhenRequired,

        /// <summary>The SDK's own default: trailing checksums on every upload. Amazon S3 only.</summary>
        WhenSupported,
    }
}
