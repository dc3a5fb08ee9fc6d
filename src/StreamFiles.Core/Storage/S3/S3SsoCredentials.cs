using System;
using System.Threading.Tasks;
using Amazon.Runtime;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// The credentials of a profile that signs in through AWS IAM Identity Center (SSO: sso_session, or the older
    /// sso_start_url): the SDK's SSOAWSCredentials, which trade the token `aws sso login` cached for the role's keys,
    /// with their failures turned into one clear error. StreamFiles never starts a sign-in itself: a scheduled task
    /// has nobody to open the browser.
    /// </summary>
    internal sealed class S3SsoCredentials : RefreshingAWSCredentials
    {
        private readonly SSOAWSCredentials _sso;
        private readonly string _profile;

        public S3SsoCredentials(SSOAWSCredentials sso, string profile)
        {
            _sso = sso;
            _profile = profile;
        }

        protected override CredentialsRefreshState GenerateNewCredentials()
        {
            try
            {
                return Refreshed(_sso.GetCredentials());
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
                return Refreshed(await _sso.GetCredentialsAsync().ConfigureAwait(false));
            }
            catch (Exception exception) when (!(exception is CommandFailureException))
            {
                throw Failed(exception);
            }
        }

        /// <summary>The SDK's credentials renew themselves before they expire; these are asked again when they do.</summary>
        private static CredentialsRefreshState Refreshed(ImmutableCredentials credentials) =>
            new CredentialsRefreshState(credentials, credentials is SSOImmutableCredentials sso ? sso.Expiration : DateTime.UtcNow.AddMinutes(15));

        /// <summary>Names the portal's status and error code, or the SDK's reason (no cached token), never a token.</summary>
        private CommandFailureException Failed(Exception exception)
        {
            Exception cause = exception is AmazonClientException && !(exception is AmazonServiceException) && exception.InnerException != null
                ? exception.InnerException
                : exception;
            string answer = cause is AmazonServiceException service
                ? $"the SSO portal answered {(int)service.StatusCode} {(string.IsNullOrEmpty(service.ErrorCode) ? "(no error code)" : service.ErrorCode)}"
                : S3RoleCredentials.Innermost(cause).Message.TrimEnd('.');
            return new CommandFailureException(new CommandError(
                "S3SsoFailed",
                FailureCategory.AuthenticationError,
                "s3://",
                $"Cannot get the keys of the AWS profile '{_profile}' through SSO (IAM Identity Center): {answer}. Sign in with 'aws sso login --profile {_profile}' (StreamFiles uses the token it caches, and never opens a sign-in itself), then try again.",
                cause));
        }
    }
}
