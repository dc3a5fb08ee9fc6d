using System;
using System.Management.Automation;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Operations;

namespace StreamFiles.PowerShell
{
    /// <summary>Get-FileHashChunked: Get-FileHash's binding with several algorithms in one read, chunk manifests and progress.</summary>
    [Cmdlet(VerbsCommon.Get, "FileHashChunked", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(FileHashResult))]
    public sealed class GetFileHashChunkedCommand : StreamFilesCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const int ActivityId = 0x5F10;

        private HashOperation? _operation;
        private CmdletSink? _sink;

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        [Parameter(Position = 1)]
        [ValidateSet("SHA256", "SHA1", "SHA384", "SHA512", "MD5", "CRC32", "CRC32C", "CRC64NVME", "S3ETag", IgnoreCase = true)]
        [ValidateNotNullOrEmpty]
        public string[] Algorithm { get; set; } = { "SHA256" };

        [Parameter]
        [ValidateRange(1L, HashSettings.MaxChunkSize)]
        public long ChunkSize { get; set; } = HashSettings.DefaultChunkSize;

        [Parameter]
        public SwitchParameter IncludeChunkHash { get; set; }

        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = Math.Min(Environment.ProcessorCount, 64);

        protected override string ErrorIdPrefix => "GetFileHashChunked";

        protected override void BeginProcessing()
        {
            var algorithms = ChecksumAlgorithms.ParseList(string.Join(",", Algorithm));
            var hashSettings = new HashSettings(algorithms, ChunkSize, IncludeChunkHash.IsPresent, growChunks: !MyInvocation.BoundParameters.ContainsKey(nameof(ChunkSize)));
            _operation = new HashOperation(hashSettings, CreateOperationSettings(ThrottleLimit), CancellationToken);
            _sink = CreateSink(ActivityId, "Hashing");
        }

        protected override void ProcessRecord() => RunClosingProgressOnFailure(ProcessInput);

        private void ProcessInput()
        {
            bool literal = ParameterSetName switch
            {
                PathSet => false,
                LiteralPathSet => true,
                _ => throw new InvalidOperationException("Unknown parameter set " + ParameterSetName),
            };
            foreach (ResolvedPath path in ResolvePaths(literal ? LiteralPath : Path, literal))
            {
                _operation!.Submit(new HashRequest(path.Path, path.IsExplicit), _sink!);
            }
        }

        /// <summary>
        /// A missing path is an error written here, not by the operation (whose errors wait for the running items
        /// themselves when an error ends the command, FirstErrorEnds): the same wait, so under -ErrorAction Stop the
        /// hashes of the earlier inputs go out first, as Get-FileHash has them.
        /// </summary>
        protected override void ReportMissing(string path, bool pattern, Exception? cause)
        {
            if (!pattern && _operation?.Settings.FirstErrorEnds == true)
            {
                _operation?.WaitForRunning(_sink!);
            }

            base.ReportMissing(path, pattern, cause);
        }

        protected override void EndProcessing() => RunClosingProgressOnFailure(() => _operation!.Complete(_sink!));

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                _operation?.Dispose();
            }
        }
    }
}
