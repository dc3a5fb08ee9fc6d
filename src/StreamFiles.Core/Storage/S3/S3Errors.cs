using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// Turns what the S3 API answered into one error condition per cause, each with a message that says what to
    /// change. Messages are built here from the error code and what we asked for; the store's own text is never
    /// copied in (a SignatureDoesNotMatch body carries the string-to-sign), and neither are credentials.
    /// </summary>
    public static class S3Errors
    {
        /// <summary>The error for a failed call; operation is what was being done ("upload", "HEAD", "list").</summary>
        public static CommandError Describe(Exception exception, string operation, string target, S3Client? client = null)
        {
            if (exception is null)
            {
                throw new ArgumentNullException(nameof(exception));
            }

            string where = client?.Endpoint != null ? $" at {client.Endpoint}" : string.Empty;
            string region = client?.Region ?? "(default)";
            bool trailing = client?.Connection.ChecksumMode == S3ChecksumMode.WhenSupported;
            switch (exception)
            {
                case CommandFailureException failure:
                    return failure.Error;
                case AmazonS3Exception s3:
                    return DescribeService(s3, s3.ErrorCode, s3.StatusCode, RegionHeader(s3) ?? RegionIn(s3.Message + " " + s3.ResponseBody), operation, target, where, region, trailing);
                case AmazonServiceException service:
                    return DescribeService(service, service.ErrorCode, service.StatusCode, null, operation, target, where, region, trailing);
            }

            if (TlsFailure.Is(exception))
            {
                return new CommandError(
                    "S3TlsError",
                    FailureCategory.SecurityError,
                    target,
                    TlsFailure.CertificateRefused(exception)
                        ? $"{operation} {target}: the TLS connection to the S3 endpoint{where} could not be established securely ({Innermost(exception).Message}). StreamFiles validates every certificate; if the endpoint is yours, install the issuing CA in the system's trust store, or check that -EndpointUrl (--endpoint-url) names the host the certificate is for."
                        : $"{operation} {target}: the S3 endpoint{where} did not complete a TLS handshake ({Innermost(exception).Message}). If it serves plain HTTP on that port, give -EndpointUrl (--endpoint-url) with http://; otherwise check its host and port.",
                    exception);
            }

            if (IsConnectionFailure(exception))
            {
                return new CommandError(
                    "S3EndpointUnreachable",
                    FailureCategory.ConnectionError,
                    target,
                    $"{operation} {target}: could not reach the S3 endpoint{where}: {Innermost(exception).Message}. Check -EndpointUrl (--endpoint-url) and the network.",
                    exception);
            }

            return new CommandError("S3RequestFailed", FailureCategory.ProtocolError, target, $"{operation} {target}: {exception.Message}", exception);
        }

        /// <summary>
        /// Whether retrying the same request may succeed: throttling, 5xx, dropped connections, answers that arrived
        /// unreadable (not a rejected certificate).
        /// </summary>
        public static bool IsTransient(Exception exception)
        {
            if (TlsFailure.Is(exception))
            {
                return false;
            }

            if (IsUnreadableAnswer(exception))
            {
                return true;
            }

            switch (exception)
            {
                case AmazonServiceException service:
                    int status = (int)service.StatusCode;
                    // BadDigest / XAmzContentSHA256Mismatch: the store received other bytes than were hashed; a part
                    // sent again is read afresh from the source, so a copy damaged on the way gets another chance.
                    // ConditionalRequestConflict (409): a conditional write met another one in progress; Amazon S3 asks
                    // for the request to be sent again.
                    return status >= 500 || status == 429 || service.ErrorCode == "SlowDown" || service.ErrorCode == "RequestTimeout" || service.ErrorCode == "ConditionalRequestConflict"
                        || service.ErrorCode == "BadDigest" || service.ErrorCode == "XAmzContentSHA256Mismatch"
                        || (status == 0 && IsConnectionFailure(service));
                case OperationCanceledException _:
                    return false;
            }

            return IsConnectionFailure(exception);
        }

        /// <summary>
        /// An answer whose XML could not be read (cut short or damaged on its way, found by the fault matrix): the request
        /// may have been carried out, or not. Like a lost answer, it is retried; a retried CreateMultipartUpload then
        /// aborts the upload the lost answer named, and a retried completion is settled by the object stored.
        /// </summary>
        public static bool IsUnreadableAnswer(Exception exception)
        {
            for (Exception? e = exception; e != null; e = e.InnerException)
            {
                if (e is System.Xml.XmlException || e is AmazonUnmarshallingException)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>A response without a body (HEAD) carries no error code: the status alone is ambiguous.</summary>
        public static bool IsAmbiguous(Exception exception) =>
            exception is AmazonServiceException service
            && (string.IsNullOrEmpty(service.ErrorCode) || string.Equals(service.ErrorCode, service.StatusCode.ToString(), StringComparison.Ordinal))
            && (service.StatusCode == HttpStatusCode.Forbidden || service.StatusCode == HttpStatusCode.BadRequest
                || service.StatusCode == HttpStatusCode.MovedPermanently || service.StatusCode == HttpStatusCode.NotFound
                || service.StatusCode == HttpStatusCode.Unauthorized);

        public static bool IsNotFound(Exception exception) =>
            exception is AmazonServiceException service
            && (service.StatusCode == HttpStatusCode.NotFound || service.ErrorCode == "NoSuchKey" || service.ErrorCode == "NotFound");

        public static bool IsCode(Exception exception, string code) =>
            exception is AmazonServiceException service && string.Equals(service.ErrorCode, code, StringComparison.Ordinal);

        public static bool IsPreconditionFailed(Exception exception) =>
            exception is AmazonServiceException service
            && (service.StatusCode == HttpStatusCode.PreconditionFailed || service.ErrorCode == "PreconditionFailed");

        private static CommandError DescribeService(Exception exception, string? code, HttpStatusCode status, string? bucketRegion, string operation, string target, string where, string region, bool trailingChecksums)
        {
            string bucket = BucketOf(target);
            switch (code)
            {
                case "NoSuchBucket":
                    return new CommandError("S3BucketNotFound", FailureCategory.ObjectNotFound, target, $"{operation} {target}: the bucket '{bucket}' does not exist{where}. Check the bucket name{(bucket.Any(c => char.IsUpper(c) || c == '_') ? " (S3 bucket names are lower case, with no underscores)" : string.Empty)} and -EndpointUrl (--endpoint-url).", exception);
                case "NoSuchKey":
                    return new CommandError("S3ObjectNotFound", FailureCategory.ObjectNotFound, target, $"{operation} {target}: there is no such object.", exception);
                case "NoSuchUpload":
                    return new CommandError("S3UploadNotFound", FailureCategory.ObjectNotFound, target, $"{operation} {target}: the multipart upload no longer exists (it was completed or aborted elsewhere, or expired).", exception);
                case "AccessDenied":
                case "AllAccessDisabled":
                case "AccountProblem":
                    return new CommandError("S3AccessDenied", FailureCategory.PermissionDenied, target, $"{operation} {target}: access denied{where}. The credentials are valid but lack permission for this bucket or key; check the bucket policy and IAM permissions.", exception);
                case "SignatureDoesNotMatch":
                    return new CommandError("S3SignatureMismatch", FailureCategory.AuthenticationError, target, $"{operation} {target}: the store rejected the request signature{where}: the secret access key does not belong to the access key id (or the clock or region is wrong). Check the secret key of the credentials in use.", exception);
                case "InvalidAccessKeyId":
                    return new CommandError("S3InvalidAccessKey", FailureCategory.AuthenticationError, target, $"{operation} {target}: the store does not know the access key id in use{where}. Check the credentials (environment, profile) and the endpoint.", exception);
                case "ExpiredToken":
                case "TokenRefreshRequired":
                case "InvalidToken":
                    return new CommandError("S3CredentialsExpired", FailureCategory.AuthenticationError, target, $"{operation} {target}: the session token has expired or is invalid. Refresh the credentials (aws sso login, a new role session) and run again.", exception);
                case "RequestTimeTooSkewed":
                    return new CommandError("S3ClockSkew", FailureCategory.AuthenticationError, target, $"{operation} {target}: this computer's clock differs too much from the store's. Synchronise the clock and run again.", exception);
                case "PermanentRedirect":
                case "AuthorizationHeaderMalformed":
                case "IncorrectEndpoint":
                case "IllegalLocationConstraintException":
                    return WrongRegion(exception, bucketRegion, operation, target, bucket, region, where);
                case "XAmzContentSHA256Mismatch" when trailingChecksums:
                case "NotImplemented" when trailingChecksums:
                case "InvalidArgument" when trailingChecksums:
                    return ChecksumModeRejected(exception, operation, target, where);
                case "XAmzContentSHA256Mismatch":
                case "BadDigest":
                case "InvalidDigest":
                    return new CommandError("S3ChecksumMismatch", FailureCategory.InvalidData, target, $"{operation} {target}: the store computed a different checksum for the bytes it received than the one sent with them; the data was damaged on the way. Run again.", exception);
                case "EntityTooSmall":
                case "EntityTooLarge":
                case "InvalidPart":
                case "InvalidPartOrder":
                    return new CommandError("S3InvalidPart", FailureCategory.InvalidArgument, target, $"{operation} {target}: the store refused the part layout ({code}). Choose a -PartSize (--part-size) between 5 MiB and 5 GiB.", exception);
                case "InvalidBucketName":
                    return new CommandError("S3InvalidBucketName", FailureCategory.InvalidArgument, target, $"{operation} {target}: '{bucket}' is not a valid bucket name.", exception);
                case "PreconditionFailed":
                    return new CommandError("S3ObjectChanged", FailureCategory.InvalidData, target, $"{operation} {target}: the object changed while it was being read (its ETag no longer matches). Run again to copy the new version.", exception);
                case "SlowDown":
                case "ServiceUnavailable":
                case "InternalError":
                    return new CommandError("S3ServiceUnavailable", FailureCategory.ResourceUnavailable, target, $"{operation} {target}: the store is busy or failing ({code}) and retries did not help. Try again later or with a lower -ThrottleLimit (--throttle-limit).", exception);
            }

            switch (status)
            {
                case HttpStatusCode.Forbidden:
                    return new CommandError("S3AccessDenied", FailureCategory.PermissionDenied, target, $"{operation} {target}: access denied (403){where}. Check the credentials and the bucket's permissions.", exception);
                case HttpStatusCode.NotFound:
                    return new CommandError("S3ObjectNotFound", FailureCategory.ObjectNotFound, target, $"{operation} {target}: not found (404){where}.", exception);
                case HttpStatusCode.MovedPermanently:
                case HttpStatusCode.TemporaryRedirect:
                    return WrongRegion(exception, bucketRegion, operation, target, bucket, region, where);
                case HttpStatusCode.PreconditionFailed:
                    return new CommandError("S3ObjectChanged", FailureCategory.InvalidData, target, $"{operation} {target}: the object changed while it was being read (its ETag no longer matches). Run again to copy the new version.", exception);
            }

            string detail = string.IsNullOrEmpty(code) ? $"HTTP {(int)status}" : $"{code} (HTTP {(int)status})";
            return new CommandError("S3RequestFailed", (int)status >= 500 ? FailureCategory.ResourceUnavailable : FailureCategory.ProtocolError, target, $"{operation} {target}: the store answered {detail}{where}.", exception);
        }

        /// <summary>The error for the SDK's trailing-checksum uploads refused by a store that does not implement them.</summary>
        public static CommandError ChecksumModeRejected(Exception? exception, string operation, string target, string where) => new CommandError(
            "S3ChecksumModeRejected",
            FailureCategory.ProtocolError,
            target,
            $"{operation} {target}: the store{where} rejected the upload's trailing checksums (-ChecksumMode WhenSupported (--checksum-mode when-supported), the AWS SDK's default, which Ceph RGW, Cloudflare R2 and MinIO do not accept). Use -ChecksumMode Auto (CLI: --checksum-mode auto), which sends checksums as ordinary headers.",
            exception);

        private static CommandError WrongRegion(Exception exception, string? bucketRegion, string operation, string target, string bucket, string region, string where)
        {
            if (string.Equals(bucketRegion, region, StringComparison.OrdinalIgnoreCase))
            {
                // Signed for the bucket's own region, but sent to an endpoint of another (an -EndpointUrl or
                // AWS_ENDPOINT_URL naming another region's S3): passing -Region again would change nothing.
                return new CommandError("S3WrongRegion", FailureCategory.InvalidArgument, target, $"{operation} {target}: the bucket '{bucket}' is in {region}, the region the request was signed for, but the endpoint{where} serves another region. Use the bucket's regional endpoint (https://s3.{region}.amazonaws.com) with -EndpointUrl (--endpoint-url), or leave the endpoint out for Amazon S3.", exception);
            }

            string fix = string.IsNullOrEmpty(bucketRegion)
                ? "Pass the bucket's region with -Region (--region)."
                : $"The bucket is in {bucketRegion}: pass -Region {bucketRegion} (--region {bucketRegion}).";
            return new CommandError("S3WrongRegion", FailureCategory.InvalidArgument, target, $"{operation} {target}: the bucket '{bucket}' is not in the region {region} the request was signed for. {fix}", exception);
        }

        /// <summary>What a region name looks like (eu-west-3, us-gov-west-1): nothing else of the store's text is taken.</summary>
        private const string RegionShape = "[a-z]{2}(?:-[a-z0-9]+){1,4}";

        /// <summary>
        /// The bucket's region from the x-amz-bucket-region header, which Amazon S3 sends with a PermanentRedirect
        /// (whose document names only an endpoint) and with a HEAD's refusal (which has no document at all).
        /// </summary>
        private static string? RegionHeader(Exception exception)
        {
            for (Exception? e = exception; e != null; e = e.InnerException)
            {
                if (e is Amazon.Runtime.Internal.HttpErrorResponseException http && http.Response != null)
                {
                    string? value = http.Response.GetHeaderValue("x-amz-bucket-region");
                    return !string.IsNullOrEmpty(value) && System.Text.RegularExpressions.Regex.IsMatch(value, "^" + RegionShape + "$") ? value : null;
                }
            }

            return null;
        }

        /// <summary>
        /// The bucket's region where the store names it: AuthorizationHeaderMalformed says "expecting 'eu-west-1'",
        /// some bodies carry &lt;Region&gt;. Only a region-shaped word is taken from the store's text.
        /// </summary>
        private static string? RegionIn(string? body)
        {
            if (string.IsNullOrEmpty(body))
            {
                return null;
            }

            var match = System.Text.RegularExpressions.Regex.Match(body, "(?:<Region>|expecting ')(" + RegionShape + ")(?:</Region>|')");
            return match.Success ? match.Groups[1].Value : null;
        }

        private static string BucketOf(string target)
        {
            if (!target.StartsWith("s3://", StringComparison.Ordinal))
            {
                return target;
            }

            string rest = target.Substring(5);
            int slash = rest.IndexOf('/');
            return slash < 0 ? rest : rest.Substring(0, slash);
        }

        internal static bool IsConnectionFailure(Exception exception)
        {
            for (Exception? e = exception; e != null; e = e.InnerException)
            {
                // Only the network's own failures: an IOException subclass (a changed source, a failed
                // verification, an existing destination, a missing file) is a verdict, not a hiccup.
                if (e is HttpRequestException || e is SocketException || e is WebException || e.GetType() == typeof(System.IO.IOException) || e is TimeoutException)
                {
                    return true;
                }
#if NET8_0_OR_GREATER

                // A body cut short (the connection closed before Content-Length bytes came): the range is read again
                // from where it stopped. Found by the fault matrix: it used to fail the transfer on the first short read.
                if (e is HttpIOException)
                {
                    return true;
                }
#endif
            }

            return false;
        }

        /// <summary>A certificate the client would not accept (or another TLS handshake failure): never a hiccup.</summary>

        private static Exception Innermost(Exception exception)
        {
            Exception e = exception;
            while (e.InnerException != null)
            {
                e = e.InnerException;
            }

            return e;
        }
    }
}
