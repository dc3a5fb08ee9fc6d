using System;
using System.Management.Automation;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Transfers;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// Receive-StreamFile: sources by location (-Source: s3:// and https:// URIs as written, paths with wildcards;
    /// -LiteralPath or piped FileInfo for local files) into a local directory or file, in parallel parts,
    /// hashed as they are read, resumable.
    /// </summary>
    [Cmdlet(VerbsCommunications.Receive, "StreamFile", DefaultParameterSetName = SourceSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(TransferResult))]
    public sealed class ReceiveStreamFileCommand : TransferCmdlet
    {
        private const string SourceSet = "Source";
        private const string LiteralPathSet = "LiteralPath";
        private const string S3ObjectSet = "S3Object";

        // Its own progress ids (this one for the batch, the next four for files in flight): no other cmdlet's bars interfere.
        private const int ProgressActivityId = 0x5F40;

        /// <summary>
        /// s3:// and https:// locations as written, or paths with wildcards; s3:// words complete with Tab. Path is an
        /// alias, so the mirror image of Send-StreamFile -Path works and Resolve-Path output binds by property name.
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = SourceSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Path")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(S3LocationCompleter))]
        [SupportsWildcards]
        public string[]? Source { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>The bucket of an S3 object from the pipeline (what AWS.Tools' Get-S3Object emits).</summary>
        [Parameter(Mandatory = true, ParameterSetName = S3ObjectSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? BucketName { get; set; }

        /// <summary>The key of an S3 object from the pipeline.</summary>
        [Parameter(Mandatory = true, ParameterSetName = S3ObjectSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Key { get; set; }

        /// <summary>A local directory or file name, taken literally: paths complete without wildcard escapes.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(LiteralPathCompleter))]
        public override string? Destination { get; set; }

        protected override string ErrorIdPrefix => "ReceiveStreamFile";

        protected override TransferDirection Direction => TransferDirection.Receive;

        protected override int ActivityId => ProgressActivityId;

        protected override void ProcessRecord() => RunClosingProgressOnFailure(ProcessInput);

        private void ProcessInput()
        {
            switch (ParameterSetName)
            {
                case SourceSet:
                    SubmitSources(Source, literal: false);
                    break;
                case S3ObjectSet:
                    if (Key!.EndsWith("/", StringComparison.Ordinal))
                    {
                        // A folder marker (the S3 console's "Create folder", Get-S3Object lists it with the objects): as a
                        // source, s3://bucket/key/ would mean the whole prefix, which the objects piped after it bring anyway.
                        WriteVerbose($"Skipped s3://{BucketName}/{Key}: a folder marker (a key ending in '/'), not a file to download.");
                        break;
                    }

                    Submit("s3://" + BucketName + "/" + Key, isExplicit: true);
                    break;
                case LiteralPathSet:
                    foreach (ResolvedPath path in ResolvePaths(LiteralPath, literal: true))
                    {
                        Submit(path.Path, path.IsExplicit);
                    }

                    break;
                default:
                    throw new InvalidOperationException("Unknown parameter set " + ParameterSetName);
            }
        }
    }
}
