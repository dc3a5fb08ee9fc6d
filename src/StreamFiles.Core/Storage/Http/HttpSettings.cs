using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using StreamFiles.Core.Locations;

namespace StreamFiles.Core.Storage.Http
{
    /// <summary>Which checksum an upload computes in a pre-pass and sends with the PUT, so the server can refuse damaged bytes.</summary>
    public enum UploadChecksum
    {
        None,

        /// <summary>Content-MD5 (base64), which S3 and most WebDAV servers check.</summary>
        Md5,

        /// <summary>x-amz-checksum-sha256 (base64), which S3 checks and stores.</summary>
        Sha256,
    }

    /// <summary>
    /// How the HTTP(S) backend talks to servers: extra headers, credentials, timeouts, redirects and retries.
    /// Validated on construction; the defaults suit unattended transfers over the internet.
    /// </summary>
    public sealed class HttpSettings
    {
        /// <summary>Headers the backend sets itself; a caller may not override them.</summary>
        private static readonly HashSet<string> ReservedHeaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Host", "Content-Length", "Transfer-Encoding", "Range", "If-Range", "If-Match", "If-None-Match",
            "Connection", "Expect", "Content-MD5", "x-amz-checksum-sha256", "Accept-Encoding", "TE", "Upgrade",
        };

        public HttpSettings(
            IReadOnlyDictionary<string, string>? headers = null,
            HttpCredential? credential = null,
            string? contentType = null,
            UploadChecksum uploadChecksum = UploadChecksum.None,
            TimeSpan? connectTimeout = null,
            TimeSpan? responseTimeout = null,
            TimeSpan? stallTimeout = null,
            int maxRedirects = 10,
            int maxRetries = 5,
            TimeSpan? retryDelay = null,
            TimeSpan? maxRetryAfter = null)
        {
            var copy = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (KeyValuePair<string, string> header in headers ?? new Dictionary<string, string>())
            {
                if (string.IsNullOrWhiteSpace(header.Key) || header.Key.Any(c => c <= ' ' || c >= 127 || c == ':'))
                {
                    throw new ArgumentException($"'{header.Key}' is not a valid header name in -Headers (--header): a name has no spaces, control characters or ':' (for example 'X-Api-Key').", nameof(headers));
                }

                if (ReservedHeaders.Contains(header.Key))
                {
                    throw new ArgumentException($"The header '{header.Key}' is set by StreamFiles itself and cannot be given.", nameof(headers));
                }

                // The value is not echoed: it may be a token.
                if (header.Value is null || header.Value.Any(c => c == '\r' || c == '\n' || c == '\0'))
                {
                    throw new ArgumentException($"The value of the header '{header.Key}' is missing or contains a line break.", nameof(headers));
                }

                copy[header.Key] = header.Value;
            }

            // Content-Type is the body's header, which HttpClient keeps apart from the request's: given as a header, it
            // was dropped without a word (a probe), and a PUT URL presigned with a content type failed its signature.
            // It is the content type, as -ContentType (--content-type) gives it.
            if (copy.TryGetValue("Content-Type", out string? typeHeader))
            {
                copy.Remove("Content-Type");
                if (contentType != null && !string.Equals(contentType, typeHeader, StringComparison.Ordinal))
                {
                    throw new ArgumentException("Give the content type once: -ContentType (--content-type), or a Content-Type header, not both with different values.", nameof(headers));
                }

                contentType = typeHeader;
            }

            if (credential != null && copy.ContainsKey("Authorization"))
            {
                throw new ArgumentException("Give either a credential (-Credential, --user) or an Authorization header (-Headers, --header), not both.", nameof(credential));
            }

            if (contentType != null && (contentType.Length == 0 || contentType.Any(c => c == '\r' || c == '\n')))
            {
                throw new ArgumentException("The content type is empty or contains a line break.", nameof(contentType));
            }

            Headers = copy;
            Credential = credential;
            ContentType = contentType;
            UploadChecksum = uploadChecksum;
            ConnectTimeout = Positive(connectTimeout ?? TimeSpan.FromSeconds(30), nameof(connectTimeout));
            ResponseTimeout = Positive(responseTimeout ?? TimeSpan.FromSeconds(100), nameof(responseTimeout));
            StallTimeout = Positive(stallTimeout ?? TimeSpan.FromSeconds(60), nameof(stallTimeout));
            if (maxRedirects < 0 || maxRedirects > 50)
            {
                throw new ArgumentOutOfRangeException(nameof(maxRedirects), maxRedirects, "Redirects must be between 0 and 50.");
            }

            if (maxRetries < 0 || maxRetries > 100)
            {
                throw new ArgumentOutOfRangeException(nameof(maxRetries), maxRetries, "Retries must be between 0 and 100.");
            }

            MaxRedirects = maxRedirects;
            MaxRetries = maxRetries;
            RetryDelay = Positive(retryDelay ?? TimeSpan.FromSeconds(1), nameof(retryDelay));
            MaxRetryAfter = Positive(maxRetryAfter ?? TimeSpan.FromMinutes(5), nameof(maxRetryAfter));
        }

