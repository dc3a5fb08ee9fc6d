using System;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage
{
    /// <summary>One entry of a listing: an object and its '/'-separated path below the listed container, or an error.</summary>
    public sealed class ListedObject
    {
        public ListedObject(ObjectInfo info, string relativePath)
        {
            Info = info ?? throw new ArgumentNullException(nameof(info));
            RelativePath = relativePath ?? throw new ArgumentNullException(nameof(relativePath));
        }

        public ListedObject(CommandError error, string relativePath)
        {
            Error = error ?? throw new ArgumentNullException(nameof(error));
            RelativePath = relativePath ?? throw new ArgumentNullException(nameof(relativePath));
        }

        private ListedObject(string skipped, string relativePath, bool _)
        {
            SkipReason = skipped;
            RelativePath = relativePath;
        }

        public ObjectInfo? Info { get; }

        /// <summary>Set for an entry the listing passes over on purpose: why, in words that follow "Skipped 'path': ".</summary>
        public string? SkipReason { get; }

        public string RelativePath { get; }

        public CommandError? Error { get; }

        /// <summary>An entry passed over on purpose (a link to a directory): no item, only a verbose line saying so.</summary>
        public static ListedObject Skipped(string why, string relativePath) =>
            new ListedObject(why ?? throw new ArgumentNullException(nameof(why)), relativePath ?? throw new ArgumentNullException(nameof(relativePath)), false);
    }
}
