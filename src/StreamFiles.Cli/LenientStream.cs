using System;
using System.IO;

namespace StreamFiles.Cli
{
    /// <summary>
    /// Standard error that drops what it cannot write: with it closed (2>&amp;-) or gone, a message that cannot be shown
    /// must not end the process with an unhandled exception (exit 134) in the middle of a transfer, leaving its
    /// .partial files and multipart uploads behind. The exit code still tells how the work went.
    /// </summary>
    internal sealed class LenientStream : WriteOnlyStream
    {
        private readonly Stream _inner;
        private bool _broken;

        public LenientStream(Stream inner) => _inner = inner;

        public override void Write(byte[] buffer, int offset, int count) => Try(() => _inner.Write(buffer, offset, count));

        public override void Flush() => Try(_inner.Flush);

        private void Try(Action write)
        {
            if (_broken)
            {
                return;
            }

            try
            {
                write();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                _broken = true;
            }
        }
    }
}
