using System;
using System.Threading.Tasks;
using Amazon.Runtime;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// Credentials the SDK fetches from a service of its own, used as they are but with their failures turned into one
    /// clear error each: SSO sign-ins (sso_session or sso_start_url: the token `aws sso login` cached, traded at the
    /// SSO portal for a role's keys) and web identity (a token file and a role ARN, as EKS gives pods, traded at STS).
    /// Without this a failure surfaces as the SDK's wrapped exception in the middle of a transfer.
    /// </summary>
    internal sealed class S3CheckedCredentials : RefreshingAWSCredentials
    {
        private readonly AWSCredentials _inner;
        private readonly Func<string, Exception, CommandError> _describe;

        /// <param name="inner">The SDK's credentials, which renew themselves before they expire.</param>
        /// <param name="describe">The error for a failure, from what the service answered (or why it could not be asked) and the cause.</param>
        private S3CheckedCredentials(AWSCredentials inner, Func<string, Exception, CommandError> describe)
        {
            _inner = inner;
            _describe = describe;
        }

        /// <summary>An SSO profile's credentials. StreamFiles never starts a sign-in: a scheduled task has nobody to open the browser.</summary>
        public static AWSCredentials Sso(SSOAWSCredentials sso, string profile) => new S3CheckedCredentials(sso, (answer, cause) => new CommandError(
            "S3SsoFailed",
            FailureCategory.AuthenticationError,
            "s3://",
            $"Cannot get the keys of the AWS profile '{profile}' through SSO (IAM Identity Center): {answer}. Sign in with 'aws sso login --profile {profile}' (StreamFiles uses the token it caches, and never opens a sign-in itself), then try again.",
            cause));

        /// <summary>Web identity credentials: from AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, or a profile's web_identity_token_file.</summary>
        public static AWSCredentials WebIdentity(AssumeRoleWithWebIdentityCredentials webIdentity) => new S3CheckedCredentials(webIdentity, (answer, cause) => new CommandError(
            "S3WebIdentityFailed",
            FailureCategory.AuthenticationError,
            "s3://",
            $"Cannot assume the role {webIdentity.RoleArn} with the web identity token in {webIdentity.WebIdentityTokenFile}: {answer}. Check that the token file is current and that the role trusts its issuer (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, or web_identity_token_file and role_arn in the profile); for a store other than AWS, set AWS_ENDPOINT_URL_STS to its STS endpoint.",
            cause));

        /// <summary>A profile's credential_process (a program that prints the keys as JSON, as `aws configure export-credentials` does).</summary>
        public static AWSCredentials Process(ProcessAWSCredentials process, string profile) => new S3CheckedCredentials(process, (answer, cause) => new CommandError(
            "S3CredentialProcessFailed",
            FailureCategory.AuthenticationError,
            "s3://",
            $"Cannot get the keys of the AWS profile '{profile}' from its credential_process: {answer}. Run that command by hand to see why; it must exit with 0 and print JSON with Version 1, AccessKeyId and SecretAccessKey (as 'aws configure export-credentials --format process' does).",
            cause));

        protected override CredentialsRefreshState GenerateNewCredentials()
        {
            try
            {
                return Refreshed(_inner.GetCredentials());
            }
            catch (Exception exception) when (!(exception is CommandFailureException))
            {
                throw Failed(exception);
            }
        }

        protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
        {
            try
            {
                return Refreshed(await _inner.GetCredentialsAsync().ConfigureAwait(false));
            }
            catch (Exception exception) when (!(exception is CommandFailureException))
            {
                throw Failed(exception);
            }
        }

        /// <summary>Asked again when the keys the SDK gave expire (it renews them a little before that itself).</summary>
        private static CredentialsRefreshState Refreshed(ImmutableCredentials credentials)
        {
            DateTime expiration = credentials is SSOImmutableCredentials sso ? sso.Expiration
                : credentials is AssumeRoleImmutableCredentials role ? role.Expiration
                : DateTime.UtcNow.AddMinutes(15);
            return new CredentialsRefreshState(credentials, expiration);
        }

        /// <summary>What the failure of a credential service was, without the SDK's wrapper around it.</summary>
        internal static Exception Cause(Exception exception) =>
            exception is AmazonClientException && !(exception is AmazonServiceException) && exception.InnerException != null
                ? exception.InnerException
                : exception;

        /// <summary>
        /// A service's refusal for a message: its status and error code. Like S3Errors, never the service's own text,
        /// which is not ours to vouch for; tokens and keys never reach a message.
        /// </summary>
        internal static string Answered(AmazonServiceException service, string who) =>
            $"{who} answered {(int)service.StatusCode} {(string.IsNullOrEmpty(service.ErrorCode) ? "(no error code)" : service.ErrorCode)}";

        internal static Exception Innermost(Exception exception)
        {
            while (exception.InnerException != null)
            {
                exception = exception.InnerException;
            }

            return exception;
        }

        /// <summary>The service's status and error code, or the SDK's reason (no cached token).</summary>
        private CommandFailureException Failed(Exception exception)
        {
            Exception cause = Cause(exception);
            string answer = cause is AmazonServiceException service ? Answered(service, "the service") : Innermost(cause).Message.TrimEnd('.');
            return new CommandFailureException(_describe(answer, cause));
        }
    }
}
