using System;
using System.Management.Automation;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// Resolves an -OutFile argument as PowerShell users expect: relative to the current location (not the
    /// process's working directory), on the FileSystem provider only. A path that cannot be a file is an
    /// invalid invocation, so it terminates the command before anything is read.
    /// </summary>
    internal static class OutFilePath
    {
        public static string Resolve(PSCmdlet cmdlet, string errorIdPrefix, string outFile)
        {
            string resolved;
            ProviderInfo provider;
            try
            {
                resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(outFile, out provider, out _);
            }
            catch (SessionStateException e)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new ItemNotFoundException($"Cannot write '{outFile}': {e.Message}", e),
                    errorIdPrefix + "OutFileDirectoryNotFound",
                    ErrorCategory.ObjectNotFound,
                    outFile));
                throw; // not reached: ThrowTerminatingError throws
            }

            if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-OutFile '{outFile}' is a {provider.Name} path; {cmdlet.MyInvocation.MyCommand.Name} writes files only. Use a file-system path."),
                    errorIdPrefix + "NotFileSystemPath",
                    ErrorCategory.InvalidArgument,
                    outFile));
            }

            return resolved;
        }
    }
}
