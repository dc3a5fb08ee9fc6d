using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// Retries for a request the engine cannot retry as a part (a HEAD of the source or the destination, starting,
    /// completing or checking a multipart upload), beyond the SDK's few: a store shedding load for a few seconds
    /// (SlowDown, 503) or a response lost on the way back would otherwise fail a file that was about to succeed.
    /// </summary>
    internal static class S3StoreRetry
    {
        /// <summary>Tries in all, with a backoff of 0.25 s times the square of the try so far (about 14 s in total).</summary>
        internal const int Attempts = 6;

        public static async Task<T> RunAsync<T>(Func<Task<T>> request, CancellationToken cancellationToken)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return await request().ConfigureAwait(false);
                }
                catch (Exception e) when (attempt < Attempts && S3Errors.IsTransient(e) && !Unreachable(e) && !cancellationToken.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt * attempt), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        /// <summary>
        /// No connection at all (refused, no such host, no route): the SDK's own retries have already said so, and
        /// waiting longer would only delay the S3EndpointUnreachable error a user can act on.
        /// </summary>
        private static bool Unreachable(Exception exception)
        {
            for (Exception? e = exception; e != null; e = e.InnerException)
            {
                if (e is SocketException socket && (socket.SocketErrorCode == SocketError.ConnectionRefused || socket.SocketErrorCode == SocketError.HostNotFound
                    || socket.SocketErrorCode == SocketError.HostUnreachable || socket.SocketErrorCode == SocketError.NetworkUnreachable || socket.SocketErrorCode == SocketError.TryAgain
                    || socket.SocketErrorCode == SocketError.NoData))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
