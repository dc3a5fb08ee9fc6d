using System;
using System.Globalization;
using System.Net;
using Amazon.Runtime;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// Where and as whom to reach S3: what -ProfileName, -Region, -EndpointUrl, -ForcePathStyle and -ChecksumMode
    /// (CLI: --profile, --region, --endpoint-url, --path-style, --checksum-mode) say. Anything left null comes from
    /// the standard AWS chain: environment, shared config/credentials files, container and instance roles.
    /// </summary>
    public sealed class S3Connection : IEquatable<S3Connection>
    {
        /// <summary>What the cmdlets and the CLI build: no AWS SDK type in the signature.</summary>
        /// <remarks>
        /// On PowerShell 7 the cmdlet assembly lives in the default load context and the engine with the AWS SDK in a
        /// private one (ModuleInitializer). A call whose signature names an SDK type (AWSCredentials) makes the runtime
        /// load AWSSDK.Core for the cmdlet assembly, from the default context, where it is not (or where AWS.Tools put
        /// another copy): every Send-StreamFile and Receive-StreamFile then failed before it read a byte. Public members
        /// that the cmdlets call keep SDK types out of their signatures; a contract test checks the cmdlet assembly.
        /// </remarks>
        public S3Connection(
            string? profileName = null,
            string? region = null,
            string? endpointUrl = null,
            bool forcePathStyle = false,
            S3ChecksumMode checksumMode = S3ChecksumMode.Auto)
            : this(null, profileName, region, endpointUrl, forcePathStyle, checksumMode)
        {
        }

        /// <summary>With explicit credentials (tests, callers that hold their own): they win over the profile and the chain.</summary>
        internal S3Connection(
            AWSCredentials? credentials,
            string? profileName = null,
            string? region = null,
            string? endpointUrl = null,
            bool forcePathStyle = false,
            S3ChecksumMode checksumMode = S3ChecksumMode.Auto)
        {
            if (endpointUrl != null && !IsHttpUri(endpointUrl))
            {
                throw new ArgumentException($"The endpoint URL '{Locations.UriRedaction.RedactText(endpointUrl)}' is not an absolute http:// or https:// URL. Give one such as 'https://s3.example.com', or 'http://127.0.0.1:9000' for a store without TLS.", nameof(endpointUrl));
            }

            if (endpointUrl != null && EndpointProblem(endpointUrl) is string problem)
            {
                throw new ArgumentException(problem, nameof(endpointUrl));
            }

            if (!string.IsNullOrWhiteSpace(region) && RegionProblem(region!) is string wrong)
            {
                throw new ArgumentException(wrong, nameof(region));
            }

            ProfileName = string.IsNullOrWhiteSpace(profileName) ? null : profileName;
            Region = string.IsNullOrWhiteSpace(region) ? null : region;
            EndpointUrl = string.IsNullOrWhiteSpace(endpointUrl) ? null : endpointUrl!.TrimEnd('/');
            ForcePathStyle = forcePathStyle;
            ChecksumMode = checksumMode;
            Credentials = credentials;
        }

        /// <summary>A profile of the shared config/credentials files; null: the default chain.</summary>
        public string? ProfileName { get; }

        /// <summary>The region to sign for; null: AWS_REGION, AWS_DEFAULT_REGION, the profile's, else us-east-1.</summary>
        public string? Region { get; }

        /// <summary>An S3-compatible endpoint; null: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else Amazon S3.</summary>
        public string? EndpointUrl { get; }

        /// <summary>Bucket in the path (https://host/bucket/key) rather than in the host name. Always on for IP addresses and localhost.</summary>
        public bool ForcePathStyle { get; }

        public S3ChecksumMode ChecksumMode { get; }

        /// <summary>Explicit credentials (tests, callers that hold their own); they win over ProfileName and the chain.</summary>
        internal AWSCredentials? Credentials { get; }

        /// <summary>The endpoint after the environment is consulted: EndpointUrl, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL.</summary>
        public string? EffectiveEndpointUrl(Func<string, string?>? environment = null)
        {
            environment ??= Environment.GetEnvironmentVariable;
            string? url = EndpointUrl ?? NonEmpty(environment("AWS_ENDPOINT_URL_S3")) ?? NonEmpty(environment("AWS_ENDPOINT_URL"));
            return url?.TrimEnd('/');
        }

        /// <summary>Path-style addressing: asked for, or the only one that can work (an IP address or localhost has no bucket subdomains).</summary>
        public bool EffectivePathStyle(string? endpointUrl)
        {
            if (ForcePathStyle || endpointUrl is null)
            {
                return ForcePathStyle;
            }

            if (!Uri.TryCreate(endpointUrl, UriKind.Absolute, out Uri? uri))
            {
                return false;
            }

            return uri.HostNameType == UriHostNameType.IPv4
                || uri.HostNameType == UriHostNameType.IPv6
                || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
                || IPAddress.TryParse(uri.Host, out _);
        }

        public bool Equals(S3Connection? other) =>
            other != null
            && string.Equals(ProfileName, other.ProfileName, StringComparison.Ordinal)
            && string.Equals(Region, other.Region, StringComparison.Ordinal)
            && string.Equals(EndpointUrl, other.EndpointUrl, StringComparison.OrdinalIgnoreCase)
            && ForcePathStyle == other.ForcePathStyle
            && ChecksumMode == other.ChecksumMode
            && ReferenceEquals(Credentials, other.Credentials);

        public override bool Equals(object? obj) => obj is S3Connection other && Equals(other);

        public override int GetHashCode()
        {
            unchecked
            {
                int hash = ProfileName?.GetHashCode() ?? 0;
                hash = (hash * 31) + (Region?.GetHashCode() ?? 0);
                hash = (hash * 31) + (EndpointUrl is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(EndpointUrl));
                hash = (hash * 31) + (ForcePathStyle ? 1 : 0);
                hash = (hash * 31) + (int)ChecksumMode;
                return (hash * 31) + (Credentials is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Credentials));
            }
        }

        /// <summary>For messages: never credentials, only what was chosen.</summary>
        public override string ToString() => string.Format(
            CultureInfo.InvariantCulture,
            "endpoint {0}, region {1}, profile {2}",
            EndpointUrl ?? "(default)",
            Region ?? "(default)",
            ProfileName ?? "(default chain)");

        /// <summary>Why an http(s) endpoint URL cannot be used, in words that never repeat what it holds after '//' and before '@'; null when it can.</summary>
        internal static string? EndpointProblem(string url, string? from = null)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri))
            {
                return null;
            }

            string named = $"The S3 endpoint '{Locations.UriRedaction.RedactText(url)}'{(from is null ? string.Empty : " (from " + from + ")")}";
            if (uri.UserInfo.Length > 0)
            {
                return named + " has a user name or password in it. S3 requests are signed with AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or a role): give the endpoint without them and the keys that way.";
            }

            // The SDK refuses it on the first request, as S3RequestFailed for each file, with the query in its message
            // (a probe: "Custom endpoint `http://host/?token=...` was not a valid URI").
            return uri.Query.Length > 0 || url.IndexOf('?') >= 0
                ? named + " has a query string ('?...'), which an S3 endpoint cannot have: requests are signed with AWS credentials, not a token in the URL. Give the scheme, host and port only (for example 'https://s3.example.com')."
                : null;
        }

        /// <summary>
        /// Why a region name cannot be signed for; null when it can. Regions go into host names and signatures, so
        /// they are letters, digits and '-' (us-east-1, auto, garage), as the SDK requires.
        /// </summary>
        internal static string? RegionProblem(string region, string? from = null)
        {
            foreach (char c in region)
            {
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
                {
                    return $"'{region}'{(from is null ? string.Empty : " (from " + from + ")")} is not a region name: regions are letters, digits and '-', such as us-east-1 (Cloudflare R2: auto).";
                }
            }

            return null;
        }

        internal static bool IsHttpUri(string text) =>
            Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

        private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
