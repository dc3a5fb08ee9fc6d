using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net.Http;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// One AmazonS3Client per endpoint, region, addressing, checksum mode and identity, shared by every transfer
    /// of the process: the client owns the HTTP connection pool, so sharing it is what keeps connections warm.
    /// Credentials are resolved once, when the client is made, and a failure to find any is a clear error.
    /// <para>A client is also keyed by the AWS_* variables it was made from (credentials, profile, region, endpoint,
    /// config files): a PowerShell session lives on while the user changes them, and the next command must see the
    /// change (credentials removed, a wrong secret, another endpoint) instead of reusing a client made before it.</para>
    /// </summary>
    public sealed class S3ClientPool : IDisposable
    {
        /// <summary>The variables a client is made from; the secret ones are kept in the pool's keys only as hashes.</summary>
        private static readonly string[] EnvironmentVariables =
        {
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
        };

        private readonly ConcurrentDictionary<ClientKey, Lazy<S3Client>> _clients = new ConcurrentDictionary<ClientKey, Lazy<S3Client>>();
        private readonly Func<string, string?> _environment;
        private readonly int _maxConnections;
        private readonly int _maxErrorRetry;
        private readonly TimeSpan _requestTimeout;
        private readonly TimeSpan _stallTimeout;
        private readonly TimeSpan _answerTimeout;

        /// <param name="maxConnectionsPerServer">The HTTP connections each client may keep open.</param>
        /// <param name="environment">Where AWS_* variables are read (tests pass their own).</param>
        /// <param name="maxErrorRetry">The SDK's own retries of a failed request; 0 for callers that must answer at once (tab completion).</param>
        /// <param name="requestTimeout">How long one request may take; default five minutes, for parts on slow links.</param>
        /// <param name="stallTimeout">
        /// How long a download's body may bring no data before its connection is dropped and the range is read again;
        /// default 60 s. The request timeout ends when the response head arrives, so without this a store that goes
        /// silent mid-body would hold a transfer forever.
        /// </param>
        /// <param name="answerTimeout">
        /// How long a request with a small answer (a HEAD, a listing) may wait for it, the SDK's retries included;
        /// default 60 s. An endpoint that takes connections and never answers held a run for the request timeout, times
        /// the SDK's tries, times the store retries: over ten minutes before a word (a probe).
        /// </param>
        public S3ClientPool(int maxConnectionsPerServer = 64, Func<string, string?>? environment = null, int maxErrorRetry = 2, TimeSpan? requestTimeout = null, TimeSpan? stallTimeout = null, TimeSpan? answerTimeout = null)
        {
            if (maxConnectionsPerServer < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxConnectionsPerServer), maxConnectionsPerServer, "At least one connection is needed.");
            }

            if (maxErrorRetry < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxErrorRetry), maxErrorRetry, "The number of retries cannot be negative.");
            }

            if (requestTimeout is TimeSpan timeout && timeout <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(requestTimeout), requestTimeout, "The request timeout must be positive.");
            }

            if (stallTimeout is TimeSpan stall && stall <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(stallTimeout), stallTimeout, "The stall timeout must be positive.");
            }

            if (answerTimeout is TimeSpan answer && answer <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(answerTimeout), answerTimeout, "The answer timeout must be positive.");
            }

            _stallTimeout = stallTimeout ?? TimeSpan.FromSeconds(60);
            _answerTimeout = answerTimeout ?? TimeSpan.FromSeconds(60);
            _maxConnections = maxConnectionsPerServer;
            _environment = environment ?? Environment.GetEnvironmentVariable;
            _maxErrorRetry = maxErrorRetry;
            _requestTimeout = requestTimeout ?? TimeSpan.FromMinutes(5);
        }

        /// <summary>
        /// Tests only: one more certificate to accept besides those the system trusts (the self-signed certificate of
        /// a test's TLS endpoint). Null everywhere else; no user-facing option reaches it, and certificate validation
        /// is never switched off: a wrong host name or any other certificate still fails.
        /// </summary>
        internal X509Certificate2? ExtraTrustedCertificate { get; set; }

        /// <summary>The process-wide pool the hosts use.</summary>
        public static S3ClientPool Shared { get; } = new S3ClientPool();

        /// <summary>The client for a connection, made on first use. Throws CommandFailureException (S3CredentialsNotFound, S3ProfileNotFound).</summary>
        public S3Client Get(S3Connection connection)
        {
            if (connection is null)
            {
                throw new ArgumentNullException(nameof(connection));
            }

            FollowSharedFileVariables();
            var key = new ClientKey(connection, EnvironmentFingerprint());
            Lazy<S3Client> lazy = _clients.GetOrAdd(key, k => new Lazy<S3Client>(() => Create(k.Connection)));
            try
            {
                return lazy.Value;
            }
            catch
            {
                // A failure (no credentials yet) must not stick: the user may fix the environment and retry.
                _clients.TryRemove(key, out _);
                throw;
            }
        }

        public void Dispose()
        {
            foreach (Lazy<S3Client> lazy in _clients.Values)
            {
                if (lazy.IsValueCreated)
                {
                    lazy.Value.Client.Dispose();
                }
            }

            _clients.Clear();
        }

        /// <summary>Where the endpoint in effect came from, for messages.</summary>
        private string EndpointSource(S3Connection connection) =>
            connection.EndpointUrl != null ? "-EndpointUrl (--endpoint-url)"
            : NonEmpty(_environment("AWS_ENDPOINT_URL_S3")) != null ? "AWS_ENDPOINT_URL_S3"
            : NonEmpty(_environment("AWS_ENDPOINT_URL")) != null ? "AWS_ENDPOINT_URL"
            : $"endpoint_url of the AWS profile '{ProfileNameOf(connection.ProfileName)}'";

        private S3Client Create(S3Connection connection)
        {
            CredentialProfile? profile = FindProfile(connection.ProfileName);
            string? endpoint = connection.EffectiveEndpointUrl(_environment) ?? profile?.EndpointUrl;
            if (endpoint != null && !S3Connection.IsHttpUri(endpoint))
            {
                // -EndpointUrl is checked as it is given; the others are only seen here.
                string from = EndpointSource(connection);
                string shown = UriRedaction.RedactText(endpoint);
                throw new CommandFailureException(new CommandError(
                    "InvalidEndpointUrl",
                    FailureCategory.InvalidArgument,
                    shown,
                    $"The S3 endpoint '{shown}' (from {from}) is not an absolute http:// or https:// URL. Correct {from}{(endpoint.IndexOf("://", StringComparison.Ordinal) < 0 && endpoint.IndexOf('@') < 0 ? $" (for example 'https://{endpoint}', or 'http://{endpoint}' for a store without TLS)" : string.Empty)}, or pass -EndpointUrl (--endpoint-url)."));
            }

            if (endpoint != null && S3Connection.EndpointProblem(endpoint, EndpointSource(connection)) is string problem)
            {
                throw new CommandFailureException(new CommandError("InvalidEndpointUrl", FailureCategory.InvalidArgument, UriRedaction.RedactText(endpoint), problem));
            }

            // The order of the aws cli and the SDKs: the environment's region wins over the profile's, as their other
            // settings from the environment win over the config file.
            string region = connection.Region
                ?? NonEmpty(_environment("AWS_REGION"))
                ?? NonEmpty(_environment("AWS_DEFAULT_REGION"))
                ?? profile?.Region?.SystemName
                ?? "us-east-1";
            if (S3Connection.RegionProblem(region) != null)
            {
                string from = connection.Region != null ? "-Region (--region)"
                    : NonEmpty(_environment("AWS_REGION")) != null ? "AWS_REGION"
                    : NonEmpty(_environment("AWS_DEFAULT_REGION")) != null ? "AWS_DEFAULT_REGION"
                    : $"region of the AWS profile '{ProfileNameOf(connection.ProfileName)}'";
                throw new CommandFailureException(new CommandError("InvalidRegion", FailureCategory.InvalidArgument, region, S3Connection.RegionProblem(region, from)! + " Correct " + from + "."));
            }
            S3ProfileCredentials.RegisterSdkClients();
            AWSCredentials credentials = connection.Credentials
                ?? S3ProfileCredentials.Wrap(ResolveCredentials(connection.ProfileName, _environment), region, ProfileNameOf(connection.ProfileName));
            bool compatible = connection.ChecksumMode != S3ChecksumMode.WhenSupported;
            var config = new AmazonS3Config
            {
                ForcePathStyle = connection.EffectivePathStyle(endpoint),
                RequestChecksumCalculation = compatible ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED,
                ResponseChecksumValidation = compatible ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED,
                MaxConnectionsPerServer = _maxConnections,

                // Parts are retried by the transfer engine with its own backoff; the SDK retries the rest a little.
                MaxErrorRetry = _maxErrorRetry,
                Timeout = _requestTimeout,

                // The SDK copies bodies through buffers of this size: 8 KiB costs a system call per 8 KiB, and 85,000
                // bytes or more would land every per-request buffer on the large object heap.
                BufferSize = 64 * 1024,

                // We chose the endpoint above from the same variables; do not let the SDK pick another.
                IgnoreConfiguredEndpointUrls = true,
            };
            if (ExtraTrustedCertificate is X509Certificate2 extra)
            {
                config.HttpClientFactory = new ExtraTrustHttpClientFactory(extra, _maxConnections);
            }

            if (endpoint != null)
            {
                config.ServiceURL = endpoint;
                config.AuthenticationRegion = region;
            }
            else
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            }

            return new S3Client(new AmazonS3Client(credentials, config), connection, endpoint, region, _stallTimeout, _answerTimeout);
        }

        private static readonly object SharedFilesLock = new object();

        /// <summary>
        /// Points the SDK's shared files at what AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE say now. The SDK reads
        /// the two variables once per process (SharedCredentialsFile's static constructor), and every profile lookup,
        /// its own default chain's included, uses what it read then. A PowerShell session that sets
        /// $env:AWS_CONFIG_FILE after its first S3 command would otherwise go on reading the old files: -ProfileName
        /// found no profile it had just written. The same rule as the SDK's: a variable naming a file that exists,
        /// else ~/.aws/credentials and ~/.aws/config. Should the SDK ever lose the setters, profiles are read as before.
        /// </summary>
        internal static void FollowSharedFileVariables()
        {
            lock (SharedFilesLock)
            {
                Follow(nameof(SharedCredentialsFile.DefaultFilePath), SharedCredentialsFile.SharedCredentialsFileEnvVar, "credentials");
                Follow(nameof(SharedCredentialsFile.DefaultConfigFilePath), SharedCredentialsFile.SharedConfigFileEnvVar, "config");
            }

            static void Follow(string property, string variable, string fileName)
            {
                string? named = NonEmpty(Environment.GetEnvironmentVariable(variable));
                string path = named != null && File.Exists(named) ? named : Path.Combine(HomeDirectory(), ".aws", fileName);
                PropertyInfo? info = typeof(SharedCredentialsFile).GetProperty(property, BindingFlags.Public | BindingFlags.Static);
                if (info?.GetValue(null) is string current && !string.Equals(current, path, StringComparison.Ordinal))
                {
                    info.GetSetMethod(nonPublic: true)?.Invoke(null, new object[] { path });
                }
            }

            static string HomeDirectory() =>
                NonEmpty(Environment.GetEnvironmentVariable("HOME")) ?? NonEmpty(Environment.GetEnvironmentVariable("USERPROFILE")) ?? Directory.GetCurrentDirectory();
        }

        /// <summary>The profile the chain reads: the one named, else AWS_PROFILE, else "default".</summary>
        private string ProfileNameOf(string? profileName) => profileName ?? NonEmpty(_environment("AWS_PROFILE")) ?? "default";

        private CredentialProfile? FindProfile(string? profileName)
        {
            string name = ProfileNameOf(profileName);
            var chain = new CredentialProfileStoreChain();
            CredentialProfile found;
            bool there;
            try
            {
                there = chain.TryGetProfile(name, out found);
            }
            catch (Exception e) when ((e is ArgumentException || e is AmazonClientException) && e.Message.IndexOf(" region ", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                // The SDK reads the profile's region as it loads the profile, and a malformed one ("eu_west!") throws
                // there: that is InvalidRegion, named as for the same mistake in AWS_REGION, not UnexpectedError.
                System.Text.RegularExpressions.Match quoted = System.Text.RegularExpressions.Regex.Match(e.Message, "'([^']*)'");
                string value = quoted.Success ? quoted.Groups[1].Value : "(unreadable)";
                string from = $"region of the AWS profile '{name}'";
                throw new CommandFailureException(new CommandError("InvalidRegion", FailureCategory.InvalidArgument, value,
                    (S3Connection.RegionProblem(value, from) ?? $"'{value}' (from {from}) is not a region name.") + " Correct " + from + "."));
            }

            if (there)
            {
                return found;
            }

            if (profileName != null)
            {
                throw new CommandFailureException(new CommandError(
                    "S3ProfileNotFound",
                    FailureCategory.ObjectNotFound,
                    profileName,
                    $"The AWS profile '{profileName}' is not in the shared config or credentials file (~/.aws/config, ~/.aws/credentials, or AWS_CONFIG_FILE/AWS_SHARED_CREDENTIALS_FILE). Check the name, or leave -ProfileName (--profile) out to use the default credential chain."));
            }

            // AWS_PROFILE naming a profile that is not there is the mistake to report, not "no credentials" (the aws CLI
            // refuses it too), unless keys in the environment, which come first in the chain, make it irrelevant.
            string? variable = NonEmpty(_environment("AWS_PROFILE"));
            if (variable != null && (NonEmpty(_environment("AWS_ACCESS_KEY_ID")) is null || NonEmpty(_environment("AWS_SECRET_ACCESS_KEY")) is null))
            {
                throw new CommandFailureException(new CommandError(
                    "S3ProfileNotFound",
                    FailureCategory.ObjectNotFound,
                    variable,
                    $"The AWS profile '{variable}' (from AWS_PROFILE) is not in the shared config or credentials file (~/.aws/config, ~/.aws/credentials, or AWS_CONFIG_FILE/AWS_SHARED_CREDENTIALS_FILE). Correct AWS_PROFILE, or remove it to use the default credential chain."));
            }

            return null;
        }

        private static AWSCredentials ResolveCredentials(string? profileName, Func<string, string?> environment)
        {
            if (profileName != null)
            {
                var chain = new CredentialProfileStoreChain();
                if (chain.TryGetAWSCredentials(profileName, out AWSCredentials credentials))
                {
                    return credentials;
                }

                throw NoCredentials($"the AWS profile '{profileName}' holds no usable credentials");
            }

            // The chain's first source, read from the same environment as the pool's key, so the client keeps what
            // the key describes.
            string? accessKey = NonEmpty(environment("AWS_ACCESS_KEY_ID"));
            string? secretKey = NonEmpty(environment("AWS_SECRET_ACCESS_KEY"));
            if (accessKey != null && secretKey != null)
            {
                string? token = NonEmpty(environment("AWS_SESSION_TOKEN"));
                return token is null ? new BasicAWSCredentials(accessKey, secretKey) : (AWSCredentials)new SessionAWSCredentials(accessKey, secretKey, token);
            }

            try
            {
                return DefaultAWSCredentialsIdentityResolver.GetCredentials();
            }
            catch (AmazonClientException)
            {
                // The SDK's message lists every provider it tried; ours says what to do, and which half of a key pair the
                // environment lacks (a probe: AWS_ACCESS_KEY_ID alone was "no AWS credentials were found").
                string? half = accessKey != null ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                    : secretKey != null ? "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"
                    : null;
                throw NoCredentials(half != null
                    ? half + ", and no other AWS credentials were found in the shared credentials and config files or an instance or container role"
                    : "no AWS credentials were found in the environment, the shared credentials and config files, or an instance or container role");
            }
        }

        private static CommandFailureException NoCredentials(string problem) => new CommandFailureException(new CommandError(
            "S3CredentialsNotFound",
            FailureCategory.AuthenticationError,
            "s3://",
            $"Cannot sign S3 requests: {problem}. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, configure a profile with 'aws configure' and pass it with -ProfileName (--profile), or run where an instance or container role is available."));

        private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

        /// <summary>The AWS_* variables a client would be made from now, with secrets hashed: part of the pool's key.</summary>
        private string EnvironmentFingerprint()
        {
            var text = new StringBuilder();
            using (SHA256 sha = SHA256.Create())
            {
                foreach (string name in EnvironmentVariables)
                {
                    string? value = _environment(name);
                    string shown = value is null ? "-" : Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(value)));
                    text.Append(name).Append('=').Append(shown).Append('\n');
                }
            }

            // The shared files as they are now: a secret corrected in ~/.aws/credentials (or a profile added to
            // ~/.aws/config) between two commands of one session must reach the next client, as a variable would.
            AppendFileState(text, NonEmpty(_environment("AWS_CONFIG_FILE")) ?? SharedCredentialsFile.DefaultConfigFilePath);
            AppendFileState(text, NonEmpty(_environment("AWS_SHARED_CREDENTIALS_FILE")) ?? SharedCredentialsFile.DefaultFilePath);
            return text.ToString();
        }

        /// <summary>A file's length and last write time, or "-" when it is missing or unreadable.</summary>
        private static void AppendFileState(StringBuilder text, string path)
        {
            text.Append(path).Append('=');
            try
            {
                var file = new FileInfo(path);
                if (file.Exists)
                {
                    text.Append(file.Length).Append('@').Append(file.LastWriteTimeUtc.Ticks).Append('\n');
                    return;
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                // Not readable as a path: the SDK will not read it either.
            }

            text.Append("-\n");
        }

        /// <summary>What a pooled client was made for: the connection and the environment it was made in.</summary>
        private readonly struct ClientKey : IEquatable<ClientKey>
        {
            public ClientKey(S3Connection connection, string environment)
            {
                Connection = connection;
                Environment = environment;
            }

            public S3Connection Connection { get; }

            public string Environment { get; }

            public bool Equals(ClientKey other) => Connection.Equals(other.Connection) && string.Equals(Environment, other.Environment, StringComparison.Ordinal);

            public override bool Equals(object? obj) => obj is ClientKey other && Equals(other);

            public override int GetHashCode() => unchecked((Connection.GetHashCode() * 31) + StringComparer.Ordinal.GetHashCode(Environment));
        }

        /// <summary>
        /// The SDK's HTTP client for ExtraTrustedCertificate: the system's validation plus that one certificate. One
        /// client per factory, never put in the SDK's process-wide cache, so no other S3 client can pick it up.
        /// </summary>
        private sealed class ExtraTrustHttpClientFactory : HttpClientFactory
        {
            private readonly X509Certificate2 _extra;
            private readonly int _maxConnections;
            private readonly object _gate = new object();
            private HttpClient? _client;

            public ExtraTrustHttpClientFactory(X509Certificate2 extra, int maxConnections)
            {
                _extra = extra;
                _maxConnections = maxConnections;
            }

            public override HttpClient CreateHttpClient(IClientConfig clientConfig)
            {
                lock (_gate)
                {
                    if (_client is null)
                    {
                        var handler = new HttpClientHandler
                        {
                            AllowAutoRedirect = false,
                            UseCookies = false,
                            MaxConnectionsPerServer = _maxConnections,
                            ServerCertificateCustomValidationCallback = (message, certificate, chain, errors) => Http.HttpTransport.Trusted(_extra, certificate, errors),
                        };
                        _client = new HttpClient(handler) { Timeout = clientConfig.Timeout ?? TimeSpan.FromMinutes(5) };
                    }

                    return _client;
                }
            }

            public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

            public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
        }
    }

    /// <summary>A pooled client and what it was made for (messages name the endpoint and region, never credentials).</summary>
    public sealed class S3Client
    {
        internal S3Client(IAmazonS3 client, S3Connection connection, string? endpoint, string region, TimeSpan stallTimeout, TimeSpan answerTimeout)
        {
            StallTimeout = stallTimeout;
            AnswerTimeout = answerTimeout;
            Client = client;
            Connection = connection;
            Endpoint = endpoint;
            Region = region;
        }

        public IAmazonS3 Client { get; }

        public S3Connection Connection { get; }

        /// <summary>The S3-compatible endpoint in use; null for Amazon S3.</summary>
        public string? Endpoint { get; }

        public string Region { get; }

        /// <summary>How long a download's body may bring no data before the range is given up and read again.</summary>
        public TimeSpan StallTimeout { get; }

        /// <summary>How long one try of a request with a small answer (S3StoreRetry) may wait for it.</summary>
        public TimeSpan AnswerTimeout { get; }

        /// <summary>
        /// The store answered a PutObject with If-None-Match: * as NotImplemented: its uploads look for an existing
        /// object with a HEAD instead, for as long as this client is pooled.
        /// </summary>
        internal bool ConditionalPutUnsupported { get; set; }
    }
}
