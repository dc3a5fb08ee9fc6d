using System;
using System.IO;
using System.Management.Automation;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Text;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// ConvertTo-StreamBase64: files to base64 with constant memory. Without -OutFile the text goes down the
    /// pipeline in bounded string chunks (one string per file with -AsString); with -OutFile it is written to
    /// the file, which appears only when complete.
    /// </summary>
    [Cmdlet(VerbsData.ConvertTo, "StreamBase64", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
    [OutputType(typeof(string), ParameterSetName = new[] { PathSet, LiteralPathSet })]
    [OutputType(typeof(FileInfo), ParameterSetName = new[] { PathToFileSet, LiteralPathToFileSet })]
    public sealed class ConvertToStreamBase64Command : StreamFilesCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string PathToFileSet = "PathOutFile";
        private const string LiteralPathToFileSet = "LiteralPathOutFile";
        private const int ActivityId = 0x5F20;

        private Base64Operation? _toFile;
        private Base64ToTextOperation? _toText;
        private string? _outFile;
        private CmdletSink? _sink;

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathToFileSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathToFileSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = PathToFileSet)]
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathToFileSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(LiteralPathCompleter))]
        public string? OutFile { get; set; }

        [Parameter]
        [ValidateRange(0, Base64Format.MaxLineLength)]
        public int LineLength { get; set; }

        [Parameter]
        public SwitchParameter UrlSafe { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        public SwitchParameter AsString { get; set; }

        [Parameter(ParameterSetName = PathToFileSet)]
        [Parameter(ParameterSetName = LiteralPathToFileSet)]
        public SwitchParameter PassThru { get; set; }

        protected override string ErrorIdPrefix => "ConvertToStreamBase64";

        protected override void BeginProcessing()
        {
            var format = new Base64Format(LineLength, UrlSafe.IsPresent);
            _sink = CreateSink(ActivityId, "Encoding");
            if (ToFile)
            {
                _outFile = OutFilePath.Resolve(this, ErrorIdPrefix, OutFile!);
                if (_outFile is null)
                {
                    return; // reported: nothing is read
                }

                _toFile = new Base64Operation(Base64Direction.Encode, format, CreateOperationSettings(1, orderedOutput: true), CancellationToken, PassThru.IsPresent);
            }
            else
            {
                _toText = new Base64ToTextOperation(format, AsString.IsPresent, CreateOperationSettings(1), CancellationToken);
            }
        }

        protected override void ProcessRecord() => RunClosingProgressOnFailure(ProcessInput);

        private void ProcessInput()
        {
            if (_toFile is null && _toText is null)
            {
                return; // the -OutFile was refused in BeginProcessing
            }

            bool literal = ParameterSetName switch
            {
                PathSet or PathToFileSet => false,
                LiteralPathSet or LiteralPathToFileSet => true,
                _ => throw new InvalidOperationException("Unknown parameter set " + ParameterSetName),
            };
            foreach (ResolvedPath path in ResolvePaths(literal ? LiteralPath : Path, literal))
            {
                if (_toFile != null)
                {
                    _toFile.Submit(new Base64Request(path.Path, _outFile!, path.IsExplicit), _sink!);
                }
                else
                {
                    _toText!.Submit(new Base64TextRequest(path.Path, path.IsExplicit), _sink!);
                }
            }
        }

        protected override void EndProcessing() => RunClosingProgressOnFailure(CompleteInput);

        private void CompleteInput()
        {
            _toFile?.Complete(_sink!);
            _toText?.Complete(_sink!);
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                _toFile?.Dispose();
            }
        }

        // Not ParameterSetName: with -OutFile given and the paths still to come from the pipeline, PowerShell cannot tell
        // PathOutFile from LiteralPathOutFile yet and leaves the set unnamed in BeginProcessing. -OutFile itself never
        // comes from the pipeline, so whether it was given is known from the start.
        private bool ToFile => MyInvocation.BoundParameters.ContainsKey(nameof(OutFile));

        protected override string? OutputFileNamed => ToFile ? OutFile : null;
    }
}
