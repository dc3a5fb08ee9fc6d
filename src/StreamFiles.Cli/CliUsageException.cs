using System;

namespace StreamFiles.Cli
{
    /// <summary>
    /// A mistake in the command line itself: reported with exit code 2 and an id on stderr, the condition of the
    /// cmdlets' errors where there is one (InvalidLocation, UnsupportedDestination), otherwise InvalidArgument
    /// for a bad option value and Usage for the syntax.
    /// </summary>
    internal sealed class CliUsageException : Exception
    {
        public const string InvalidArgument = "InvalidArgument";

        public CliUsageException(string message, string condition = InvalidArgument)
            : base(message)
        {
            Condition = condition;
        }

        public string Condition { get; }
    }
}
