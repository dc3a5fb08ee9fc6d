namespace StreamFiles.Core.Operations
{
    /// <summary>
    /// A host sink that keeps the periodic status lines apart from other verbose lines: PowerShell writes them to the
    /// verbose stream, and, when no progress is shown, to the information stream too, for the logs of runbooks and
    /// scheduled tasks. Sinks without it get them as verbose lines.
    /// </summary>
    public interface IStatusSink
    {
        /// <param name="progressShown">Whether progress records are written beside it (they are not with $ProgressPreference = 'SilentlyContinue' or without an interactive host).</param>
        void WriteStatus(string line, bool progressShown);
    }
}
