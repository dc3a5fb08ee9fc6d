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
            catch (Exception e) when (e is DriveNotFoundException || e is ItemNotFoundException)
            {
                throw Terminate(cmdlet, e, errorIdPrefix + "OutFileDirectoryNotFound", ErrorCategory.ObjectNotFound, outFile, $"Cannot write '{outFile}': {e.Message}");
            }
            catch (Exception e) when (e is ProviderNotFoundException || e is NotSupportedException)
            {
                throw Terminate(cmdlet, e, errorIdPrefix + "NotFileSystemPath", ErrorCategory.InvalidArgument, outFile,
                    $"-OutFile '{outFile}' is not a file-system path; {cmdlet.MyInvocation.MyCommand.Name} writes files only. {e.Message}");
            }
            catch (ArgumentException e)
            {
                throw Terminate(cmdlet, e, errorIdPrefix + "InvalidPath", ErrorCategory.InvalidArgument, outFile, $"-OutFile '{outFile}' is not a valid path: {e.Message}");
            }

            if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
            {
                throw Terminate(cmdlet, null, errorIdPrefix + "NotFileSystemPath", ErrorCategory.InvalidArgument, outFile,
                    $"-OutFile '{outFile}' is a path of the {provider.Name} provider; {cmdlet.MyInvocation.MyCommand.Name} writes files only. Use a file-system path.");
            }

            return resolved;
        }

        /// <summary>ThrowTerminatingError always throws; the exception returned only lets callers write "throw".</summary>
        private static Exception Terminate(PSCmdlet cmdlet, Exception? inner, string errorId, ErrorCategory category, string target, string message)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException(message, inner), errorId, category, target));
            return new InvalidOperationException("ThrowTerminatingError returned.");
        }
    }
}
