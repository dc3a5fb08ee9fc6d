using System.Net;
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
                new AmazonSSOClient(new AnonymousAWSCredentials(), Configured(new AmazonSSOConfig(), context.SSOClientContextData?.Region, context.SSOClientContextData?.ProxySettings))));
            GlobalRuntimeDependencyRegistry.Instance.RegisterSSOOIDCClient(new RuntimeDependencyFactory(context =>
                new AmazonSSOOIDCClient(new AnonymousAWSCredentials(), Configured(new AmazonSSOOIDCConfig(), context.SSOOIDCClientContextData?.Region, context.SSOOIDCClientContextData?.ProxySettings))));
            GlobalRuntimeDependencyRegistry.Instance.RegisterSecurityTokenServiceClient(new RuntimeDependencyFactory(context =>
                new AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), Configured(new AmazonSecurityTokenServiceConfig(), context.SecurityTokenServiceClientContextData?.Region, context.SecurityTokenServiceClientContextData?.ProxySettings))));
        }

        /// <summary>A credential service's client configuration: the region asked for (else us-east-1, as the SDK defaults) and the proxy, if any.</summary>
        internal static T Configured<T>(T config, RegionEndpoint? region, IWebProxy? proxy)
            where T : ClientConfig
        {
            config.RegionEndpoint = region ?? RegionEndpoint.USEast1;
            if (proxy != null)
            {
                config.SetWebProxy(proxy);
            }

            return config;
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
                case ProcessAWSCredentials process:
                    return S3CheckedCredentials.Process(process, profile);
                default:
                    return credentials;
            }
        }
    }
}
