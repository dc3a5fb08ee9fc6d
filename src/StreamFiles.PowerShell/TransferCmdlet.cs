using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Storage.Http;
using StreamFiles.Core.Transfers;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// What Send-StreamFile and Receive-StreamFile share: the destination and the transfer options, and the
    /// plumbing into one TransferOperation per pipeline. Sources differ and live in the sealed cmdlets.
    /// </summary>
    public abstract class TransferCmdlet : StreamFilesCmdlet
    {
        // Schemes whose "scheme:" without "//" is a mistyped location rather than a drive (unless a drive has the name).
        private static readonly HashSet<string> UriSchemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "s3", "http", "https" };

        private TransferOperation? _operation;
        private CmdletSink? _sink;

        /// <summary>
        /// A directory (existing, or ending in a separator) or, for a single source, the file name. Each cmdlet
        /// declares the parameter itself, so that only where an s3:// destination makes sense (Send) does it
        /// complete s3:// locations.
        /// </summary>
        public abstract string? Destination { get; set; }

        [Parameter]
        public SwitchParameter Recurse { get; set; }

        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = TransferOptions.DefaultThrottleLimit;

        [Parameter]
        [ValidateRange(1, 64)]
        public int Concurrency { get; set; } = TransferOptions.DefaultConcurrency;

        [Parameter]
        [ValidateRange(TransferOptions.MinPartSize, TransferOptions.MaxPartSize)]
        public long PartSize { get; set; } = TransferPlan.DefaultPartSize;

        [Parameter]
        [ValidateRange(TransferOptions.MinMaxMemory, TransferOptions.MaxMaxMemory)]
        public long MaxMemory { get; set; } = TransferOptions.DefaultMaxMemory;

        [Parameter]
        [ValidateSet("CRC32C", "CRC32", "CRC64NVME", "SHA256", "SHA1", "SHA384", "SHA512", "MD5", "S3ETag", IgnoreCase = true)]
        public string Checksum { get; set; } = "CRC32C";

        [Parameter]
        public SwitchParameter Resume { get; set; }

        [Parameter]
        public SwitchParameter SkipUnchanged { get; set; }

        [Parameter]
        [ValidateSet(nameof(TransferCompare.SizeAndHash), nameof(TransferCompare.SizeAndTime), IgnoreCase = true)]
        public string Compare { get; set; } = nameof(TransferCompare.SizeAndHash);

        [Parameter]
        public SwitchParameter Verify { get; set; }

        /// <summary>Permits overwriting existing files; it never silences -Confirm.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>A profile of the shared AWS config and credentials files; default: the standard credential chain.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ProfileName { get; set; }

        /// <summary>The region S3 requests are signed for; default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Region { get; set; }

        /// <summary>An S3-compatible endpoint (MinIO, R2, Ceph RGW); default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, Amazon S3.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EndpointUrl { get; set; }

        /// <summary>Bucket in the path rather than the host name (always so for IP addresses and localhost).</summary>
        [Parameter]
        public SwitchParameter ForcePathStyle { get; set; }

        /// <summary>How uploads carry checksums: Auto works with every S3 store; WhenSupported is the AWS SDK's trailer mode.</summary>
        [Parameter]
        [ValidateSet(nameof(S3ChecksumMode.Auto), nameof(S3ChecksumMode.WhenRequired), nameof(S3ChecksumMode.WhenSupported), IgnoreCase = true)]
        public string ChecksumMode { get; set; } = nameof(S3ChecksumMode.Auto);

        /// <summary>The checksum each uploaded S3 part carries.</summary>
        [Parameter]
        [ValidateSet("CRC32C", "SHA256", IgnoreCase = true)]
        public string PartChecksum { get; set; } = "CRC32C";

        /// <summary>Extra HTTP(S) request headers (an API token); their values are never shown.</summary>
        [Parameter]
        [ValidateNotNull]
        public IDictionary? Headers { get; set; }

        /// <summary>HTTP Basic authentication, sent over HTTPS only.</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        private HttpSettings? _http;
        private bool _warnedUnusedHttp;

        protected abstract TransferDirection Direction { get; }

        /// <summary>Content-Type of HTTP and S3 uploads (Send-StreamFile -ContentType).</summary>
        protected virtual string? HttpContentType => null;

        /// <summary>The checksum header of HTTP uploads (Send-StreamFile -UploadChecksum).</summary>
        protected virtual UploadChecksum HttpUploadChecksum => UploadChecksum.None;

        /// <summary>A missing source has the same id whether PowerShell or the engine finds it missing.</summary>
        protected override string NotFoundCondition => "SourceNotFound";

        protected abstract int ActivityId { get; }

        protected override void BeginProcessing()
        {
            if (!ChecksumAlgorithms.TryParse(Checksum, out ChecksumAlgorithm algorithm))
            {
                throw new InvalidOperationException("ValidateSet admitted " + Checksum);
            }

            var options = new TransferOptions(
                concurrency: Concurrency,
                partSize: MyInvocation.BoundParameters.ContainsKey(nameof(PartSize)) ? PartSize : (long?)null,
                maxMemory: MaxMemory,
                checksum: algorithm,
                resume: Resume.IsPresent,
                skipUnchanged: SkipUnchanged.IsPresent,
                compare: (TransferCompare)Enum.Parse(typeof(TransferCompare), Compare, ignoreCase: true),
                verify: Verify.IsPresent,
                overwrite: Force.IsPresent);
            Location destination = ResolveDestination(Destination!);
            HttpSettings http = CreateHttpSettings();
            _http = http;
            if (Direction == TransferDirection.Send)
            {
                foreach (string unused in http.UnusedBySendTo(destination.Kind))
                {
                    string parameter = unused == nameof(HttpSettings.Headers) ? "-Headers" : "-" + unused;
                    WriteWarning($"{parameter} applies to uploads to http(s):// URLs{(unused == nameof(HttpSettings.ContentType) ? " and s3:// locations" : string.Empty)}; it is ignored for {destination.Display}.");
                }

                if (Verify.IsPresent && destination.Kind == LocationKind.Http)
                {
                    WriteWarning(TransferErrors.VerifyIgnoredForPutUrl("-Verify", http.UploadChecksum == UploadChecksum.None ? "-UploadChecksum MD5 (or SHA256)" : null, destination.Display));
                }

                if (destination.Kind == LocationKind.Http)
                {
                    foreach (string ignored in TransferErrors.IgnoredForPutUrl(Resume.IsPresent ? "-Resume" : null, SkipUnchanged.IsPresent ? "-SkipUnchanged" : null, destination.Display))
                    {
                        WriteWarning(ignored);
                    }
                }
            }

            StorageRegistry storages = CreateStorages(HttpContentType).RegisterHttp(http, message => _operation?.PostVerbose(message));
            try
            {
                _operation = new TransferOperation(Direction, destination, Recurse.IsPresent, options, CreateOperationSettings(ThrottleLimit), CancellationToken, storages, CurrentDirectory());
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(Plain(e), ErrorIdPrefix + "UnsupportedDestination", ErrorCategory.InvalidArgument, destination.Display));
            }

            _sink = CreateSink(ActivityId, Direction == TransferDirection.Send ? "Sending" : "Receiving");
        }

        /// <summary>The backends: the defaults, plus S3 with the connection the S3 parameters describe (HTTP settings are added by the caller).</summary>
        private StorageRegistry CreateStorages(string? contentType)
        {
            S3Connection connection;
            try
            {
                connection = new S3Connection(
                    ProfileName,
                    Region,
                    EndpointUrl,
                    ForcePathStyle.IsPresent,
                    (S3ChecksumMode)Enum.Parse(typeof(S3ChecksumMode), ChecksumMode, ignoreCase: true));
            }
            catch (ArgumentException e)
            {
                bool region = e.ParamName == "region";
                ThrowTerminatingError(new ErrorRecord(Plain(e), ErrorIdPrefix + (region ? "InvalidRegion" : "InvalidEndpointUrl"), ErrorCategory.InvalidArgument, region ? Region : Core.Locations.UriRedaction.RedactText(EndpointUrl)));
                throw;
            }

            ChecksumAlgorithms.TryParse(PartChecksum, out ChecksumAlgorithm partChecksum);
            try
            {
                return StorageRegistry.CreateDefault().RegisterS3(connection, partChecksum, contentType: contentType);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(Plain(e), ErrorIdPrefix + "InvalidHttpOption", ErrorCategory.InvalidArgument, contentType));
                throw;
            }
        }

        /// <summary>-Headers, -Credential, -ContentType and -UploadChecksum as HTTP settings; a malformed header ends the command.</summary>
        private HttpSettings CreateHttpSettings()
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry entry in Headers ?? new Hashtable())
            {
                headers[entry.Key?.ToString() ?? string.Empty] = LanguagePrimitives.ConvertTo<string>(entry.Value) ?? string.Empty;
            }

            HttpCredential? credential = null;
            try
            {
                if (Credential != null && Credential != PSCredential.Empty)
                {
                    credential = new HttpCredential(Credential.UserName, Credential.GetNetworkCredential().Password);
                }

                return new HttpSettings(headers: headers, credential: credential, contentType: HttpContentType, uploadChecksum: HttpUploadChecksum);
            }
            catch (ArgumentException e)
            {
                // The message names the header, never its value.
                ThrowTerminatingError(new ErrorRecord(Plain(e), ErrorIdPrefix + "InvalidHttpOption", ErrorCategory.InvalidArgument, null));
                throw;
            }
        }

        /// <summary>The engine's sentence without .NET's " (Parameter 'name')" tail, which names an argument of ours, not the user's.</summary>
        private static ArgumentException Plain(ArgumentException e) =>
            new ArgumentException(HostWording.ForPowerShell(e.Message.Split(new[] { " (Parameter '" }, StringSplitOptions.None)[0]), e);

        /// <summary>Hands one source (a resolved path or a URI) to the running transfer.</summary>
        protected void Submit(string source, bool isExplicit)
        {
            WarnOfUnusedHttpOptions(source);
            _operation!.SubmitSource(new TransferRequest(source, isExplicit), _sink!);
        }

        /// <summary>-Headers and -Credential given to Receive-StreamFile for an s3:// or local source: said once, as Send says it for its destination.</summary>
        private void WarnOfUnusedHttpOptions(string source)
        {
            if (Direction != TransferDirection.Receive || _http is null || _warnedUnusedHttp || !Location.TryParse(source, out Location? parsed, out _, null))
            {
                return;
            }

            foreach (string unused in _http.UnusedByReceiveFrom(parsed!.Kind))
            {
                _warnedUnusedHttp = true;
                WriteWarning($"-{unused} applies to downloads from http(s):// URLs; it is ignored for {parsed.Display}.");
            }
        }

        /// <summary>
        /// Sources as the user wrote them: s3:// and https:// go to the engine as written (it names what it cannot
        /// take, such as a URL given to Send-StreamFile), everything else through the provider's path resolution.
        /// </summary>
        protected override bool WorksOnLocalFilesOnly => false;

        protected void SubmitSources(string[]? texts, bool literal)
        {
            foreach (string text in texts ?? Array.Empty<string>())
            {
                if (IsUri(text))
                {
                    Submit(text, isExplicit: true);
                    continue;
                }

                foreach (ResolvedPath path in ResolvePaths(new[] { text }, literal))
                {
                    Submit(path.Path, path.IsExplicit);
                }
            }
        }

        /// <summary>
        /// A -Path, -LiteralPath or -Source path PowerShell found missing, or a wildcard that matched nothing: an
        /// error (SourceNotFound, ObjectNotFound) and a Failed result, exactly as for a source the engine finds missing.
        /// </summary>
        protected override void ReportMissing(string path, bool pattern, Exception? cause)
        {
            string source = path;
            try
            {
                string resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _);
                if (string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                {
                    source = resolved;
                }
            }
            catch (Exception e) when (e is DriveNotFoundException || e is ProviderNotFoundException || e is NotSupportedException || e is ItemNotFoundException || e is PSInvalidOperationException || e is PSArgumentException || e is ProviderInvocationException)
            {
                // Named as the user wrote it.
            }

            _operation!.SubmitMissingSource(source, pattern, _sink!);
        }

        protected override void ReportNotFileSystem(string path, string message) =>
            _operation!.SubmitRefusedSource(path, new CommandError("NotFileSystemPath", FailureCategory.InvalidArgument, path, message), _sink!);

        protected override void EndProcessing() => RunClosingProgressOnFailure(() => _operation!.Complete(_sink!));

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                _operation?.Dispose();
            }
        }

        /// <summary>The file-system directory of the current PowerShell location, for sources given as relative text.</summary>
        protected string? CurrentDirectory()
        {
            PathInfo location = SessionState.Path.CurrentFileSystemLocation;
            return location?.ProviderPath;
        }

        /// <summary>
        /// Whether the text is written as a URI (s3://, https://) rather than a path, or as one with its slashes
        /// mistyped ("s3:/bucket/key", "https:host/x") when no PowerShell drive has that name: those go to the
        /// engine, which names the mistake (InvalidLocation), instead of to the provider, which would only say
        /// that there is no drive "s3".
        /// </summary>
        protected bool IsUri(string text)
        {
            if (text.IndexOf("://", StringComparison.Ordinal) > 1)
            {
                return true;
            }

            int colon = text.IndexOf(':');
            if (colon < 2)
            {
                return false;
            }

            string scheme = text.Substring(0, colon);
            if (!UriSchemes.Contains(scheme))
            {
                return false;
            }

            foreach (PSDriveInfo drive in SessionState.Drive.GetAll())
            {
                if (string.Equals(drive.Name, scheme, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// -Destination as users expect: URIs as written, paths relative to the current location and on the
        /// FileSystem provider. A destination that cannot be used ends the command before anything is read.
        /// </summary>
        private Location ResolveDestination(string text)
        {
            string resolved = text;
            if (!IsUri(text))
            {
                ProviderInfo provider;
                try
                {
                    resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(text, out provider, out _);
                }
                catch (Exception e) when (e is DriveNotFoundException || e is ProviderNotFoundException || e is NotSupportedException || e is ItemNotFoundException || e is PSArgumentException || e is ProviderInvocationException)
                {
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Destination '{text}' cannot be used: {e.Message}", e), ErrorIdPrefix + "InvalidDestination", ErrorCategory.InvalidArgument, text));
                    throw;
                }

                if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException($"-Destination '{text}' is a path of the {provider.Name} provider; {MyInvocation.MyCommand.Name} writes to files. Use a file-system path{(Direction == TransferDirection.Send ? " or an s3:// or https:// location" : string.Empty)}."),
                        ErrorIdPrefix + "NotFileSystemPath",
                        ErrorCategory.InvalidArgument,
                        text));
                }

                // A trailing separator says "a directory"; provider resolution may drop it.
                if ((text.EndsWith("/", StringComparison.Ordinal) || text.EndsWith("\\", StringComparison.Ordinal))
                    && !resolved.EndsWith(System.IO.Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal))
                {
                    resolved += System.IO.Path.DirectorySeparatorChar;
                }
            }

            try
            {
                return Location.ParseDestination(resolved, CurrentDirectory());
            }
            catch (LocationFormatException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, ErrorIdPrefix + e.Error.Condition, ErrorCategory.InvalidArgument, e.Error.Target));
                throw;
            }
        }
    }
}
