using System;
using System.IO;

namespace StreamFiles.Core.Text
{
    /// <summary>
    /// Writing the converted output failed (disk full, access denied, a closed pipe). It wraps the original
    /// exception so callers can describe the failure as one of the destination, not of the source.
    /// </summary>
    public sealed class DestinationException : IOException
    {
        public DestinationException(Exception inner)
            : base(inner?.Message, inner)
        {
            HResult = inner?.HResult ?? HResult;
        }
    }
}
