using System;
using System.Management.Automation;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// Resolves an -OutFile argument as PowerShell users expect: relative to the current location (not the
    /// process's working directory), on the FileSystem provider only. A path that cannot be a file (a URL, another
    /// provider's path) is an invalid invocation, so it terminates the command before anything is read. A drive that
    /// does not exist is a place not found, as a directory that does not exist is when the file is written: a
    /// non-terminating OutFileDirectoryNotFound, after which the command reads nothing (null is returned).
    /// </summary>
    internal static class OutFilePath
    {
        public static string? Resolve(PSCmdlet cmdlet, string errorIdPrefix, string outFile)
        {
            if (Core.Operations.FileErrors.UrlKind(outFile) is string url)
            {
                throw Terminate(cmdlet, null, errorIdPrefix + "NotFileSystemPath", ErrorCategory.InvalidArgument, outFile,
                    $"-OutFile '{outFile}' is {url}; {cmdlet.MyInvocation.MyCommand.Name} writes local files only. Write a local file, then copy it with Send-StreamFile.");
            }

            string resolved;
            ProviderInfo provider;
            try
            {
                resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(outFile, out provider, out _);
            }
            catch (Exception e) when (e is DriveNotFoundException || e is ItemNotFoundException)
            {
                cmdlet.WriteError(RecordedItemNotFoundException.Missing(
                    $"Cannot write '{outFile}': {e.Message} Name a file on an existing drive; nothing was read.",
                    e,
                    errorIdPrefix,
                    "OutFileDirectoryNotFound",
                    outFile));
                return null;
            }
            catch (Exception e) when (e is ProviderNotFoundException || e is NotSupportedException)
            {
                throw Terminate(cmdlet, e, errorIdPrefix + "NotFileSystemPath", ErrorCategory.InvalidArgument, outFile,
                    $"-OutFile '{outFile}' is not a file-system path; {cmdlet.MyInvocation.MyCommand.Name} writes files only. {e.Message}");
            }
            catch (Exception e) when (e is ArgumentException || e is ProviderInvocationException)
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
