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
        private bool _textSubmitted;
        private string? _outFile;
        private CmdletSink? _sink;

        // Not from the pipeline by value: piped strings are base64 text (-InputObject), as with Select-String.
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
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
        [ArgumentCompleter(typeof(LiteralPathCompleter))]
        public string? OutFile { get; set; }

        [Parameter]
        public SwitchParameter UrlSafe { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override string ErrorIdPrefix => "ConvertFromStreamBase64";

        protected override string? OutputFileNamed => OutFile;

        protected override void BeginProcessing()
        {
            _outFile = OutFilePath.Resolve(this, ErrorIdPrefix, OutFile!);
            _sink = CreateSink(ActivityId, "Decoding");
        }

        protected override void ProcessRecord() => RunClosingProgressOnFailure(ProcessInput);

        // Each operation is made with the first input of its kind, not in BeginProcessing: while input is still to come
        // from the pipeline, PowerShell names the default set (Path) there, even when what comes is piped text.
        private void ProcessInput()
        {
            if (_outFile is null)
            {
                return; // the -OutFile was refused in BeginProcessing: nothing is read
            }

            var format = new Base64Format(urlSafe: UrlSafe.IsPresent);
            switch (ParameterSetName)
            {
                case InputObjectSet:
                    if (RefusedAsMixed(_fromFile != null, "(text)"))
                    {
                        break;
                    }

                    _fromText ??= new Base64FromTextOperation(_outFile!, format, CreateOperationSettings(1), CancellationToken, PassThru.IsPresent);
                    foreach (string? text in InputObject ?? Array.Empty<string>())
                    {
                        _fromText.Submit(text, _sink!);
                        _textSubmitted = true;
                    }

                    break;
                case PathSet:
                case LiteralPathSet:
                    bool literal = ParameterSetName == LiteralPathSet;
                    if (RefusedAsMixed(_fromText != null, literal ? LiteralPath : Path))
                    {
                        break;
                    }

                    _fromFile ??= new Base64Operation(Base64Direction.Decode, format, CreateOperationSettings(1, orderedOutput: true), CancellationToken, PassThru.IsPresent);
                    foreach (ResolvedPath path in ResolvePaths(literal ? LiteralPath : Path, literal))
                    {
                        _fromFile.Submit(new Base64Request(path.Path, _outFile!, path.IsExplicit), _sink!);
                    }

                    break;
                default:
                    throw new InvalidOperationException("Unknown parameter set " + ParameterSetName);
            }
        }

        /// <summary>
        /// Piped text after piped files, or files after text, would go into the same -OutFile: like a second file, the
        /// input is refused with MultipleInputs (not terminating) and the first kind goes on.
        /// </summary>
        private bool RefusedAsMixed(bool otherKindSeen, object? input)
        {
            if (otherKindSeen)
            {
                WriteError(new ErrorRecord(
                    new ArgumentException($"-OutFile '{OutFile}' receives one input, and it already receives piped {(_fromText != null ? "text" : "files")}: decode piped text and files with separate commands."),
                    ErrorIdPrefix + "MultipleInputs",
                    ErrorCategory.InvalidArgument,
                    input));
            }

            return otherKindSeen;
        }

        protected override void EndProcessing() => RunClosingProgressOnFailure(CompleteInput);

        private void CompleteInput()
        {
            if (_outFile != null && _fromFile is null && !_textSubmitted
                && !MyInvocation.BoundParameters.ContainsKey(nameof(Path)) && !MyInvocation.BoundParameters.ContainsKey(nameof(LiteralPath)))
            {
                // No text came down the pipeline (Get-Content of an empty file, or ConvertTo-StreamBase64 -LineLength of
                // one, gives none; nor does $null, or -InputObject @()): the text was empty, and so is the file, as
                // Set-Content and Out-File leave it (a probe: `$response.content | ...` with no such field left the old
                // file as it was, with no word).
                _fromText ??= new Base64FromTextOperation(_outFile, new Base64Format(urlSafe: UrlSafe.IsPresent), CreateOperationSettings(1), CancellationToken, PassThru.IsPresent);
                _fromText.Submit(string.Empty, _sink!);
            }

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
