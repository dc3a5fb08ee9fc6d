using System;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.SharedInterfaces;
using Amazon.SecurityToken;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// The credentials of a profile that assumes a role (role_arn with source_profile or credential_source), renewed
    /// through an STS client made here with the source credentials.
    /// <para>The SDK reads such a profile into AssumeRoleAWSCredentials, which finds its STS client by loading
    /// AWSSDK.SecurityToken by name at run time. A native AOT build cannot do that, and the SDK's registry for native
    /// builds hands out one STS client for every role, which signs with its own credentials rather than the profile's
    /// source. Making the client here works the same in every build and host, and a failure becomes one clear error
    /// instead of the SDK's wrapped exception.</para>
    /// <para>What the SDK read from the profile is kept as it is: the role ARN, the session name, the external id and the
    /// duration go to STS unchanged. A profile with an MFA serial is refused with its own error (S3MfaRequired): a
    /// transfer has no one to ask for the code.
    /// The STS endpoint is the SDK's: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or the profile's endpoint_url, else AWS's
    /// regional endpoint.</para>
    /// </summary>
    internal sealed class S3RoleCredentials : RefreshingAWSCredentials
    {
        private readonly AssumeRoleAWSCredentials _role;
        private readonly AWSCredentials _source;
        private readonly RegionEndpoint _region;
        private readonly string _profile;

        /// <param name="role">What the SDK read from the profile.</param>
        /// <param name="source">The credentials that call AssumeRole (the SDK's source, itself wrapped when it is a role or SSO).</param>
        /// <param name="region">The region of the S3 connection; STS is asked in the same region.</param>
        /// <param name="profile">The profile's name, for the error message.</param>
        public S3RoleCredentials(AssumeRoleAWSCredentials role, AWSCredentials source, RegionEndpoint region, string profile)
        {
            _role = role;
            _source = source;
            _region = region;
            _profile = profile;

            // As the SDK does: new keys well before the old ones expire, so no request is signed with expired keys.
            PreemptExpiryTime = TimeSpan.FromMinutes(15);
        }

        protected override CredentialsRefreshState GenerateNewCredentials()
        {
            RefuseMfa();
            using AmazonSecurityTokenServiceClient sts = NewClient();
            try
            {
                AssumeRoleImmutableCredentials assumed = ((ICoreAmazonSTS)sts).CredentialsFromAssumeRoleAuthentication(_role.RoleArn, _role.RoleSessionName, _role.Options);
                return new CredentialsRefreshState(assumed, assumed.Expiration);
            }
            catch (Exception exception) when (!(exception is CommandFailureException))
            {
                throw Failed(exception, sts);
            }
        }

        protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
        {
            RefuseMfa();
            using AmazonSecurityTokenServiceClient sts = NewClient();
            try
            {
                AssumeRoleImmutableCredentials assumed = await ((ICoreAmazonSTS)sts).CredentialsFromAssumeRoleAuthenticationAsync(_role.RoleArn, _role.RoleSessionName, _role.Options).ConfigureAwait(false);
                return new CredentialsRefreshState(assumed, assumed.Expiration);
            }
            catch (Exception exception) when (!(exception is CommandFailureException))
            {
                throw Failed(exception, sts);
            }
        }

        /// <summary>
        /// A profile with mfa_serial needs a code from the user's device for every AssumeRole, and there is no one to
        /// ask in a transfer's worker (nor, often, a terminal at all): the error says how to let the aws cli ask instead.
        /// </summary>
        private void RefuseMfa()
        {
            string? serial = _role.Options?.MfaSerialNumber;
            if (string.IsNullOrEmpty(serial) || _role.Options!.MfaTokenCodeCallback != null)
            {
                return;
            }

            throw new CommandFailureException(new CommandError(
                "S3MfaRequired",
                FailureCategory.AuthenticationError,
                "s3://",
                $"The AWS profile '{_profile}' assumes the role {_role.RoleArn} with an MFA code (mfa_serial {serial}), and StreamFiles does not ask for codes. "
                + $"Let the aws cli ask and pass on the role's keys, then run again without -ProfileName (--profile): in PowerShell, "
                + $"aws configure export-credentials --profile {_profile} --format powershell | Invoke-Expression; in a POSIX shell, "
                + $"eval \"$(aws configure export-credentials --profile {_profile} --format env)\"."));
        }

        private AmazonSecurityTokenServiceClient NewClient()
        {
            // The profile's own settings (endpoint_url, a services section) apply, not AWS_PROFILE's or default's.
            var config = new AmazonSecurityTokenServiceConfig { Profile = new Profile(_profile) };
            return new AmazonSecurityTokenServiceClient(_source, S3ProfileCredentials.Configured(config, _region, _role.Options?.ProxySettings));
        }

        /// <summary>
        /// One error for every way AssumeRole can fail, naming the role, the profile, the STS endpoint and its status and
        /// error code (or why it could not be reached).
        /// </summary>
        private CommandFailureException Failed(Exception exception, AmazonSecurityTokenServiceClient sts)
        {
            Exception cause = S3CheckedCredentials.Cause(exception);
            string at = sts.Config.ServiceURL != null ? "STS at " + sts.Config.ServiceURL : $"STS (AWS's endpoint for {_region.SystemName})";
            string answer = cause is AmazonServiceException service
                ? S3CheckedCredentials.Answered(service, at)
                : $"{at} could not be reached: {S3CheckedCredentials.Innermost(cause).Message}";
            return new CommandFailureException(new CommandError(
                "S3AssumeRoleFailed",
                FailureCategory.AuthenticationError,
                "s3://",
                $"Cannot assume the role {_role.RoleArn} of the AWS profile '{_profile}': {answer}. Check that the profile's source credentials may call sts:AssumeRole on that role (the role's trust policy) and that role_arn is right; for a store other than AWS, set AWS_ENDPOINT_URL_STS (or endpoint_url in the profile) to its STS endpoint.",
                cause));
        }
    }
}
