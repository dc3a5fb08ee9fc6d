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

        public ObjectInfo? Info { get; }

        public string RelativePath { get; }

        public CommandError? Error { get; }
    }
}
