using System;
using System.Threading;

namespace StreamFiles.Core.Transfers
{
    /// <summary>
    /// Lets a backend's own request retries (the HTTP transport's, on 503 or Retry-After) count in the Attempts of the
    /// file whose transfer made the request. The transfer sets the counter for its own flow of execution; requests
    /// made outside a transfer count nowhere.
    /// </summary>
    internal static class RequestRetries
    {
        private static readonly AsyncLocal<Action?> CurrentCounter = new AsyncLocal<Action?>();

        /// <summary>Called by the transfer of one file, for everything it runs from then on.</summary>
        public static void CountInto(Action? retried) => CurrentCounter.Value = retried;

        /// <summary>A request is about to be sent again.</summary>
        public static void Retrying() => CurrentCounter.Value?.Invoke();
    }
}
