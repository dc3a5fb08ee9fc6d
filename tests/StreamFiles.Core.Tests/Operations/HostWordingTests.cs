using StreamFiles.Core.Operations;
using Xunit;

namespace StreamFiles.Core.Tests.Operations
{
    public class HostWordingTests
    {
        [Theory]
        [InlineData("Add -Force (--force) to overwrite it.", "Add --force to overwrite it.", "Add -Force to overwrite it.")]
        [InlineData("pass -Region eu-west-1 (--region eu-west-1).", "pass --region eu-west-1.", "pass -Region eu-west-1.")]
        [InlineData("Correct it (from -Region (--region)).", "Correct it (from --region).", "Correct it (from -Region).")]
        [InlineData("Check -EndpointUrl (--endpoint-url) and -ProfileName (--profile).", "Check --endpoint-url and --profile.", "Check -EndpointUrl and -ProfileName.")]
        [InlineData("-ChecksumMode WhenRequired (--checksum-mode when-required) fixes it", "--checksum-mode when-required fixes it", "-ChecksumMode WhenRequired fixes it")]
        [InlineData("Use -ChecksumMode Auto (CLI: --checksum-mode auto), which", "Use --checksum-mode auto, which", "Use -ChecksumMode Auto, which")]
        [InlineData("pass the credential separately (-Credential, --user).", "pass the credential separately (--user).", "pass the credential separately (-Credential).")]
        [InlineData("To upload, use Send-StreamFile (streamfiles send).", "To upload, use streamfiles send.", "To upload, use Send-StreamFile.")]
        [InlineData("checksums (-ChecksumMode WhenSupported (--checksum-mode when-supported), the default)", "checksums (--checksum-mode when-supported, the default)", "checksums (-ChecksumMode WhenSupported, the default)")]
        public void EachHostKeepsItsOwnHalf(string message, string cli, string powerShell)
        {
            Assert.Equal(cli, HostWording.ForCli(message));
            Assert.Equal(powerShell, HostWording.ForPowerShell(message));
        }

        [Theory]
        [InlineData("upload part 8 (bytes 0-9) of s3://b/k: the store is busy.", "the store is busy.")]
        [InlineData("upload s3://b/k: access denied.", "access denied.")]
        [InlineData("complete multipart upload of s3://b/k: the store is busy.", "complete multipart upload: the store is busy.")]
        [InlineData("the bucket 'b' does not exist.", "the bucket 'b' does not exist.")]
        public void AnS3MessageInACopyNamesTheObjectOnce(string message, string expected) =>
            Assert.Equal(expected, StreamFiles.Core.Transfers.TransferErrors.WithoutLead(message, "s3://b/k"));

        [Fact]
        public void ATransferResultsErrorIsInPowerShellsWords()
        {
            var error = new CommandError("DestinationExists", FailureCategory.ResourceExists, "/d/f", "Cannot copy 'a' to '/d/f': it exists. Add -Force (--force) to overwrite it.");
            var result = new StreamFiles.Core.Transfers.TransferResult("a", "/d/f", 5, StreamFiles.Core.Transfers.TransferStatus.Failed, System.TimeSpan.FromSeconds(1), 0, null, "SHA256", 1, 5, 1, false, null, error);

            var reworded = HostWording.ForPowerShell(result);

            Assert.Equal("Cannot copy 'a' to '/d/f': it exists. Add -Force to overwrite it.", reworded.Error!.Message);
            Assert.Equal("DestinationExists", reworded.Error.Condition);
            Assert.Equal(result.Destination, reworded.Destination);
            Assert.Equal(result.Status, reworded.Status);
            Assert.Equal("Cannot copy 'a' to '/d/f': it exists. Add -Force (--force) to overwrite it.", result.Error!.Message);
        }

        /// <summary>
        /// A result's Error carries no live exception to PowerShell: one of the SDK's made `ConvertTo-Json -Depth 10` of
        /// a failed upload run for minutes into gigabytes (a probe). The error record written beside it keeps it.
        /// </summary>
        [Fact]
        public void ATransferResultsErrorGoesToPowerShellWithoutItsException()
        {
            var cause = new System.IO.IOException("the cause");
            var error = new CommandError("WriteError", FailureCategory.WriteError, "/d/f", "Cannot copy 'a' to '/d/f': the cause.", cause);
            var result = new StreamFiles.Core.Transfers.TransferResult("a", "/d/f", 5, StreamFiles.Core.Transfers.TransferStatus.Failed, System.TimeSpan.FromSeconds(1), 0, null, "SHA256", 1, 5, 1, false, null, error);

            var shown = HostWording.ForPowerShell(result);

            Assert.Null(shown.Error!.Exception);
            Assert.Equal(error.Message, shown.Error.Message);
            Assert.Equal(error.Category, shown.Error.Category);
            Assert.Equal(error.Target, shown.Error.Target);
            Assert.Same(cause, result.Error!.Exception);
        }

        [Theory]
        [InlineData("a file named '-Force (x)' is not touched")]
        [InlineData("size 5 (--)")]
        [InlineData("Cannot copy 'a' to 'b (c)': the disk is full")]
        public void TextThatNamesNoSwitchForBothIsKept(string message)
        {
            Assert.Equal(message, HostWording.ForCli(message));
            Assert.Equal(message, HostWording.ForPowerShell(message));
        }
    }
}
