using System;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Transfers
{
    /// <summary>
    /// Moves files between any two backends. One engine serves a whole batch: each call transfers one file,
    /// with up to Options.Concurrency parts in flight; the batch runner decides how many files run at once
    /// (ThrottleLimit); and every part of every file leases its buffer from the one MemoryBudget, which
    /// caps peak buffer memory whatever the number and size of the files.
    /// </summary>
    public sealed class TransferEngine
    {
        public TransferEngine(TransferOptions options, StorageRegistry storages)
        {
            Options = options ?? throw new ArgumentNullException(nameof(options));
            Storages = storages ?? throw new ArgumentNullException(nameof(storages));
            Budget = new MemoryBudget(options.MaxMemory, options.BufferSize);
        }

        public TransferOptions Options { get; }

        public StorageRegistry Storages { get; }

        public MemoryBudget Budget { get; }

        /// <summary>Where the engine's own notes go (a part being retried): the host's verbose stream; null for none.</summary>
        public Action<string>? Notes { get; set; }

        /// <summary>Where what the user should know of a file that was copied goes (the host's warnings); null: to Notes.</summary>
        public Action<string>? Warnings { get; set; }

        /// <summary>Set once a journal that would name an upload could not be written: the user is told once per run, not per file.</summary>
        internal int UnnamedUploadWarned;

        /// <summary>
        /// Transfers one file. Returns a Completed, Resumed or Skipped result; a failure throws
        /// CommandFailureException describing it (the partial destination is cleaned up first, or kept for
        /// Resume); cancellation throws OperationCanceledException and leaves resumable state with Resume.
        /// </summary>
        /// <summary>
        /// Only the SkipUnchanged comparison of a job whose destination exists (for -WhatIf, which must show the files
        /// a real run would skip as skipped): the reason the copy is unchanged, or null when it is not.
        /// </summary>
        public Task<string?> UnchangedReasonAsync(TransferJob job, CancellationToken cancellationToken) =>
            new FileTransfer(this, job ?? throw new ArgumentNullException(nameof(job)), new ByteCounter()).UnchangedReasonAsync(cancellationToken);

        /// <summary>
        /// For a job that will write nothing (Skipped, or refused because its destination exists): clears an upload a
        /// killed run of the same transfer left on the store, unless it holds parts to resume and keepResumable.
        /// </summary>
        public Task ClearLeftoverAsync(TransferJob job, bool keepResumable, CancellationToken cancellationToken) =>
            new FileTransfer(this, job ?? throw new ArgumentNullException(nameof(job)), new ByteCounter()).ClearLeftoverAsync(keepResumable, cancellationToken);

        /// <summary>
        /// With Resume, for a destination that exists: the reason to skip it when it is the object a killed run of this
        /// transfer completed before it could remove its journal (the journal is then removed unless tidy is false); null otherwise.
        /// </summary>
        public Task<string?> FinishedEarlierAsync(TransferJob job, bool tidy, CancellationToken cancellationToken) =>
            new FileTransfer(this, job ?? throw new ArgumentNullException(nameof(job)), new ByteCounter()).FinishedEarlierAsync(tidy, cancellationToken);

        public async Task<TransferResult> TransferAsync(TransferJob job, ByteCounter? progress, CancellationToken cancellationToken)
        {
            if (job is null)
            {
                throw new ArgumentNullException(nameof(job));
            }

            var transfer = new FileTransfer(this, job, progress ?? new ByteCounter());
            Interlocked.Increment(ref _inFlight);
            try
            {
                return await transfer.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (CommandFailureException e) when (e.Result is null)
            {
                throw new CommandFailureException(e.Error, transfer.FailedResult(e.Error));
            }
            catch (CommandFailureException)
            {
                throw;
            }
            catch (Exception e)
            {
                CommandError error = TransferErrors.Describe(e, job.Source.Location.Display, job.Destination.Display);
                throw new CommandFailureException(error, transfer.FailedResult(error));
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        private static int _inFlight;

        /// <summary>
        /// Transfers of this process still running, their cleanup (a .partial removed, an upload aborted) included: a
        /// host that must end while its output is stuck waits for none to be left first.
        /// </summary>
        public static int InFlight => Volatile.Read(ref _inFlight);

        /// <summary>Hashes a whole object with the engine's algorithm, reading parts in parallel (SkipUnchanged, Verify).</summary>
        public Task<string> HashAsync(ObjectInfo info, CancellationToken cancellationToken) =>
            new FileTransfer(this, new TransferJob(info, info.Location, null), new ByteCounter()).HashObjectAsync(info, cancellationToken);
    }
}
