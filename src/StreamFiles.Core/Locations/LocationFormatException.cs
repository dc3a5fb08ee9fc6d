using System;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Locations
{
    /// <summary>A location that cannot be parsed; Error names the input and the fix.</summary>
    public sealed class LocationFormatException : FormatException
    {
        public LocationFormatException(CommandError error)
            : base(error?.Message)
        {
            Error = error ?? throw new ArgumentNullException(nameof(error));
        }

        public CommandError Error { get; }

        internal static LocationFormatException Invalid(string input, string problem, string fix) =>
            new LocationFormatException(new CommandError(
                "InvalidLocation",
                FailureCategory.InvalidArgument,
                UriRedaction.RedactText(input),
                $"'{UriRedaction.RedactText(input)}' is not a valid location: {problem}. {fix}"));
    }
}
