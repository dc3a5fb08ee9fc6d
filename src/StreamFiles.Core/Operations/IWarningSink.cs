namespace StreamFiles.Core.Operations
{
    /// <summary>
    /// A host sink that shows warnings (PowerShell's WriteWarning, the CLI's "warning:" lines): something the user should
    /// know about a file that is nevertheless copied. Sinks without it get the text as a verbose line.
    /// </summary>
    public interface IWarningSink
    {
        void WriteWarning(string message);
    }
}
