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

        public static Task<T> RunAsync<T>(Func<Task<T>> request, CancellationToken cancellationToken) =>
            RunAsync(_ => request(), null, 0, cancellationToken);

        /// <summary>The tries of a small request that may go unanswered before the endpoint is given up as silent.</summary>
        internal const int SilentAttempts = 2;

        /// <summary>
        /// As RunAsync, for a request with a small answer (a HEAD, a listing): each try gets the client's AnswerTimeout,
        /// the SDK's own tries included, and after SilentAttempts tries without an answer the endpoint is given up
        /// (TimeoutException, which S3Errors calls S3EndpointUnreachable). Without it, an endpoint that took the
        /// connection and never answered held the run for the SDK's five-minute timeout, each of its tries (a probe).
        /// </summary>
        public static Task<T> RunAsync<T>(S3Client client, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken, int silentAttempts = SilentAttempts) =>
            RunAsync(request, client.AnswerTimeout, silentAttempts, cancellationToken);

        /// <summary>The tries of either kind; answerWithin null: a try takes as long as the SDK lets it.</summary>
        internal static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> request, TimeSpan? answerWithin, int silentAttempts, CancellationToken cancellationToken)
        {
            int silent = 0;
            for (int attempt = 1; ; attempt++)
            {
                using var answer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                if (answerWithin is TimeSpan limit)
                {
                    answer.CancelAfter(limit);
                }

                try
                {
                    return await request(answer.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (answerWithin.HasValue && !cancellationToken.IsCancellationRequested && answer.IsCancellationRequested)
                {
                    if (++silent >= silentAttempts)
                    {
                        throw new TimeoutException(string.Format(System.Globalization.CultureInfo.InvariantCulture, "no answer within {0:0.#} s, {1} times", answerWithin.Value.TotalSeconds, silent));
                    }
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
