using System;
using System.Threading;

namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// Ends a read of a response body that brings no data for a while. A read blocked on a dead socket does not always
    /// notice cancellation, so the watchdog calls tearDown (disposing the response) when the time runs out; the reader
    /// then sees its read fail and asks Stalled whether that was why. Arm before each read, Disarm after it.
    /// </summary>
    internal sealed class StallWatchdog : IDisposable
    {
        private readonly CancellationTokenSource _timer = new CancellationTokenSource();
        private readonly CancellationTokenRegistration _onStall;
        private int _stalled;

        public StallWatchdog(TimeSpan timeout, Action tearDown)
        {
            Timeout = timeout;
            _onStall = _timer.Token.Register(() =>
            {
                Interlocked.Exchange(ref _stalled, 1);
                tearDown();
            });
        }

        public TimeSpan Timeout { get; }

        public bool Stalled => Volatile.Read(ref _stalled) != 0;

        public void Arm() => _timer.CancelAfter(Timeout);

        public void Disarm()
        {
            if (!Stalled)
            {
                _timer.CancelAfter(System.Threading.Timeout.Infinite);
            }
        }

        public void Dispose()
        {
            _onStall.Dispose();
            _timer.Dispose();
        }
    }
}
