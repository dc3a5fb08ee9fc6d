using System.Threading;
using Amazon;
using Amazon.Runtime;
using Amazon.RuntimeDependencies;
using Amazon.SecurityToken;
using Amazon.SSO;
using Amazon.SSOOIDC;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// What the SDK resolved from a profile or the default chain, made ready to sign with in every build and host:
    /// roles are assumed through our own STS client (S3RoleCredentials), SSO sign-ins and web identities fail with one
    /// clear error each (S3CheckedCredentials), and everything else is used as it is.
    /// </summary>
    internal static class S3ProfileCredentials
    {
        private static int _registered;

        /// <summary>
        /// Registers the service clients the SDK asks for while it fetches credentials, once per process: SSO and
        /// SSO-OIDC for SSO profiles, STS for web identity. The SDK otherwise loads AWSSDK.SSO, AWSSDK.SSOOIDC and
        /// AWSSDK.SecurityToken by name at run time, which a native AOT build cannot. These calls are all unsigned (a
        /// token is their proof), so an anonymous client per request does what the SDK would. AssumeRole, which must
        /// be signed by the profile's source, never reaches the registered STS client: S3RoleCredentials makes its own.
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
            GlobalRuntimeDependencyRegistry.Instance.RegisterSecurityTokenServiceClient(new RuntimeDependencyFactory(context =>
            {
                var config = new AmazonSecurityTokenServiceConfig { RegionEndpoint = context.SecurityTokenServiceClientContextData?.Region ?? RegionEndpoint.USEast1 };
                if (context.SecurityTokenServiceClientContextData?.ProxySettings != null)
                {
                    config.SetWebProxy(context.SecurityTokenServiceClientContextData.ProxySettings);
                }

                return new AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), config);
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
                    return S3CheckedCredentials.Sso(sso, profile);
                case AssumeRoleWithWebIdentityCredentials webIdentity:
                    return S3CheckedCredentials.WebIdentity(webIdentity);
                default:
                    return credentials;
            }
        }
    }
}
