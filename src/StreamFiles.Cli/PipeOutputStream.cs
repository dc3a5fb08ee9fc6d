using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Cli
{
    /// <summary>
    /// Standard output that notices when its reader has gone (EPIPE: `streamfiles base64 big.iso | head`). The write
    /// still fails, which stops the work; Closed then tells the process to end quietly with 141, as coreutils do when
    /// SIGPIPE ends them, instead of reporting a write error nobody downstream asked about.
    /// </summary>
    internal sealed class PipeOutputStream : WriteOnlyStream
    {
        private readonly Stream _inner;
        private static int _closed;
        private static long _writingSince;

        public PipeOutputStream(Stream inner) => _inner = inner;

        /// <summary>
        /// How long the write in progress has waited (a reader that stopped reading leaves it blocked in the kernel,
        /// where no stop reaches it); zero when none is.
        /// </summary>
        public static TimeSpan Blocked
        {
            get
            {
                long since = Interlocked.Read(ref _writingSince);
                return since == 0 ? TimeSpan.Zero : System.Diagnostics.Stopwatch.GetElapsedTime(since);
            }
        }

        /// <summary>Whether a write found the reading end of standard output closed.</summary>
        public static bool Closed => Volatile.Read(ref _closed) != 0;

        /// <summary>EPIPE (32): the reading end of the pipe is closed.</summary>
        public static bool IsBrokenPipe(Exception? e)
        {
            for (; e != null; e = e.InnerException)
            {
                if (e is IOException && (e.HResult == 32 || e.Message.Contains("Broken pipe", StringComparison.Ordinal)))
                {
                    return true;
                }
            }

            return false;
        }

        public override void Write(byte[] buffer, int offset, int count) => Watch(() => _inner.Write(buffer, offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Interlocked.Exchange(ref _writingSince, System.Diagnostics.Stopwatch.GetTimestamp());
            try
            {
                _inner.Write(buffer);
            }
            catch (IOException e) when (Notice(e))
            {
                throw;
            }
            finally
            {
                Interlocked.Exchange(ref _writingSince, 0);
            }
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            try
            {
                await _inner.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (Notice(e))
            {
                throw;
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (Notice(e))
            {
                throw;
            }
        }

        public override void Flush() => Watch(_inner.Flush);

        private static void Watch(Action write)
        {
            Interlocked.Exchange(ref _writingSince, System.Diagnostics.Stopwatch.GetTimestamp());
            try
            {
                write();
            }
            catch (IOException e) when (Notice(e))
            {
                throw;
            }
            finally
            {
                Interlocked.Exchange(ref _writingSince, 0);
            }
        }

        /// <summary>Records a broken pipe; never catches (an exception filter that always answers false).</summary>
        private static bool Notice(IOException e)
        {
            if (IsBrokenPipe(e))
            {
                Interlocked.Exchange(ref _closed, 1);
            }

            return false;
        }
    }
}
