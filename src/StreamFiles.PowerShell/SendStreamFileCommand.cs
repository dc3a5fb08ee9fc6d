using System;
using System.Management.Automation;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Transfers;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// Send-StreamFile: local files (by -Path with wildcards, -LiteralPath, or piped FileInfo and strings) to a
    /// destination, several at once, in parallel parts, hashed as they are read, resumable.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "StreamFile", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(TransferResult))]
    public sealed class SendStreamFileCommand : TransferCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        // Its own progress ids (this one for the batch, the next four for files in flight): no other cmdlet's bars interfere.
        private const int ProgressActivityId = 0x5F30;

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>A directory, a file name, or an s3:// or https:// location; s3:// words complete with Tab.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(S3LocationCompleter))]
        public override string? Destination { get; set; }

        /// <summary>Content-Type of an upload: to an HTTP(S) URL (default application/octet-stream) or an S3 object (default from the name's extension).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ContentType { get; set; }

        /// <summary>A checksum header for an upload to an HTTP(S) URL, computed in a pre-pass: Content-MD5 or x-amz-checksum-sha256.</summary>
        [Parameter]
        [ValidateSet("None", "MD5", "SHA256", IgnoreCase = true)]
        public string UploadChecksum { get; set; } = "None";

        protected override string ErrorIdPrefix => "SendStreamFile";

        protected override string? HttpContentType => ContentType;

        protected override Core.Storage.Http.UploadChecksum HttpUploadChecksum => UploadChecksum.ToUpperInvariant() switch
        {
            "MD5" => Core.Storage.Http.UploadChecksum.Md5,
            "SHA256" => Core.Storage.Http.UploadChecksum.Sha256,
            _ => Core.Storage.Http.UploadChecksum.None,
        };

        protected override TransferDirection Direction => TransferDirection.Send;

        protected override int ActivityId => ProgressActivityId;

        protected override void ProcessRecord() => RunClosingProgressOnFailure(ProcessInput);

        private void ProcessInput()
        {
            bool literal = ParameterSetName switch
            {
                PathSet => false,
                LiteralPathSet => true,
                _ => throw new InvalidOperationException("Unknown parameter set " + ParameterSetName),
            };
            // An s3:// or https:// source goes to the engine, which says this cmdlet uploads local files and which one
            // downloads (SourceNotLocal), rather than to the provider, which would only say there is no drive "s3".
            SubmitSources(literal ? LiteralPath : Path, literal);
        }
    }
}
