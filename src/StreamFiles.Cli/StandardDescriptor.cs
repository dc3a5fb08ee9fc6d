using System;
using System.Runtime.InteropServices;

namespace StreamFiles.Cli
{
    /// <summary>
    /// Whether a standard descriptor (0, 1, 2) was open when the process started. One closed at exec (`&lt;&amp;-`,
    /// `&gt;&amp;-`) is taken by the first descriptor the runtime opens for itself: the native AOT build's copy of standard
    /// error took descriptor 1, so `base64 f &gt;&amp;-` wrote the base64 to standard error and exited 0, and `hash &lt;&amp;-`
    /// read a file of the runtime's and said AccessDenied. The runtime opens its own descriptors close-on-exec, which
    /// an inherited one never is (it would not have survived the exec): that flag is what is asked.
    /// </summary>
    internal static class StandardDescriptor
    {
        private const int CloseOnExec = 1; // FD_CLOEXEC

        public static bool WasOpenAtStart(int descriptor)
        {
            if (OperatingSystem.IsWindows())
            {
                return true;
            }

            try
            {
                int flags = FcntlGetFD((IntPtr)descriptor);
                return flags != -1 && (flags & CloseOnExec) == 0;
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                return true; // not known: used as it is
            }
        }

        /// <summary>Standard output as it was at the start: closed, every write fails as a write to a closed descriptor does.</summary>
        public static System.IO.Stream ClosedOutput() => new ClosedStream();

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_FcntlGetFD", SetLastError = true)]
        private static extern int FcntlGetFD(IntPtr descriptor);
    }

    internal sealed class ClosedStream : WriteOnlyStream
    {
        public override void Flush()
        {
        }

        public override void Write(byte[] buffer, int offset, int count) =>
            throw new UnauthorizedAccessException("standard output is closed: it was not open when streamfiles started.");
    }
}
