using System;
using System.IO;
using System.Runtime.InteropServices;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>There is not enough free space for the file; carries the HResult FileErrors.IsDiskFull recognises.</summary>
    internal sealed class DiskFullException : IOException
    {
        public DiskFullException(string message, Exception? inner = null)
            : base(message, inner)
        {
            HResult = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? unchecked((int)0x80070070) : 28;
        }
    }
}
