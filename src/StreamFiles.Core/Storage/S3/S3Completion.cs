using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.S3.Model;

namespace StreamFiles.Core.Storage.S3
{
    /// <summary>
    /// Tab completion of s3:// locations: "s3://" or "s3://ba" lists buckets ("s3://bucket/"); "s3://bucket/pre"
    /// lists the prefixes ("s3://bucket/prefix/") and objects ("s3://bucket/key") one level below what was typed.
    /// It runs while someone waits at a prompt, so it must be quick and quiet: one request, one page, no SDK
    /// retries, an overall time limit, and any failure (no credentials, no network, access denied, no such
    /// bucket) is an empty answer, never an error or a line of output.
    /// </summary>
    public sealed class S3Completion
    {
        public const int DefaultLimit = 100;

        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

        private const string Scheme = "s3://";

        private static readonly IReadOnlyList<string> Nothing = Array.Empty<string>();

        private readonly S3ClientPool _pool;
        private readonly TimeSpan _timeout;
        private readonly int _limit;

        /// <param name="pool">The clients to use; default: a process-wide pool whose clients do not retry and give up on a request after the timeout.</param>
        /// <param name="timeout">The most one completion may take, credential lookup included.</param>
        /// <param name="limit">The most completions returned (one listing page).</param>
        public S3Completion(S3ClientPool? pool = null, TimeSpan? timeout = null, int limit = DefaultLimit)
        {
            if (timeout is TimeSpan t && t <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive.");
            }

            if (limit < 1 || limit > 1000)
            {
                throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must be between 1 and 1000 (one listing page).");
            }

            _pool = pool ?? QuietPool;
            _timeout = timeout ?? DefaultTimeout;
            _limit = limit;
        }

        // Kept for the process: completing the next word reuses the client and its warm connection. Declared before
        // Shared, whose constructor reads it: static initializers run in the order they are written (after Shared,
        // Shared got a null pool, and every completion failed quietly).
        private static S3ClientPool QuietPool { get; } = new S3ClientPool(maxConnectionsPerServer: 2, maxErrorRetry: 0, requestTimeout: DefaultTimeout);

        /// <summary>What the cmdlets' argument completers use.</summary>
        public static S3Completion Shared { get; } = new S3Completion();

        /// <summary>Whether a word is something this completes (it starts with s3://); other words are left to the host.</summary>
        public static bool IsS3Word(string? word) =>
            word != null && word.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

        /// <summary>The completions of a word, sorted; empty for a word that is not s3:// and on any failure or timeout. Never throws.</summary>
        public IReadOnlyList<string> Complete(string? word, S3Connection connection, CancellationToken cancellationToken = default)
        {
            try
            {
                return CompleteAsync(word, connection, cancellationToken).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                return Nothing;
            }
        }

        /// <summary>As Complete, for asynchronous callers. Never throws; cancellation is an empty answer.</summary>
        public async Task<IReadOnlyList<string>> CompleteAsync(string? word, S3Connection connection, CancellationToken cancellationToken = default)
        {
            if (!IsS3Word(word) || connection is null || cancellationToken.IsCancellationRequested)
            {
                return Nothing;
            }

            var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(_timeout);
            CancellationToken token = limit.Token;

            // On the thread pool because finding credentials is synchronous (files, then instance metadata over
            // the network); the wait below, which ends when the limit cancels, is what bounds it.
            Task<IReadOnlyList<string>> query = Task.Run(() => QueryAsync(word!.Substring(Scheme.Length), connection, token));
            try
            {
                Task finished = await Task.WhenAny(query, Task.Delay(Timeout.Infinite, token)).ConfigureAwait(false);
                return finished == query ? await query.ConfigureAwait(false) : Nothing;
            }
            catch (Exception)
            {
                return Nothing;
            }
            finally
            {
                // Stops the query (or the wait) still running; the source goes once the query has let go of it.
                limit.Cancel();
                if (query.IsCompleted)
                {
                    limit.Dispose();
                }
                else
                {
                    _ = query.ContinueWith(_ => limit.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }
        }

        private async Task<IReadOnlyList<string>> QueryAsync(string rest, S3Connection connection, CancellationToken cancellationToken)
        {
            try
            {
                S3Client client = _pool.Get(connection);
                int slash = rest.IndexOf('/');
                return slash < 0
                    ? await BucketsAsync(client, rest, cancellationToken).ConfigureAwait(false)
                    : await KeysAsync(client, rest.Substring(0, slash), rest.Substring(slash + 1), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                return Nothing;
            }
        }

        private async Task<IReadOnlyList<string>> BucketsAsync(S3Client client, string typed, CancellationToken cancellationToken)
        {
            ListBucketsResponse response = await client.Client.ListBucketsAsync(new ListBucketsRequest(), cancellationToken).ConfigureAwait(false);
            return (response.Buckets ?? new List<S3Bucket>())
                .Select(b => b.BucketName)
                .Where(name => !string.IsNullOrEmpty(name) && name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .OrderBy(name => name, StringComparer.Ordinal)
                .Take(_limit)
                .Select(name => Scheme + name + "/")
                .ToList();
        }

        private async Task<IReadOnlyList<string>> KeysAsync(S3Client client, string bucket, string typed, CancellationToken cancellationToken)
        {
            if (bucket.Length == 0)
            {
                return Nothing;
            }

            var request = new ListObjectsV2Request { BucketName = bucket, Prefix = typed, Delimiter = "/", MaxKeys = _limit };
            ListObjectsV2Response page = await client.Client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            IEnumerable<string> prefixes = page.CommonPrefixes ?? new List<string>();

            // A "folder" marker equal to what was typed ("dir/") would only complete the word to itself.
            IEnumerable<string> keys = (page.S3Objects ?? new List<S3Object>())
                .Select(o => o.Key)
                .Where(key => !string.IsNullOrEmpty(key) && !(key == typed && key.EndsWith("/", StringComparison.Ordinal)));

            // A key with a control character cannot be written as an s3:// location at all.
            return prefixes.Concat(keys)
                .Where(key => !key.Any(char.IsControl))
                .Distinct(StringComparer.Ordinal)
                .OrderBy(key => key, StringComparer.Ordinal)
                .Take(_limit)
                .Select(key => Scheme + bucket + "/" + key)
                .ToList();
        }
    }
}