        public static HttpSettings Default { get; } = new HttpSettings();

        /// <summary>
        /// Reads a header given as "Name: value" (the CLI's --header, as curl writes it). The message of a
        /// refusal never repeats the value, which may be a token.
        /// </summary>
        public static KeyValuePair<string, string> ParseHeader(string text)
        {
            int colon = text?.IndexOf(':') ?? -1;
            if (colon <= 0)
            {
                throw new ArgumentException("A header is written as 'Name: value', for example 'Authorization: Bearer <token>'.", nameof(text));
            }

            return new KeyValuePair<string, string>(text!.Substring(0, colon).Trim(), text.Substring(colon + 1).Trim());
        }

        /// <summary>Extra request headers (an API key, an Authorization token); never shown anywhere.</summary>
        public IReadOnlyDictionary<string, string> Headers { get; }

        /// <summary>Basic authentication, sent over HTTPS only.</summary>
        public HttpCredential? Credential { get; }

        /// <summary>Content-Type of an upload; application/octet-stream when null.</summary>
        public string? ContentType { get; }

        public UploadChecksum UploadChecksum { get; }

        /// <summary>Longest wait for a TCP (and TLS) connection.</summary>
        public TimeSpan ConnectTimeout { get; }

        /// <summary>Longest wait for the response headers once a request is sent (an upload: once its body is sent).</summary>
        public TimeSpan ResponseTimeout { get; }

        /// <summary>Longest time a response body may deliver no byte at all before the request is given up and retried.</summary>
        public TimeSpan StallTimeout { get; }

        public int MaxRedirects { get; }

        /// <summary>Retries of one request after a connection error, a timeout, 408, 429 or 5xx.</summary>
        public int MaxRetries { get; }

        /// <summary>The first backoff delay; it doubles with every retry, with jitter.</summary>
        public TimeSpan RetryDelay { get; }

        /// <summary>A server asking (Retry-After) for a longer wait than this fails the request instead.</summary>
        public TimeSpan MaxRetryAfter { get; }

        /// <summary>
        /// The settings given here that a send to a destination of this kind does not use, by name (Headers,
        /// Credential, ContentType, UploadChecksum), so hosts can warn that their options are ignored. S3 uses the
        /// content type only; a local destination uses none of them.
        /// </summary>
        public IReadOnlyList<string> UnusedBySendTo(LocationKind destination)
        {
            var unused = new List<string>();
            if (destination == LocationKind.Http)
            {
                return unused;
            }

            if (Headers.Count > 0)
            {
                unused.Add(nameof(Headers));
            }

            if (Credential != null)
            {
                unused.Add(nameof(Credential));
            }

            if (ContentType != null && destination != LocationKind.S3)
            {
                unused.Add(nameof(ContentType));
            }

            if (UploadChecksum != UploadChecksum.None)
            {
                unused.Add(nameof(UploadChecksum));
            }

            return unused;
        }

        /// <summary>
        /// The settings given here that a download from a source of this kind does not use (Headers, Credential), so
        /// hosts can warn that their options are ignored for an s3:// or local source.
        /// </summary>
        public IReadOnlyList<string> UnusedByReceiveFrom(LocationKind source)
        {
            var unused = new List<string>();
            if (source != LocationKind.Http)
            {
                if (Headers.Count > 0)
                {
                    unused.Add(nameof(Headers));
                }

                if (Credential != null)
                {
                    unused.Add(nameof(Credential));
                }
            }

            return unused;
        }

        /// <summary>
        /// Tests only: one more certificate to accept besides those the system trusts (a self-signed test
        /// server's). There is deliberately no way to switch validation off.
        /// </summary>
        internal X509Certificate2? ExtraTrustedCertificate { get; set; }

        private static TimeSpan Positive(TimeSpan value, string name) =>
            value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(name, value, "The value must be positive.");
    }
}
