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

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        protected override string ErrorIdPrefix => "SendStreamFile";

        protected override TransferDirection Direction => TransferDirection.Send;

        protected override int ActivityId => 0x5F30;

        protected override void ProcessRecord()
        {
            bool literal = ParameterSetName switch
            {
                PathSet => false,
                LiteralPathSet => true,
                _ => throw new InvalidOperationException("Unknown parameter set " + ParameterSetName),
            };
            foreach (ResolvedPath path in ResolvePaths(literal ? LiteralPath : Path, literal))
            {
                Submit(path.Path, path.IsExplicit);
            }
        }
    }
}
