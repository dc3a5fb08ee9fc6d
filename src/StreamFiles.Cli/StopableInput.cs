using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Cli
{
    /// <summary>
    /// Standard input that a stop (Ctrl+C, SIGTERM) ends even while no data arrives: a read of an idle pipe or terminal
    /// blocks in the kernel, where no cancellation reaches it, so `sleep 60 | streamfiles hash` ignored every signal
    /// until it was killed. Each read runs on its own into a private buffer, and the caller stops waiting for it on a
    /// stop; the abandoned read ends with the process.
    /// </summary>
    internal sealed class StopableInput : Stream
    {
        /// <summary>
        /// How long the end of the input waits for a stop that comes with it. Ctrl+C reaches the whole pipeline: the
        /// writer (`cat big | streamfiles base64 - out`) dies at once and its pipe ends, while this process's signal
        /// handler runs a moment later; taken as the end of the data, the cut input was committed under the final name
        /// (or its digest printed) and the run then exited 130.
        /// </summary>
        private static readonly TimeSpan EndWithStopWindow = TimeSpan.FromMilliseconds(100);

        private readonly Stream _inner;
        private readonly CancellationToken _stop;
        private byte[] _buffer = Array.Empty<byte>();
        private bool _ended;
        private bool _closedAtStart;

        public StopableInput(Stream inner, CancellationToken stop)
        {
            _inner = inner;
            _stop = stop;
        }

        /// <summary>
        /// Standard input, stoppable; one that was closed when the process started (`hash &lt;&amp;-`) fails its first read
        /// instead of waiting for ever (a probe: `timeout 5 streamfiles hash &lt;&amp;-` ran out of time, where sha256sum
        /// says "Bad file descriptor" at once).
        /// </summary>
        public static Stream Standard(CancellationToken stop) =>
            !StandardDescriptor.WasOpenAtStart(0)
                ? new StopableInput(Stream.Null, stop) { _closedAtStart = true }
                : new StopableInput(Console.OpenStandardInput(), stop);

        /// <summary>
        /// The bytes left in standard input when it is a regular file (`hash &lt; file`): its size less the offset it is
        /// read from (Linux's /proc/self/fdinfo/0); null for a pipe, a terminal, or where it cannot be told.
        /// </summary>
        public static long? StandardLeft()
        {
            try
            {
                if (!OperatingSystem.IsLinux() || !(File.ResolveLinkTarget("/proc/self/fd/0", returnFinalTarget: true) is FileInfo file)
                    || !file.Exists || Core.Files.SpecialFile.KindOf(file.FullName) != null)
                {
                    return null;
                }

                foreach (string line in File.ReadLines("/proc/self/fdinfo/0"))
                {
                    if (line.StartsWith("pos:", StringComparison.Ordinal)
                        && long.TryParse(line.Substring(4).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long position))
                    {
                        return Math.Max(0, file.Length - position);
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // A hint only: without it the default part size stays.
            }

            return null;
        }

        /// <summary>
        /// Opens a named FIFO or device for reading (`hash &lt;(cmd)`, `base64 /dev/stdin`) as standard input is read: the
        /// open of a FIFO waits for a writer in the kernel, deaf to Ctrl+C and SIGTERM, so it runs on its own and a stop
        /// stops waiting for it (OperationCanceledException); the reads that follow are stoppable too.
        /// </summary>
        public static async Task<Stream> OpenAsync(string path, CancellationToken stop)
        {
            Stream opened = await Task.Run(() => (Stream)new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1), CancellationToken.None)
                .WaitAsync(stop).ConfigureAwait(false);
            return new StopableInput(opened, stop);
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_closedAtStart)
            {
                throw new IOException("standard input is closed: it was not open when streamfiles started.");
            }

            if (_buffer.Length < buffer.Length)
            {
                _buffer = new byte[buffer.Length];
            }

            byte[] own = _buffer;
            int wanted = buffer.Length;
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop);
            int read = await Task.Run(() => _inner.Read(own, 0, wanted), CancellationToken.None).WaitAsync(either.Token).ConfigureAwait(false);
            if (read == 0 && wanted > 0 && !_ended)
            {
                // Throws if a stop comes with the end of the input (see EndWithStopWindow); otherwise the end is real.
                await Task.Delay(EndWithStopWindow, _stop).ConfigureAwait(false);
                _ended = true;
            }

            own.AsMemory(0, read).CopyTo(buffer);
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
