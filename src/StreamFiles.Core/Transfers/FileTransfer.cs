using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;
using StreamFiles.Core.Resume;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Transfers
{
    /// <summary>
    /// The transfer of one file: the mechanism that carries out a TransferPlan. Parts run as chunk workers,
    /// at most Concurrency at once, each with one leased buffer; the first failed part stops the others, the
    /// partial destination is removed (or kept for Resume) and the failure names the part.
    /// </summary>
    internal sealed class FileTransfer
    {
        private static readonly TimeSpan JournalInterval = TimeSpan.FromMilliseconds(250);
        private static readonly TimeSpan ModifyWindow = TimeSpan.FromSeconds(1);

        /// <summary>Bytes per kernel copy when no byte needs to pass through the engine (a few calls per part).</summary>
        private const int DirectCopyChunk = 8 * 1024 * 1024;

        /// <summary>
        /// How far past the part it is reading the ordered hasher that follows a download keeps the written bytes in the
        /// page cache: the ranges are written side by side, and what lies further ahead is left to the drop-behind.
        /// </summary>
        private const long FollowWindow = 256L * 1024 * 1024;

        private readonly TransferEngine _engine;
        private readonly TransferOptions _options;
        private TransferJob _job;
        private readonly ByteCounter _progress;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly object _journalGate = new object();
        private IStorage? _sourceStorage;
        private IStorage? _destinationStorage;
        private IDurableWriter? _durableWriter;
        private int _attempts = 1;

        /// <summary>How long a part upload already on its way may go on after a stop (see UploadPartsAsync).</summary>
        private static readonly TimeSpan PartStopGrace = TimeSpan.FromSeconds(5);

        /// <summary>How long the abort of a stopped upload may take before the process ends without it.</summary>
        private static readonly TimeSpan AbortAfterStopLimit = TimeSpan.FromSeconds(10);
        private long _transferred;

        /// <summary>
        /// The destination took the whole file in one request (a single PUT to S3 or a URL), which stores it as it is
        /// sent, with no commit after it: a source found changed from here on is no longer "nothing written".
        /// </summary>
        private volatile bool _storedWhole;

        /// <summary>The plan of the copy once made, for the result of a copy that fails after it.</summary>
        private TransferPlan? _plan;

        /// <summary>The source's reader as the backend made it (the copy may read through a wrapper).</summary>
        private IObjectReader? _sourceReader;
        private TimeSpan _lastJournalSave = TimeSpan.MinValue;

        public FileTransfer(TransferEngine engine, TransferJob job, ByteCounter progress)
        {
            _engine = engine;
            _options = engine.Options;
            _job = job;
            _progress = progress;
            _attempts = 1 + Math.Max(0, job.LookupRetries);
        }

        private string SourceDisplay => _job.Source.Location.Display;

        private string DestinationDisplay => _job.Destination.Display;

        /// <summary>The SkipUnchanged comparison alone (see TransferEngine.UnchangedReasonAsync).</summary>
        public async Task<string?> UnchangedReasonAsync(CancellationToken cancellationToken)
        {
            if (!(_job.ExistingDestination is { IsContainer: false } existing))
            {
                return null;
            }

            _sourceStorage = _engine.Storages.Resolve<IReadableStorage>(_job.Source.Location, "as a source");
            _destinationStorage = _engine.Storages.Resolve<IWritableStorage>(_job.Destination, "as a destination");
            return (await UnchangedAsync((IReadableStorage)_sourceStorage, existing, cancellationToken).ConfigureAwait(false)).Reason;
        }

        public async Task<TransferResult> RunAsync(CancellationToken cancellationToken)
        {
            // A backend that retries a request itself (HTTP on 503 or Retry-After) counts it in this file's Attempts.
            RequestRetries.CountInto(() => Interlocked.Increment(ref _attempts));
            ObjectInfo source = _job.Source;
            var sourceStorage = _engine.Storages.Resolve<IReadableStorage>(source.Location, "as a source");
            var destinationStorage = _engine.Storages.Resolve<IWritableStorage>(_job.Destination, "as a destination");
            _sourceStorage = sourceStorage;
            _destinationStorage = destinationStorage;

            if (source.Location is FileLocation && !source.IsContainer)
            {
                // A file described when its directory was listed, or while it waited behind others for a slot, may have
                // changed since: it is copied as it is when its copy starts, as cp and Copy-Item do (a probe: such files
                // failed SourceChanged, "changed while it was being copied", before a byte of them was read).
                ObjectInfo? now;
                try
                {
                    now = await sourceStorage.StatAsync(source.Location, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (TransferErrors.Mark(e, writing: false))
                {
                    throw;
                }

                if (now != null && !now.IsContainer && !source.SameVersionAs(now))
                {
                    _job = new TransferJob(now, _job.Destination, _job.ExistingDestination, _job.DestinationLooked) { LookupRetries = _job.LookupRetries };
                    source = now;
                }
            }

            if (_options.SkipUnchanged && _job.ExistingDestination is { IsContainer: false } existing)
            {
                (string? reason, string? hash) = await UnchangedAsync(sourceStorage, existing, cancellationToken).ConfigureAwait(false);
                if (reason != null)
                {
                    await ClearLeftoverAsync(keepResumable: false, cancellationToken).ConfigureAwait(false);
                    return Result(TransferStatus.Skipped, source.Length ?? 0, hash, reason);
                }

                if (!_options.Overwrite)
                {
                    await ClearLeftoverAsync(keepResumable: true, cancellationToken).ConfigureAwait(false);
                    throw new DestinationExistsException(DestinationDisplay, why: " and differs in content");
                }
            }

            IObjectReader reader;
            try
            {
                reader = await sourceStorage.OpenReadAsync(source, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (TransferErrors.Mark(e, writing: false))
            {
                throw;
            }

            using (reader)
            {
                long? partSize = _options.PartSize ?? (reader as IPartAlignedReader)?.PreferredPartSize;
                TransferPlan plan = TransferPlan.Plan(source.Length, partSize, destinationStorage.PartLimits, reader.SupportsRanges);
                _plan = plan;
                _sourceReader = reader;
                IObjectReader partReader = plan.Sequential ? new SequentialReader(reader, SourceDisplay, _engine.Budget.BufferSize) : reader;
                return await CopyAsync(partReader, destinationStorage, plan, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<TransferResult> CopyAsync(IObjectReader reader, IWritableStorage destinationStorage, TransferPlan plan, CancellationToken cancellationToken)
        {
            ObjectInfo source = _job.Source;
            bool journaled = _options.Resume && plan.PartCount > 1 && plan.Length.HasValue && !plan.Sequential;
            string journalPath = ResumeJournal.PathFor(_job.Destination);

            // Two runs sending one object in parts would share its journal: the second would continue the first's upload
            // (with -Resume) or abort it (without), and the first fail on the journal's temporary file with a read error.
            // A copy in one request has no journal of its own, but one left by a killed run of the same transfer in parts
            // names what that run left (an S3 multipart upload, a .partial's parts): it is cleared up here too.
            bool staleJournal = plan.PartCount <= 1 && File.Exists(journalPath);
            using FileStream? busy = (plan.PartCount > 1 || staleJournal) && !(_job.Destination is FileLocation) ? HoldTransfer(journalPath) : null;
            ResumeJournal? previous = null;
            string? abandoned = null;
            SourceFingerprint? fingerprint = null;
            // A store that starts uploads (S3's multipart) gets each new one named in a journal as soon as its id is
            // known (WriteRequest.UploadStarted), so the fingerprint that journal carries is taken before the upload
            // is started, not in the window after it.
            bool namesUploads = plan.PartCount > 1 && plan.Length.HasValue && !plan.Sequential && destinationStorage is IAbandonedUploads;
            if (journaled || namesUploads)
            {
                fingerprint = await FingerprintAsync(reader, cancellationToken).ConfigureAwait(false);
            }

            if (journaled)
            {
                previous = ResumeJournal.TryLoad(journalPath, out _);
                string? mismatch = previous?.Mismatch(fingerprint!, plan.PartSize, plan.PartCount, _options.Checksum);
                if (mismatch != null)
                {
                    _engine.Notes?.Invoke($"'{SourceDisplay}' -> '{DestinationDisplay}': starting over instead of resuming, because {mismatch}.");
                    abandoned = previous!.ResumeToken;
                    previous = null;
                }
            }

            bool dropJournal = previous is null && (plan.PartCount > 1 || staleJournal);
            if (dropJournal)
            {
                // A journal from another run would describe a .partial this run is about to recreate. What it names
                // elsewhere (an S3 multipart upload of a killed -Resume run) goes with it, or nothing would remember it.
                abandoned ??= journaled ? null : ResumeJournal.TryLoad(journalPath, out _)?.ResumeToken;
            }

            string partAlgorithm = TransferIntegrity.PartAlgorithmFor(_options.Checksum).ToString();
            bool uploadNamed = false;
            var request = new WriteRequest(_job.Destination, source, plan, _options.Overwrite, previous != null, previous?.ResumeToken)
            {
                AbandonedToken = abandoned,
                SeenAbsent = _job.DestinationLooked && _job.ExistingDestination is null,
            };
            if (namesUploads)
            {
                // A process killed between the store's answer to CreateMultipartUpload and the first journal write
                // left an upload no rerun could find (a probe hit that window ~10 times in timed kills, when it held a
                // ListMultipartUploads and the fingerprint's reads). The journal is now written before any other
                // request; with -Resume it is rewritten with its parts below, as before.
                request.UploadStarted = uploadId => uploadNamed = NameTheUpload(uploadId, fingerprint!, plan, partAlgorithm, journalPath, warn: !journaled);

                // A stop in the moment after that: the writer removed the upload itself, and a journal naming it would
                // stay behind in the state directory for nothing (a probe: 9 in 10 such stops left one).
                request.UploadRemoved = () =>
                {
                    if (uploadNamed)
                    {
                        try
                        {
                            ResumeJournal.Delete(journalPath);
                            uploadNamed = false;
                        }
                        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                        {
                            // Left: the next run of this transfer finds no such upload and starts anew.
                        }
                    }
                };
            }

            IObjectWriter writer;
            try
            {
                writer = await destinationStorage.OpenWriterAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (TransferErrors.Mark(e, writing: true))
            {
                throw;
            }

            if (dropJournal && !uploadNamed)
            {
                // Only now that this run holds the destination (its .partial, or the S3 lock): a run that cannot open
                // it, because another run is writing it, must not delete that run's journal on its way out.
                ResumeJournal.Delete(journalPath);
            }

            using (writer)
            {
                _durableWriter = writer as IDurableWriter;
                ResumeJournal? journal = null;
                bool committed = false;
                try
                {
                    using var integrity = new TransferIntegrity(_options.Checksum, plan);
                    IReadOnlyList<PartReceipt> done = Array.Empty<PartReceipt>();
                    if (previous != null)
                    {
                        done = await writer.ConfirmPartsAsync(previous.Parts.Where(p => p.Checksum != null && p.Number <= plan.PartCount).ToList(), cancellationToken).ConfigureAwait(false);
                        if (done.Count > 0 && writer is IReadBackWriter readBack)
                        {
                            done = await ValidatePartsAsync(readBack, done, integrity, cancellationToken).ConfigureAwait(false);
                        }

                        if (done.Count > 0 && _options.Verify && source.Location is FileLocation)
                        {
                            // -Verify promises the copy is the source as it is now. The journal's parts passed the
                            // fingerprint (size, time, first and last bytes), which an edit in place that keeps the
                            // size and time passes too (a probe: "verified", with the old bytes kept); read locally,
                            // each is checked against the source, and one that changed is sent again.
                            int journaledParts = done.Count;
                            done = await ValidatePartsAsync(reader, done, integrity, cancellationToken).ConfigureAwait(false);
                            if (done.Count < journaledParts)
                            {
                                _engine.Notes?.Invoke($"'{SourceDisplay}' -> '{DestinationDisplay}': {journaledParts - done.Count} of the {journaledParts} parts copied before changed in the source since; they are copied again.");
                            }
                        }
                    }

                    if (journaled)
                    {
                        journal = new ResumeJournal(source.Location.Display, fingerprint!, plan.PartSize, plan.PartCount, _options.Checksum, partAlgorithm, writer.ResumeToken, done);
                        try
                        {
                            SaveJournal(journal, journalPath, force: true);
                        }
                        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                        {
                            // Nothing would name the upload for a rerun: it is aborted below, not kept for a resume
                            // that could never find it (a probe's unusable STREAMFILES_STATE_DIR left it, as SourceNotFound).
                            journal = null;
                            throw new CommandFailureException(TransferErrors.JournalUnwritable(SourceDisplay, DestinationDisplay, journalPath, _job.Destination is FileLocation, e));
                        }
                    }

                    var receipts = new PartReceipt?[plan.PartCount];
                    foreach (PartReceipt part in done)
                    {
                        receipts[part.Number - 1] = part;
                        _progress.Add(part.Length);
                        if (!integrity.IsOrdered)
                        {
                            integrity.AddCompletedPart(part);
                        }
                    }

                    if (writer is IPositionalWriter positional)
                    {
                        await WritePositionalAsync(reader, positional, writer as IReadBackWriter, plan, integrity, receipts, journal, journalPath, cancellationToken).ConfigureAwait(false);
                    }
                    else if (writer is IPartUploader uploader)
                    {
                        await UploadPartsAsync(reader, uploader, plan, integrity, receipts, journal, journalPath, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        throw new NotSupportedException($"The {destinationStorage.Name} backend's writer takes neither positional writes nor parts.");
                    }

                    await CheckSourceUnchangedAsync(cancellationToken).ConfigureAwait(false);
                    if (_sourceReader is ILayoutRecheck recheck && recheck.NeedsRecheck)
                    {
                        // The store's digest did not match under the part size StreamFiles' metadata gave (which a copy
                        // that cut the object anew can carry) or under the one guessed: the copy as written decides,
                        // before it gets its name.
                        using (IObjectReader? copy = writer is IReadBackWriter written ? await written.OpenReadBackAsync(cancellationToken).ConfigureAwait(false) : null)
                        {
                            await recheck.RecheckAsync(copy, cancellationToken).ConfigureAwait(false);
                        }

                        if (recheck.Unchecked is string why)
                        {
                            (_engine.Warnings ?? _engine.Notes)?.Invoke(why);
                        }
                    }

                    string hash = integrity.FinishWhole();
                    long length = receipts.Sum(r => r!.Length);
                    bool verified = false;
                    if (_options.Verify && writer is IReadBackWriter verifiable)
                    {
                        await VerifyAsync(await verifiable.OpenReadBackAsync(cancellationToken).ConfigureAwait(false), length, plan.PartSize, hash, cancellationToken).ConfigureAwait(false);
                        verified = true;
                    }

                    // A stop that comes once the commit is asked for lets it finish (a few seconds at most), as a part on
                    // its way may: cut, an S3 CompleteMultipartUpload can still complete the object on the store while
                    // the run reports the file interrupted, and the abort that follows finds no upload.
                    cancellationToken.ThrowIfCancellationRequested();
                    if (journal != null && !(_job.Destination is FileLocation))
                    {
                        // Every part listed before the store is asked to complete: a run killed after the store did so,
                        // and before the journal is removed, leaves a journal from which a rerun with -Resume tells
                        // the object under the key for this transfer's (FinishedEarlierAsync).
                        try
                        {
                            SaveJournal(journal, journalPath, force: true);
                        }
                        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                        {
                            // The last journal saved stays; such a rerun is then told DestinationExists, as before.
                        }
                    }

                    try
                    {
                        using var grace = new StopGrace(cancellationToken, PartStopGrace);
                        await writer.CommitAsync(receipts.Select(r => r!).ToList(), grace.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (TransferErrors.Mark(e, writing: true))
                    {
                        throw;
                    }

                    committed = true;
                    if (journaled || uploadNamed)
                    {
                        ResumeJournal.Delete(journalPath);
                    }

                    // A PUT URL cannot be read back (the hosts warn of it): the server's own check of Content-MD5 or
                    // x-amz-checksum-sha256 (-UploadChecksum) is what verifies such an upload.
                    if (_options.Verify && !verified && _job.Destination.Kind != LocationKind.Http)
                    {
                        await VerifyCommittedAsync(length, plan.PartSize, hash, cancellationToken).ConfigureAwait(false);
                        verified = true;
                    }

                    bool resumed = done.Count > 0 || receipts.Any(r => r!.FoundStored);
                    return Result(resumed ? TransferStatus.Resumed : TransferStatus.Completed, length, hash, null, plan, verified);
                }
                catch (Exception e) when (!committed)
                {
                    Exception root = e is PartFailedException part ? part.InnerException ?? e : e;
                    bool keep = journal != null
                        && !(root is SourceChangedException)
                        && !(root is VerifyFailedException)
                        && !(root is DestinationExistsException);
                    if (keep)
                    {
                        try
                        {
                            SaveJournal(journal!, journalPath, force: true);
                        }
                        catch (Exception saving) when (saving is IOException || saving is UnauthorizedAccessException)
                        {
                            // The data could not be flushed (or the journal written): the last journal saved stays, and
                            // it lists only parts that were on disk. The failure being reported is the one that matters.
                        }
                    }

                    // After a stop the cleanup gets a few seconds, not forever: a store can hold an abort until a part
                    // cut at the moment of the stop times out (Ceph RGW: about a minute), and a stopped process must end.
                    bool abortGaveUp = false;
                    using (var cleanup = cancellationToken.IsCancellationRequested ? new CancellationTokenSource(AbortAfterStopLimit) : null)
                    {
                        try
                        {
                            await writer.AbortAsync(keep, cleanup?.Token ?? CancellationToken.None).ConfigureAwait(false);
                        }
                        catch (Exception aborting)
                        {
                            // The failure reported stays the transfer's own. The journal stays and names the upload, so
                            // the next run of this transfer aborts it; until then the store's lifecycle rule for
                            // incomplete multipart uploads applies.
                            abortGaveUp = true;
                            string why = aborting is OperationCanceledException ? "no answer in time" : UriRedaction.RedactText(aborting.Message).TrimEnd('.');

                            // A warning, not a verbose line: an upload left on the store is billed until it is removed
                            // (a probe: nothing on stderr said it was there).
                            (_engine.Warnings ?? _engine.Notes)?.Invoke(string.IsNullOrEmpty(writer.ResumeToken)
                                ? $"'{SourceDisplay}' -> '{DestinationDisplay}': what was written could not be removed ({why})."
                                : $"'{SourceDisplay}' -> '{DestinationDisplay}': the unfinished upload could not be removed ({why}); the next run of this transfer removes it.");
                        }
                    }

                    if (!keep && (journaled || uploadNamed) && !abortGaveUp)
                    {
                        ResumeJournal.Delete(journalPath);
                    }

                    throw;
                }
            }
        }

        /// <summary>Copies the parts not done yet into a positional writer, reading the source by ranges.</summary>
        private async Task WritePositionalAsync(
            IObjectReader reader,
            IPositionalWriter writer,
            IReadBackWriter? readBack,
            TransferPlan plan,
            TransferIntegrity integrity,
            PartReceipt?[] receipts,
            ResumeJournal? journal,
            string journalPath,
            CancellationToken cancellationToken)
        {
            // An ordered hasher (SHA-256, MD5…) must see every byte in order. Fed by the parts, it would make each
            // part wait for its turn with its buffer, which serialises reading, hashing and writing on one core. A
            // local source is cheap to read twice (page cache), so the hasher gets its own front-to-back pass there,
            // in parallel with the copy; the parts keep only their CRCs.
            bool ownPass = integrity.IsOrdered && plan.PartCount > 1 && reader is ILocalReader;

            // A remote source (S3, HTTP) is not read twice: the hasher follows the download instead, reading each part
            // back from the partial file as soon as it and every part before it are written (from the page cache as a
            // rule). Fed by the parts, it kept one range going at a time: a 1 GiB S3 download with SHA256 took 8.7-9.3 s
            // and 3.4-3.7 s of user CPU, as the ETag's MD5s then ran one lane.
            // It also takes in the parts an earlier run wrote, which are in the partial file too.
            // Not on a network share, where reading back moves the bytes again: there the parts feed the hasher in
            // turn, unless an earlier run wrote some of them (the hasher then reads the whole file back).
            bool resumed = receipts.Any(r => r != null);
            bool follow = integrity.IsOrdered && !ownPass && readBack != null && (resumed || (plan.PartCount > 1 && readBack.ReadBackIsLocal));
            if (integrity.IsOrdered && !ownPass && resumed && readBack is null)
            {
                throw new NotSupportedException("The destination cannot be read back to re-hash the parts an earlier run copied; run again without -Resume.");
            }

            // A reader that checks its object's parts by MD5 (the S3 ETag) leaves that to a hasher that reads the parts
            // back too, many side by side (ReadBackPartsMd5): in flight the uneven ranges kept the MD5 kernel's lanes
            // mostly empty, and the check cost about a second of CPU per GiB, more than the rest of the download.
            Action<long, long>? wrote = null;
#if NET8_0_OR_GREATER
            WrittenParts? objectParts = null;
            // ReadBackIsLocal (a statfs) is asked only of downloads that have a check to hand over, not of every file.
            if (readBack != null && plan.Length is long total && ReadBackPartsMd5.Suits && reader is IDeferredPartCheck deferred
                && readBack.ReadBackIsLocal && deferred.HandOverPartMd5s(plan.PartSize) is long objectPartSize)
            {
                objectParts = new WrittenParts(total, objectPartSize);
                wrote = objectParts.Wrote;
            }
#endif

            TaskCompletionSource<bool>[]? written = follow
                ? Enumerable.Range(0, plan.PartCount).Select(_ => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray()
                : null;
            foreach (PartReceipt? receipt in receipts)
            {
                if (receipt != null)
                {
                    // Written by an earlier run.
                    written?[receipt.Number - 1].TrySetResult(true);
                    wrote?.Invoke(receipt.Offset, receipt.Length);
                }
            }

            // The readers that follow the writes say so before the first write, so the drop-behind keeps what they need.
            IReadBackCursor? followed = follow ? readBack!.FollowWrites(FollowWindow) : null;
            IReadBackCursor? checkedParts = null;
#if NET8_0_OR_GREATER
            checkedParts = objectParts != null ? readBack!.FollowWrites() : null;
#endif

            Task wholeHash = Task.CompletedTask;
            Task partsMd5 = Task.CompletedTask;
            using var stopHashing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var stopParts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bool hashFailed = false;

            // A hasher that fails (a read-back error, or the ETag check) stops the parts: its failure is the one to report.
            async Task Hasher(Func<Task> run)
            {
                try
                {
                    await run().ConfigureAwait(false);
                }
                catch (Exception) when (!stopHashing.IsCancellationRequested)
                {
                    Volatile.Write(ref hashFailed, true);
                    stopParts.Cancel();
                    throw;
                }
            }

            if (ownPass)
            {
                wholeHash = Task.Run(() => HashInOrderAsync(reader, plan, integrity, stopHashing.Token));
            }
            else if (follow)
            {
                wholeHash = Task.Run(() => Hasher(() => FollowInOrderAsync(readBack!, followed!, plan, integrity, written!, stopHashing.Token)));
            }

#if NET8_0_OR_GREATER
            if (objectParts != null)
            {
                partsMd5 = Task.Run(() => Hasher(() => CheckPartsMd5Async(readBack!, checkedParts!, (IDeferredPartCheck)reader, plan, objectParts, stopHashing.Token)));
            }
#endif

            try
            {
                var parts = Enumerable.Range(1, plan.PartCount)
                    .Where(n => receipts[n - 1] is null)
                    .Select(plan.Part)
                    .ToList();
                try
                {
                    await RunPartsAsync(plan, parts, Copy, stopParts.Token).ConfigureAwait(false);
                }
                catch (Exception) when (Volatile.Read(ref hashFailed))
                {
                    // The parts stopped because a hasher failed: its exception follows.
                }

                await wholeHash.ConfigureAwait(false);
                await partsMd5.ConfigureAwait(false);
            }
            finally
            {
                stopHashing.Cancel();
                await SafeWait(wholeHash).ConfigureAwait(false);
                await SafeWait(partsMd5).ConfigureAwait(false);
                followed?.Dispose();
                checkedParts?.Dispose();
            }

            async Task Copy(PartSpec part, MemoryBudget.Lease lease, CancellationToken token)
            {
                TransferIntegrity.PartHash hash = integrity.StartPart(part);

                // With the hasher on its own pass and no journal to keep part CRCs for, nothing needs the bytes in
                // this process: the backend may copy them file to file (copy_file_range) without a read.
                bool partCrc = !ownPass || journal != null;
                long length = await PumpAsync(reader, writer, part, lease, hash, token, feedWhole: !ownPass && !follow, hashPart: partCrc, wrote: wrote).ConfigureAwait(false);
                var receipt = new PartReceipt(part.Number, part.Offset, length, partCrc ? hash.Complete() : null);
                receipts[part.Number - 1] = receipt;
                written?[part.Number - 1].TrySetResult(true);
                if (journal != null)
                {
                    journal.Record(receipt);
                    SaveJournal(journal, journalPath, force: false);
                }

                await CheckLocalSourceAfterPartAsync(token).ConfigureAwait(false);
            }
        }

        /// <summary>Hands the parts not done yet to a part uploader as re-readable windows on the source.</summary>
        private async Task UploadPartsAsync(
            IObjectReader reader,
            IPartUploader uploader,
            TransferPlan plan,
            TransferIntegrity integrity,
            PartReceipt?[] receipts,
            ResumeJournal? journal,
            string journalPath,
            CancellationToken cancellationToken)
        {
            // A backend reads a part's stream at its own pace and may read it twice, so an ordered hasher cannot
            // ride along: it gets its own front-to-back read of the source (for files, from the page cache).
            Task wholeHash = Task.CompletedTask;
            using var stopHashing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (integrity.IsOrdered)
            {
                wholeHash = Task.Run(() => HashInOrderAsync(reader, plan, integrity, stopHashing.Token));
            }

            try
            {
                var parts = Enumerable.Range(1, plan.PartCount).Where(n => receipts[n - 1] is null).Select(plan.Part).ToList();
                await RunPartsAsync(plan, parts, async (part, lease, token) =>
                {
                    TransferIntegrity.PartHash hash = integrity.StartPart(part);
                    long counted = 0;
                    var content = new PartContent(part, async openToken =>
                    {
                        hash.Reset();
                        _progress.Add(-Interlocked.Exchange(ref counted, 0));
                        Stream window;
                        try
                        {
                            window = await reader.OpenRangeAsync(part.Offset, part.Length < 0 ? (long?)null : part.Length, openToken).ConfigureAwait(false);
                        }
                        catch (Exception e) when (TransferErrors.Mark(e, writing: false))
                        {
                            throw;
                        }

                        return new HashingStream(window, hash, n =>
                        {
                            Interlocked.Add(ref counted, n);
                            _progress.Add(n);
                        });
                    }, CheckSourceUnchangedAsync);

                    PartReceipt accepted = await WithRetriesAsync(async () =>
                    {
                        // A stop lets a part already on its way finish (for a few seconds at most) instead of
                        // cutting its request: a store may hold a cut part's upload open until its own timeout (Ceph
                        // RGW: about a minute), and the abort that follows a stop waits for it all that time. A file
                        // sent in one request is cut at once: there is no abort to wait for, and a request let finish
                        // stored the whole file while the run said it was interrupted (a probe, with a PUT URL and with
                        // a single PutObject, and the stop took up to 3 s).
                        using var grace = !plan.IsSingleRequest ? new StopGrace(token, PartStopGrace) : null;
                        try
                        {
                            return await uploader.UploadPartAsync(content, grace?.Token ?? token).ConfigureAwait(false);
                        }
                        catch (Exception e) when (TransferErrors.Mark(e, writing: true))
                        {
                            throw;
                        }
                    }, token, "uploading " + part).ConfigureAwait(false);
                    if (part.Length >= 0 && hash.Length != part.Length)
                    {
                        throw new SourceChangedException(SourceDisplay, $"part {part.Number} ended after {hash.Length} of {part.Length} bytes");
                    }

                    if (!accepted.FoundStored)
                    {
                        Interlocked.Add(ref _transferred, hash.Length);
                    }

                    var receipt = new PartReceipt(part.Number, part.Offset, hash.Length, hash.Complete(), accepted.Tag, accepted.FoundStored);
                    _storedWhole = plan.IsSingleRequest;
                    receipts[part.Number - 1] = receipt;
                    if (journal != null)
                    {
                        journal.Record(receipt);
                        SaveJournal(journal, journalPath, force: false);
                    }

                    await CheckLocalSourceAfterPartAsync(token).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
                await wholeHash.ConfigureAwait(false);
            }
            finally
            {
                stopHashing.Cancel();
                await SafeWait(wholeHash).ConfigureAwait(false);
            }
        }

#if NET8_0_OR_GREATER
        /// <summary>Hands the reader the MD5 of each of its object's parts, read back from the partial file once written (ReadBackPartsMd5).</summary>
        private static async Task CheckPartsMd5Async(IReadBackWriter readBack, IReadBackCursor cursor, IDeferredPartCheck check, TransferPlan plan, WrittenParts written, CancellationToken cancellationToken)
        {
            using IObjectReader partial = await readBack.OpenReadBackAsync(cancellationToken).ConfigureAwait(false);
            await ReadBackPartsMd5.RunAsync(partial, plan.Length!.Value, written, check, cursor, cancellationToken).ConfigureAwait(false);
        }
#endif

        /// <summary>Cancels the written-part signals a hasher waits on when the hashing stops.</summary>
        private static CancellationTokenRegistration CancelOnStop(TaskCompletionSource<bool>[] written, CancellationToken cancellationToken) =>
            cancellationToken.Register(() =>
            {
                foreach (TaskCompletionSource<bool> part in written)
                {
                    part.TrySetCanceled();
                }
            });

        /// <summary>Feeds the ordered hasher each part read back from the partial file once that part is written, in order.</summary>
        private async Task FollowInOrderAsync(IReadBackWriter readBack, IReadBackCursor cursor, TransferPlan plan, TransferIntegrity integrity, TaskCompletionSource<bool>[] written, CancellationToken cancellationToken)
        {
            using IObjectReader partial = await readBack.OpenReadBackAsync(cancellationToken).ConfigureAwait(false);
            using CancellationTokenRegistration stop = CancelOnStop(written, cancellationToken);
            for (int number = 1; number <= plan.PartCount; number++)
            {
                await written[number - 1].Task.ConfigureAwait(false);

                // A buffer only while reading: one held while waiting could be the one the part needs (a budget of one).
                using MemoryBudget.Lease lease = await _engine.Budget.RentAsync(cancellationToken).ConfigureAwait(false);
                PartSpec part = plan.Part(number);
                await PumpAsync(partial, null, part, lease, integrity.StartPart(part), cancellationToken, countProgress: false).ConfigureAwait(false);
                cursor.Release(part.Offset, part.Length);
            }
        }

        private async Task HashInOrderAsync(IObjectReader reader, TransferPlan plan, TransferIntegrity integrity, CancellationToken cancellationToken)
        {
            var whole = new PartSpec(1, 0, plan.Length ?? -1);
            TransferIntegrity.PartHash hash = integrity.StartPart(whole);
            using MemoryBudget.Lease lease = await _engine.Budget.RentAsync(cancellationToken).ConfigureAwait(false);
            await PumpAsync(reader, null, whole, lease, hash, cancellationToken, countProgress: false).ConfigureAwait(false);
        }

        /// <summary>
        /// The chunk worker: reads one part through one leased buffer, hashes it and writes it at its offset.
        /// A transient failure reopens the range where it stopped (bytes already hashed stay hashed). Returns
        /// the part's length; a source that ends early is a changed source.
        /// </summary>
        private async Task<long> PumpAsync(
            IObjectReader reader,
            IPositionalWriter? writer,
            PartSpec part,
            MemoryBudget.Lease lease,
            TransferIntegrity.PartHash hash,
            CancellationToken cancellationToken,
            bool countProgress = true,
            bool feedWhole = true,
            bool hashPart = true,
            Action<long, long>? wrote = null)
        {
            long position = part.Offset;
            long end = part.Length < 0 ? long.MaxValue : part.End;
            bool ended = false;
            byte[] buffer = lease.Array;
            await WithRetriesAsync(async () =>
            {
                Stream stream;
                try
                {
                    stream = await reader.OpenRangeAsync(position, part.Length < 0 ? (long?)null : end - position, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (TransferErrors.Mark(e, writing: false))
                {
                    throw;
                }

                using (stream)
                {
                    while (position < end && !ended)
                    {
                        if (!hashPart && part.Length >= 0 && writer is IRangeCopyWriter direct)
                        {
                            int chunk = (int)Math.Min(end - position, DirectCopyChunk);
                            bool copied;
                            try
                            {
                                copied = direct.TryCopyRange(reader, position, chunk);
                            }
                            catch (Exception e) when (TransferErrors.Mark(e, writing: true))
                            {
                                throw;
                            }

                            if (copied)
                            {
                                wrote?.Invoke(position, chunk);
                                position += chunk;
                                Interlocked.Add(ref _transferred, chunk);
                                if (countProgress)
                                {
                                    _progress.Add(chunk);
                                }

                                continue;
                            }
                        }

                        int want = (int)Math.Min(lease.Length, end - position);
                        int read = await ReadFullAsync(stream, buffer, want, cancellationToken).ConfigureAwait(false);
                        ended = read < want;
                        if (read == 0)
                        {
                            break;
                        }

                        await hash.AppendAsync(position, buffer, 0, read, feedWhole, cancellationToken).ConfigureAwait(false);
                        if (writer != null)
                        {
                            try
                            {
                                // The bytes were read and hashed; let the backend move them itself when it can (kernel copy).
                                if (!(writer is IRangeCopyWriter copier && copier.TryCopyRange(reader, position, read)))
                                {
                                    await writer.WriteAtAsync(position, new ReadOnlyMemory<byte>(buffer, 0, read), cancellationToken).ConfigureAwait(false);
                                }
                            }
                            catch (Exception e) when (TransferErrors.Mark(e, writing: true))
                            {
                                throw;
                            }

                            Interlocked.Add(ref _transferred, read);
                            wrote?.Invoke(position, read);
                        }

                        position += read;
                        if (countProgress && writer != null)
                        {
                            _progress.Add(read);
                        }
                    }
                }

                return true;
            }, cancellationToken, "copying " + part).ConfigureAwait(false);

            if (part.Length >= 0 && position != end)
            {
                throw new SourceChangedException(SourceDisplay, $"it ended at byte {position}, before the expected {end}");
            }

            return position - part.Offset;
        }

        private static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, int count, CancellationToken cancellationToken)
        {
            int total = 0;
            while (total < count)
            {
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer, total, count - total, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (TransferErrors.Mark(e, writing: false))
                {
                    throw;
                }

                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }

        /// <summary>
        /// Runs parts with at most Concurrency in flight, each with a buffer leased (in part order, which keeps an
        /// ordered hash feed deadlock-free) from the shared budget. The first failure cancels the rest and is
        /// rethrown as PartFailedException once every started part has stopped.
        /// </summary>
        private async Task RunPartsAsync(TransferPlan plan, IReadOnlyList<PartSpec> parts, Func<PartSpec, MemoryBudget.Lease, CancellationToken, Task> run, CancellationToken cancellationToken)
        {
            if (parts.Count == 1)
            {
                // One part (most files): no scheduler, no extra task; the lease still comes from the shared budget.
                MemoryBudget.Lease only = await _engine.Budget.RentAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await run(parts[0], only, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested) && plan.PartCount > 1)
                {
                    throw new PartFailedException(parts[0], plan.PartCount, e);
                }
                finally
                {
                    only.Dispose();
                }

                return;
            }

            int concurrency = plan.Sequential ? 1 : _options.Concurrency;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var slots = new SemaphoreSlim(concurrency, concurrency);
            var running = new List<Task>(Math.Min(parts.Count, 1024));
            ExceptionDispatchInfo? failure = null;

            async Task RunOne(PartSpec part, MemoryBudget.Lease lease)
            {
                try
                {
                    await run(part, lease, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Stopped because another part failed or the user cancelled.
                }
                catch (Exception e)
                {
                    var wrapped = ExceptionDispatchInfo.Capture(plan.PartCount > 1 ? new PartFailedException(part, plan.PartCount, e) : e);
                    Interlocked.CompareExchange(ref failure, wrapped, null);
                    stop.Cancel();
                }
                finally
                {
                    lease.Dispose();
                    slots.Release();
                }
            }

            try
            {
                foreach (PartSpec part in parts)
                {
                    await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                    MemoryBudget.Lease lease;
                    try
                    {
                        lease = await _engine.Budget.RentAsync(stop.Token).ConfigureAwait(false);
                    }
                    catch
                    {
                        slots.Release();
                        throw;
                    }

                    running.Add(Task.Run(() => RunOne(part, lease)));
                    if (running.Count >= 1024)
                    {
                        running.RemoveAll(t => t.IsCompleted);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }

            await Task.WhenAll(running).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            failure?.Throw();
        }

        /// <param name="what">What is retried, for the verbose note ("part 3 of 8 (bytes …)"); null: reading the source.</param>
        private async Task<T> WithRetriesAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken, string? what = null)
        {
            Random? random = null; // seeding one reads the OS's random source: only when a retry needs it
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return await action().ConfigureAwait(false);
                }
                catch (Exception e) when (attempt < _options.MaxAttempts && !cancellationToken.IsCancellationRequested && IsTransient(e))
                {
                    Interlocked.Increment(ref _attempts);
                    random ??= new Random();
                    double jitter = 0.5 + random.NextDouble();
                    var delay = TimeSpan.FromMilliseconds(_options.RetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1) * jitter);
                    _engine.Notes?.Invoke(string.Format(
                        System.Globalization.CultureInfo.InvariantCulture,
                        "'{0}' -> '{1}': {2} failed ({3}). Retry {4} of {5} in {6:0.0} s.",
                        SourceDisplay,
                        DestinationDisplay,
                        what ?? "reading the source",
                        Locations.UriRedaction.RedactText(e.Message).TrimEnd('.'),
                        attempt,
                        _options.MaxAttempts - 1,
                        delay.TotalSeconds));
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private bool IsTransient(Exception exception) =>
            (_sourceStorage?.IsTransient(exception) ?? false) || (_destinationStorage?.IsTransient(exception) ?? false);

        /// <summary>Re-reads the parts a journal lists from the partial object and keeps those whose CRC still matches.</summary>
        private async Task<IReadOnlyList<PartReceipt>> ValidatePartsAsync(IReadBackWriter readBack, IReadOnlyList<PartReceipt> parts, TransferIntegrity integrity, CancellationToken cancellationToken)
        {
            using IObjectReader partial = await readBack.OpenReadBackAsync(cancellationToken).ConfigureAwait(false);
            return await ValidatePartsAsync(partial, parts, integrity, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Re-reads the parts a journal lists from a reader (left open) and keeps those whose CRC still matches.</summary>
        private async Task<IReadOnlyList<PartReceipt>> ValidatePartsAsync(IObjectReader partial, IReadOnlyList<PartReceipt> parts, TransferIntegrity integrity, CancellationToken cancellationToken)
        {
            var valid = new bool[parts.Count];
            var byNumber = parts.Select((p, i) => (p, i)).ToDictionary(x => x.p.Number, x => x.i);
            using var check = new TransferIntegrity(ChecksumAlgorithm(integrity), integrity.Plan);
            await RunPartsAsync(integrity.Plan, parts.Select(p => p.Spec).ToList(), async (part, lease, token) =>
            {
                TransferIntegrity.PartHash hash = check.StartPart(part);
                await PumpAsync(partial, null, part, lease, hash, token, countProgress: false).ConfigureAwait(false);
                int index = byNumber[part.Number];
                valid[index] = string.Equals(hash.Checksum, parts[index].Checksum, StringComparison.OrdinalIgnoreCase);
            }, cancellationToken).ConfigureAwait(false);
            return parts.Where((p, i) => valid[i]).ToList();
        }

        private static Hashing.ChecksumAlgorithm ChecksumAlgorithm(TransferIntegrity integrity) => integrity.PartAlgorithm;

        /// <summary>Hashes a whole object with the chosen algorithm, parts in parallel.</summary>
        public async Task<string> HashObjectAsync(ObjectInfo info, CancellationToken cancellationToken)
        {
            var storage = _engine.Storages.Resolve<IReadableStorage>(info.Location, "to read");
            _sourceStorage = storage;
            using IObjectReader opened = await storage.OpenReadAsync(info, cancellationToken).ConfigureAwait(false);
            TransferPlan plan = TransferPlan.Plan(info.Length, _options.PartSize, PartLimits.Unlimited, opened.SupportsRanges);
            IObjectReader reader = plan.Sequential ? new SequentialReader(opened, SourceDisplay, _engine.Budget.BufferSize) : opened;
            return await HashWithPlanAsync(reader, plan, cancellationToken).ConfigureAwait(false);
        }

        private async Task<string> HashWithPlanAsync(IObjectReader reader, TransferPlan plan, CancellationToken cancellationToken)
        {
            using var integrity = new TransferIntegrity(_options.Checksum, plan);
            var parts = Enumerable.Range(1, plan.PartCount).Select(plan.Part).ToList();
            await RunPartsAsync(plan, parts, async (part, lease, token) =>
            {
                TransferIntegrity.PartHash hash = integrity.StartPart(part);
                await PumpAsync(reader, null, part, lease, hash, token, countProgress: false).ConfigureAwait(false);
                hash.Complete();
            }, cancellationToken).ConfigureAwait(false);
            return integrity.FinishWhole();
        }

        /// <summary>
        /// Reads the copy back and hashes it in the parts of the copy (partSize): an S3ETag depends on them, and one of
        /// the default 8 MiB failed every good copy made in other parts (a probe: an object of 5 MiB parts received,
        /// or --part-size 64KiB raised to S3's 5 MiB on the way up).
        /// </summary>
        private async Task VerifyAsync(IObjectReader readBack, long length, long partSize, string expected, CancellationToken cancellationToken, bool committed = false)
        {
            using (readBack)
            {
                TransferPlan plan = TransferPlan.Plan(length, partSize, PartLimits.Unlimited, readBack.SupportsRanges);
                string actual = await HashWithPlanAsync(readBack, plan, cancellationToken).ConfigureAwait(false);
                if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                {
                    throw new VerifyFailedException(DestinationDisplay, _options.Checksum.ToString(), expected, actual, committed);
                }
            }
        }

        private async Task VerifyCommittedAsync(long length, long partSize, string expected, CancellationToken cancellationToken)
        {
            var storage = _engine.Storages.Resolve<IReadableStorage>(_job.Destination, "to verify the copy");
            ObjectInfo? written = await storage.StatAsync(_job.Destination, cancellationToken).ConfigureAwait(false)
                ?? throw new VerifyFailedException(DestinationDisplay, _options.Checksum.ToString(), expected, "nothing", committed: true);
            try
            {
                await VerifyAsync(await storage.OpenReadAsync(written, cancellationToken).ConfigureAwait(false), length, partSize, expected, cancellationToken, committed: true).ConfigureAwait(false);
            }
            catch (SourceChangedException changed)
            {
                // The object read back is the one that changed, not the source (a probe: SourceChanged, "nothing was
                // written", and once the local file blamed for the object's short length).
                throw VerifyFailedException.ChangedWhileReadBack(DestinationDisplay, expected, changed.Detail);
            }
        }

        /// <summary>
        /// After each part, a local source file is looked at again (one stat): a file changed, truncated or deleted
        /// while it is copied fails the copy now, instead of after every remaining part has been sent (hours, for a
        /// large upload). A remote source is left to its own checks (If-Match, the ETag), without a request per part.
        /// </summary>
        private Task CheckLocalSourceAfterPartAsync(CancellationToken cancellationToken) =>
            _job.Source.Location is FileLocation ? CheckSourceUnchangedAsync(cancellationToken) : Task.CompletedTask;

        private async Task CheckSourceUnchangedAsync(CancellationToken cancellationToken)
        {
            ObjectInfo? now;
            try
            {
                now = await _sourceStorage!.StatAsync(_job.Source.Location, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (TransferErrors.Mark(e, writing: false))
            {
                throw;
            }

            if (now is null)
            {
                throw new SourceChangedException(SourceDisplay, "it was deleted", storedAsRead: _storedWhole);
            }

            if (!_job.Source.SameVersionAs(now))
            {
                throw new SourceChangedException(SourceDisplay, now.Length != _job.Source.Length ? "its size changed" : "it was modified", storedAsRead: _storedWhole);
            }
        }

        /// <summary>Whether the destination already holds the source (SkipUnchanged), and the hash when one was computed.</summary>
        private async Task<(string? Reason, string? Hash)> UnchangedAsync(IReadableStorage sourceStorage, ObjectInfo existing, CancellationToken cancellationToken)
        {
            ObjectInfo source = _job.Source;
            if (existing.Length != source.Length || !source.Length.HasValue)
            {
                return (null, null);
            }

            if (_options.Compare == TransferCompare.SizeAndTime)
            {
                return (TimesMatch(source.LastModified, existing.LastModified) ? "same size and modification time" : null, null);
            }

            string algorithm = _options.Checksum.ToString();
            string? destinationHash = existing.Checksums.TryGetValue(algorithm, out string? stored) ? stored : null;
            if (destinationHash is null || !source.Checksums.ContainsKey(algorithm))
            {
                // A store's own digest (S3's ETag) recomputed from the local side: nothing is downloaded.
                string? byDigest = await CompareByStoredDigestAsync(source, existing, cancellationToken).ConfigureAwait(false);
                if (byDigest != null)
                {
                    return (byDigest.Length > 0 ? byDigest : null, null);
                }
            }

            if (destinationHash is null)
            {
                if (!(_destinationStorage is IReadableStorage))
                {
                    return (null, null);
                }

                destinationHash = await new FileTransfer(_engine, new TransferJob(existing, existing.Location, null), new ByteCounter()).HashObjectAsync(existing, cancellationToken).ConfigureAwait(false);
            }

            string sourceHash = source.Checksums.TryGetValue(algorithm, out string? known)
                ? known
                : await new FileTransfer(_engine, new TransferJob(source, source.Location, null), new ByteCounter()).HashObjectAsync(source, cancellationToken).ConfigureAwait(false);
            return string.Equals(sourceHash, destinationHash, StringComparison.OrdinalIgnoreCase)
                ? ("same size and " + algorithm, sourceHash)
                : (null, sourceHash);
        }

        /// <summary>
        /// With a local file on one side and a backend that keeps a recomputable digest on the other: the skip reason
        /// when they match, "" when they differ, null when this way of comparing does not apply.
        /// </summary>
        private async Task<string?> CompareByStoredDigestAsync(ObjectInfo source, ObjectInfo existing, CancellationToken cancellationToken)
        {
            (IStorage? remoteStorage, ObjectInfo remote, ObjectInfo local) = source.Location is Locations.FileLocation
                ? (_destinationStorage, existing, source)
                : (_sourceStorage, source, existing);
            if (!(remoteStorage is IStoredDigestStorage digests) || !(local.Location is Locations.FileLocation file) || remote.Location is Locations.FileLocation)
            {
                return null;
            }

            StoredDigest? digest = await digests.GetStoredDigestAsync(remote, cancellationToken).ConfigureAwait(false);
            if (digest is null)
            {
                return null;
            }

            foreach (long chunkSize in new[] { digest.ChunkSize }.Concat(digest.OtherChunkSizes))
            {
                var hasher = new Hashing.ChunkedHasher(new Hashing.HashSettings(new[] { digest.Algorithm }, chunkSize: chunkSize));
                Hashing.FileHashResult computed = await hasher.HashFileAsync(file.Path, null, cancellationToken).ConfigureAwait(false);
                if (digest.Matches(computed.Hash))
                {
                    return "same size and " + digest.Algorithm;
                }
            }

            // With a part size only guessed, a mismatch proves nothing: the bytes are compared the long way.
            return digest.ChunkSizeCertain ? string.Empty : null;
        }

        internal static bool TimesMatch(DateTimeOffset? a, DateTimeOffset? b) =>
            a.HasValue && b.HasValue && (a.Value - b.Value).Duration() < ModifyWindow;

        /// <summary>
        /// Holds a lock next to the journal of a destination outside the file system (an S3 upload in parts) while this
        /// run sends it: another run of the same transfer is refused (DestinationBusy) instead of taking over or
        /// aborting this one's upload. Best effort: where no lock file can be made, the run goes on without one.
        /// </summary>
        private FileStream? HoldTransfer(string journalPath)
        {
            string path = journalPath + ".lock";
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException e) when (e.HResult == 11 || e.HResult == 35 || e.HResult == unchecked((int)0x80070020) || e.HResult == unchecked((int)0x80070021))
            {
                throw new CommandFailureException(new CommandError(
                    "DestinationBusy",
                    FailureCategory.ResourceUnavailable,
                    DestinationDisplay,
                    $"Cannot copy '{SourceDisplay}' to '{DestinationDisplay}': another StreamFiles run is sending to it now (it holds '{path}'). Wait for it to end, or send to another name."));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>Whether a killed run of a transfer to this destination may have left an upload on the store.</summary>
        public static bool MayHaveLeftover(Location destination) =>
            !(destination is FileLocation) && File.Exists(ResumeJournal.PathFor(destination));

        /// <summary>
        /// For a run that writes nothing (its destination already holds the source, or is refused as existing): clears
        /// what a killed run of this transfer left on the store, an S3 multipart upload its journal names, and the
        /// journal. With keepResumable a journal that lists finished parts stays, for a later -Force -Resume; one held by
        /// a run still writing the destination stays too. Best effort: what cannot be cleared now stays named by its journal.
        /// </summary>
        public async Task ClearLeftoverAsync(bool keepResumable, CancellationToken cancellationToken)
        {
            if (_job.Destination is FileLocation)
            {
                return;
            }

            string journalPath = ResumeJournal.PathFor(_job.Destination);
            if (!File.Exists(journalPath))
            {
                return;
            }

            FileStream? busy;
            try
            {
                busy = HoldTransfer(journalPath);
            }
            catch (CommandFailureException)
            {
                return;
            }

            using (busy)
            {
                ResumeJournal? journal = ResumeJournal.TryLoad(journalPath, out _);
                if (journal is null || (keepResumable && journal.Parts.Count > 0))
                {
                    return;
                }

                try
                {
                    if (!string.IsNullOrEmpty(journal.ResumeToken)
                        && _engine.Storages.Resolve<IWritableStorage>(_job.Destination, "as a destination") is IAbandonedUploads store)
                    {
                        await store.AbandonAsync(_job.Destination, journal.ResumeToken!, cancellationToken).ConfigureAwait(false);
                    }

                    ResumeJournal.Delete(journalPath);
                }
                catch (Exception e) when (!(e is OperationCanceledException))
                {
                    _engine.Notes?.Invoke($"'{DestinationDisplay}': the upload an interrupted run left could not be aborted ({e.Message}); its journal keeps it for the next run.");
                }
            }
        }

        /// <summary>
        /// A run killed after the store completed its multipart upload and before it removed its journal left the journal
        /// of a finished copy, and the rerun with -Resume was refused as DestinationExists by its own object. The object
        /// is this transfer's when its ETag is the one the journal's parts make and the source is still the version the
        /// journal describes: the file is then skipped as done, and the journal goes.
        /// </summary>
        public async Task<string?> FinishedEarlierAsync(bool tidy, CancellationToken cancellationToken)
        {
            string journalPath = ResumeJournal.PathFor(_job.Destination);
            if (_job.Destination is FileLocation || !(_job.ExistingDestination is { IsContainer: false } existing)
                || existing.Length != _job.Source.Length || !File.Exists(journalPath)
                || !(_engine.Storages.Resolve<IWritableStorage>(_job.Destination, "as a destination") is IAbandonedUploads store))
            {
                return null;
            }

            FileStream? busy;
            try
            {
                busy = HoldTransfer(journalPath);
            }
            catch (CommandFailureException)
            {
                return null; // another run writes it now
            }

            using (busy)
            {
                ResumeJournal? journal = ResumeJournal.TryLoad(journalPath, out _);
                if (journal is null || journal.Parts.Count != journal.PartCount || !store.IsCompletionOf(existing, journal.Parts))
                {
                    return null;
                }

                using (IObjectReader reader = await _engine.Storages.Resolve<IReadableStorage>(_job.Source.Location, "as a source").OpenReadAsync(_job.Source, cancellationToken).ConfigureAwait(false))
                {
                    SourceFingerprint now = await FingerprintAsync(reader, cancellationToken).ConfigureAwait(false);
                    if (journal.Fingerprint.Difference(now) != null)
                    {
                        return null;
                    }

                    if ((_options.Verify || _options.Overwrite) && !await SourceStillMakesAsync(reader, journal, cancellationToken).ConfigureAwait(false))
                    {
                        // -Verify promises the copy is the source as it is now, and -Force asks for it to be written
                        // anew: an edit in place that kept the size and the time passes the fingerprint (a probe: the
                        // old object was kept, "completed by the interrupted run"). Not so: the copy goes as asked.
                        return null;
                    }
                }

                if (tidy)
                {
                    ResumeJournal.Delete(journalPath);
                }

                return "completed by the interrupted run";
            }
        }

        /// <summary>Whether every part of the source, read now, has the CRC the journal lists for it.</summary>
        private async Task<bool> SourceStillMakesAsync(IObjectReader reader, ResumeJournal journal, CancellationToken cancellationToken)
        {
            TransferPlan plan = TransferPlan.Plan(_job.Source.Length, journal.PartSize, PartLimits.Unlimited, reader.SupportsRanges);
            if (plan.PartCount != journal.PartCount || plan.Sequential || journal.Parts.Any(p => p.Checksum is null))
            {
                return false;
            }

            using var integrity = new TransferIntegrity(_options.Checksum, plan);
            IReadOnlyList<PartReceipt> same = await ValidatePartsAsync(reader, journal.Parts, integrity, cancellationToken).ConfigureAwait(false);
            return same.Count == journal.PartCount;
        }

        private async Task<SourceFingerprint> FingerprintAsync(IObjectReader reader, CancellationToken cancellationToken)
        {
            using MemoryBudget.Lease lease = await _engine.Budget.RentAsync(cancellationToken).ConfigureAwait(false);

            // Reads the source over the network for remote sources: retried like a part (found by the fault matrix).
            return await WithRetriesAsync(() => SourceFingerprint.ComputeAsync(_job.Source, reader, lease.Array, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Names a multipart upload the store has just started in a journal of no parts, so that when the process is
        /// killed before it can abort the upload (SIGKILL, a power cut), the next run of the same transfer finds it:
        /// without resume it aborts it, with resume it continues it. Best effort: with -Resume, a journal that cannot
        /// be written fails the file when it is written with its parts (JournalUnwritable); without, it is said once
        /// (warn) and the copy goes on as it did before there were such journals. False when none was written.
        /// </summary>
        private bool NameTheUpload(string uploadId, SourceFingerprint fingerprint, TransferPlan plan, string partAlgorithm, string journalPath, bool warn)
        {
            try
            {
                new ResumeJournal(_job.Source.Location.Display, fingerprint, plan.PartSize, plan.PartCount, _options.Checksum, partAlgorithm, uploadId, Array.Empty<PartReceipt>()).Save(journalPath);
                return true;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                if (!warn)
                {
                    return false;
                }

                // The copy goes on (a failure or a stop still aborts the upload), but a killed process would leave it
                // on the store with nothing to name it: said once per run, as the cause is the same for every file.
                if (System.Threading.Interlocked.Exchange(ref _engine.UnnamedUploadWarned, 1) == 0)
                {
                    (_engine.Warnings ?? _engine.Notes)?.Invoke(
                        $"The journal that names the multipart upload of '{DestinationDisplay}' cannot be written at '{journalPath}' ({FileErrors.Reason(e).TrimEnd('.')}). "
                        + $"The copy goes on, but if this process is killed, its upload stays on the store until a lifecycle rule removes it. Set {ResumeJournal.StateDirectoryVariable} to a writable directory.");
                }

                return false;
            }
        }

        private void SaveJournal(ResumeJournal journal, string path, bool force)
        {
            lock (_journalGate)
            {
                TimeSpan now = _clock.Elapsed;
                if (!force && now - _lastJournalSave < JournalInterval)
                {
                    return;
                }

                // Parts are recorded after their last write returned: flushing the data file after the journal took
                // its list of parts and before it is written keeps every listed part on disk (the fdatasync order).
                IDurableWriter? durable = _durableWriter;
                journal.Save(path, durable is null ? null : durable.FlushToDisk);
                _lastJournalSave = now;
            }
        }

        /// <summary>The Failed result of this copy: the bytes it moved, its parts and its tries until the failure.</summary>
        internal TransferResult FailedResult(CommandError error) =>
            Result(TransferStatus.Failed, _job.Source.Length ?? 0, null, null, _plan, error: error);

        private TransferResult Result(TransferStatus status, long length, string? hash, string? skipReason, TransferPlan? plan = null, bool verified = false, CommandError? error = null) =>
            new TransferResult(
                SourceDisplay,
                DestinationDisplay,
                length,
                status,
                _clock.Elapsed,
                Interlocked.Read(ref _transferred),
                hash,
                _options.Checksum.ToString(),
                plan?.PartCount ?? 0,
                plan is null || plan.Length == 0 ? 0 : plan.PartSize, // a 0-byte file is planned as one part of 1 byte; it has none
                Volatile.Read(ref _attempts),
                verified,
                skipReason,
                error);

        private static async Task SafeWait(Task task)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception) when (task.IsFaulted || task.IsCanceled)
            {
                // Observed; the exception that matters is already propagating.
            }
        }
    }
}
