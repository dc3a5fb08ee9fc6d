using System.Threading;
using Amazon;
using Amazon.Runtime;
using Amazon.RuntimeDependencies;
using Amazon.SSO;
using Amazon.SSOOIDC;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// What the SDK resolved from a profile or the default chain, made ready to sign with in every build and host:
    /// roles are assumed through our own STS client (S3RoleCredentials), SSO sign-ins fail with one clear error
    /// (S3SsoCredentials), and everything else is used as it is.
    /// </summary>
    internal static class S3ProfileCredentials
    {
        private static int _registered;

        /// <summary>
        /// Registers the SSO clients the SDK asks for while it reads an SSO profile, once per process. The SDK otherwise
        /// loads AWSSDK.SSO and AWSSDK.SSOOIDC by name at run time, which a native AOT build cannot. Both calls are
        /// unsigned (the cached token is their bearer), so one anonymous client per request does what the SDK would.
        /// </summary>
        public static void RegisterSdkClients()
        {
            if (Interlocked.Exchange(ref _registered, 1) == 1)
            {
                return;
            }

            GlobalRuntimeDependencyRegistry.Instance.RegisterSSOClient(new RuntimeDependencyFactory(context =>
            {
                var config = new AmazonSSOConfig { RegionEndpoint = context.SSOClientContextData?.Region ?? RegionEndpoint.USEast1 };
                if (context.SSOClientContextData?.ProxySettings != null)
                {
                    config.SetWebProxy(context.SSOClientContextData.ProxySettings);
                }

                return new AmazonSSOClient(new AnonymousAWSCredentials(), config);
            }));
            GlobalRuntimeDependencyRegistry.Instance.RegisterSSOOIDCClient(new RuntimeDependencyFactory(context =>
            {
                var config = new AmazonSSOOIDCConfig { RegionEndpoint = context.SSOOIDCClientContextData?.Region ?? RegionEndpoint.USEast1 };
                if (context.SSOOIDCClientContextData?.ProxySettings != null)
                {
                    config.SetWebProxy(context.SSOOIDCClientContextData.ProxySettings);
                }

                return new AmazonSSOOIDCClient(new AnonymousAWSCredentials(), config);
            }));
        }

        /// <summary>The credentials to sign with.</summary>
        /// <param name="credentials">What the SDK resolved for the profile or the default chain.</param>
        /// <param name="region">The region of the S3 connection; STS is asked in the same region.</param>
        /// <param name="profile">The profile's name, for error messages.</param>
        public static AWSCredentials Wrap(AWSCredentials credentials, string region, string profile)
        {
            switch (credentials)
            {
                case AssumeRoleAWSCredentials role:
                    return new S3RoleCredentials(role, Wrap(role.SourceCredentials, region, profile), RegionEndpoint.GetBySystemName(region), profile);
                case SSOAWSCredentials sso:
                    return new S3SsoCredentials(sso, profile);
                default:
                    return credentials;
            }
        }
    }
}
