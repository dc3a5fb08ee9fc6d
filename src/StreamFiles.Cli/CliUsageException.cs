using System;

namespace StreamFiles.Cli
{
    /// <summary>A mistake in the command line itself: reported with exit code 2.</summary>
    internal sealed class CliUsageException : Exception
    {
        public CliUsageException(string message)
            : base(message)
        {
        }
    }
}
