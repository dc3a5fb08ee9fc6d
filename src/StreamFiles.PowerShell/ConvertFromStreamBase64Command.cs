using System;
using System.IO;
using System.Management.Automation;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Text;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// ConvertFrom-StreamBase64: base64 text, from a file or from piped strings, decoded into -OutFile with
    /// constant memory. The file appears only when the whole text has decoded.
    /// </summary>
    [Cmdlet(VerbsData.ConvertFrom, "StreamBase64", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ConvertFromStreamBase64Command : StreamFilesCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string InputObjectSet = "InputObject";
        private const int ActivityId = 0x5F50;

        private Base64Operation? _fromFile;
        private Base64FromTextOperation? _fromText;
        private string? _outFile;
        private CmdletSink? _sink;

        // Not from the pipeline by value: piped strings are base64 text (-InputObject), as with Select-String.
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [AllowNull]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[]? InputObject { get; set; }

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? OutFile { get; set; }

        [Parameter]
        public SwitchParameter UrlSafe { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override string ErrorIdPrefix => "ConvertFromStreamBase64";

        protected override void BeginProcessing()
        {
            var format = new Base64Format(urlSafe: UrlSafe.IsPresent);
            _outFile = OutFilePath.Resolve(this, ErrorIdPrefix, OutFile!);
            _sink = CreateSink(ActivityId, "Decoding");
            if (ParameterSetName == InputObjectSet)
            {
                _fromText = new Base64FromTextOperation(_outFile, format, CreateOperationSettings(1), CancellationToken, PassThru.IsPresent);
            }
            else
            {
                _fromFile = new Base64Operation(Base64Direction.Decode, format, CreateOperationSettings(1, orderedOutput: true), CancellationToken, PassThru.IsPresent);
            }
        }

        protected override void ProcessRecord() => RunClosingProgressOnFailure(ProcessInput);

        private void ProcessInput()
        {
            switch (ParameterSetName)
            {
                case InputObjectSet:
                    foreach (string? text in InputObject ?? Array.Empty<string>())
                    {
                        _fromText!.Submit(text, _sink!);
                    }

                    break;
                case PathSet:
                case LiteralPathSet:
                    bool literal = ParameterSetName == LiteralPathSet;
                    foreach (ResolvedPath path in ResolvePaths(literal ? LiteralPath : Path, literal))
                    {
                        _fromFile!.Submit(new Base64Request(path.Path, _outFile!, path.IsExplicit), _sink!);
                    }

                    break;
                default:
                    throw new InvalidOperationException("Unknown parameter set " + ParameterSetName);
            }
        }

        protected override void EndProcessing() => RunClosingProgressOnFailure(CompleteInput);

        private void CompleteInput()
        {
            _fromFile?.Complete(_sink!);
            _fromText?.Complete(_sink!);
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                _fromFile?.Dispose();
                _fromText?.Dispose();
            }
        }
    }
}
