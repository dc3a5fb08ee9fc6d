using System;
using System.Threading;

namespace StreamFiles.Core.Transfers
{
    /// <summary>
    /// A token for a request that a stop should not cut at once: it is cancelled a grace period after the stop, so a
    /// request already on its way can finish (the store may already have acted on it, or hold what a cut leaves).
    /// </summary>
    internal sealed class StopGrace : IDisposable
    {
        private readonly CancellationTokenSource _source = new CancellationTokenSource();
        private readonly CancellationTokenRegistration _registration;

        public StopGrace(CancellationToken stop, TimeSpan grace)
        {
            _registration = stop.Register(() => _source.CancelAfter(grace));
        }

        public CancellationToken Token => _source.Token;

        public void Dispose()
        {
            _registration.Dispose();
            _source.Dispose();
        }
    }
}
