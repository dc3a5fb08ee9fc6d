using System;
using System.Security.Cryptography;
using Amazon.Runtime;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Tests.Http;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// S3 storage aimed at a Kestrel stand-in (HttpTestServer) that plays answers the local RGW cannot give: another
    /// region's refusals, stored checksums. The keys are made up; the stand-in checks no signature.
    /// </summary>
    internal static class S3StandIn
    {
        public static S3Storage Storage(HttpTestServer store, S3ClientPool pool, string region = "us-east-1", S3ChecksumMode mode = S3ChecksumMode.Auto) => new S3Storage(
            new S3Connection(region: region, endpointUrl: store.BaseUri.ToString().TrimEnd('/'), checksumMode: mode, credentials: new BasicAWSCredentials("AKIDSTANDIN", "stand-in-secret")),
            pool);

        /// <summary>The quoted ETag of a single PUT of these bytes: their MD5 in lower-case hex.</summary>
        public static string Md5ETag(byte[] bytes) => "\"" + Convert.ToHexString(MD5.HashData(bytes)).ToLowerInvariant() + "\"";
    }
}
