using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Local;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Operations
{
    /// <summary>Which way files go: the verb of the cmdlet and the command-line tool.</summary>
    public enum TransferDirection
    {
        /// <summary>Send-StreamFile / streamfiles send: local files to any destination.</summary>
        Send,

        /// <summary>Receive-StreamFile / streamfiles receive: any source to a local destination.</summary>
        Receive,
    }

    /// <summary>A source as the user named it: a path (already resolved by the host, or relative) or a URI.</summary>
    public sealed class TransferRequest
    {
        public TransferRequest(string source, bool explicitSource = true)
        {
            Source = source ?? throw new ArgumentNullException(nameof(source));
            ExplicitSource = explicitSource;
        }

        public string Source { get; }

        /// <summary>False for a path a wildcard matched: a directory among them is passed over quietly without Recurse.</summary>
        public bool ExplicitSource { get; }
    }

    /// <summary>One file of the batch, as expanded from a request: its source and destination, or why it cannot go.</summary>
    public sealed class TransferItem
    {
        internal TransferItem(ObjectInfo source, Location destination)
        {
            Source = source;
            SourceDisplay = source.Location.Display;
            Destination = destination;
        }

        internal TransferItem(string sourceDisplay, Location? destination, CommandError failure, long length = 0, TimeSpan failedAfter = default, int attempts = 1)
        {
            SourceDisplay = sourceDisplay;
            Destination = destination;
            Failure = failure;
            Length = length;
            FailedAfter = failedAfter;
            Attempts = attempts;
        }

        public ObjectInfo? Source { get; }

        public string SourceDisplay { get; }

        public Location? Destination { get; }

        public CommandError? Failure { get; }

        internal long Length { get; }

        /// <summary>For a failure found while the source was looked at: how long that took, and its requests' tries.</summary>
        internal TimeSpan FailedAfter { get; }

        internal int Attempts { get; } = 1;

        /// <summary>The destination's stat, started ahead of the item's turn (many small files to an object store).</summary>
        internal Task<ObjectInfo?>? DestinationStat { get; set; }
    }

    /// <summary>
    /// The logic behind Send-StreamFile, Receive-StreamFile and `streamfiles send|receive`. Hosts hand each source
    /// to SubmitSource as it arrives; directories expand (with recurse) into one item per file, keeping their
    /// relative layout under the destination. Each item is validated, approved with ShouldProcess once (after
    /// validation, before the first byte), and transferred by the shared TransferEngine; a failure is reported
    /// as an error and as a TransferResult with Status Failed, and the batch goes on.
    /// <para>Destination: an existing directory, or a name ending in a separator, receives each file under its
    /// own name; otherwise the destination is the file name for a single source. A directory source copies its
    /// contents into the destination directory (as rclone does) when it is the only source, so a rerun lands in the
    /// same place; as one of several sources it keeps its name there (as cp -r does).</para>
    /// </summary>
    public sealed class TransferOperation : BatchOperation<TransferItem>
    {
        private readonly TransferDirection _direction;
        private readonly Location _destination;
        private readonly bool _recurse;
        private readonly string? _basePath;
        private readonly StorageRegistry _storages;
        private readonly TransferEngine _engine;
        private readonly HashSet<string> _claimed;

        /// <summary>Local directories this batch makes or writes into (below the destination): no file's temporary name may be one.</summary>
        private readonly HashSet<string> _batchDirectories;

        /// <summary>Local directories the user declined to make (-Confirm): nothing is written under them.</summary>
        private readonly HashSet<string> _declinedDirectories;
        private ObjectInfo? _destinationInfo;
        private bool _destinationLooked;
        private string? _singleFileSource;
        private ObjectInfo? _heldSource;
        private ObjectInfo? _heldDirectory;
        private int _sourcesSeen;
        private bool _destinationIsNewDirectory;
        private bool _severalSourcesForOneFile;

        /// <summary>Destination stats started ahead of their items' turn (SubmitInOrder), and how many may run at once.</summary>
        private const int StatsAhead = 16;
        private readonly Queue<TransferItem> _ahead = new Queue<TransferItem>();

        /// <summary>
        /// Time since the host last returned from SubmitSource: a short gap means a producer that has more sources at
        /// hand (a pipeline from Get-ChildItem, the CLI's argument list), whose files to an object store then have their
        /// destination stats started ahead as a listed tree's are; a long one, a producer that is slow (a watcher), whose
        /// file starts at once.
        /// </summary>
        private readonly Stopwatch _sinceLastSource = new Stopwatch();

        /// <summary>The gap below which the sources come from a producer that has more at hand.</summary>
        private static readonly TimeSpan QuickSources = TimeSpan.FromMilliseconds(25);

        private bool _sourcesQueued;

        /// <summary>The retried requests of a source's look (HTTP 503 to the first byte), for its result's Attempts.</summary>
        private readonly ConditionalWeakTable<ObjectInfo, StrongBox<int>> _lookupRetries =
            new ConditionalWeakTable<ObjectInfo, StrongBox<int>>();

        /// <summary>The listing of an S3 destination prefix made for the batch's stats (SnapshotDestination), once started.</summary>
        private Task? _snapshot;
        private readonly SemaphoreSlim _statsAhead = new SemaphoreSlim(StatsAhead);

        public TransferOperation(
            TransferDirection direction,
            Location destination,
            bool recurse,
            TransferOptions options,
            OperationSettings settings,
            CancellationToken cancellationToken,
            StorageRegistry? storages = null,
            string? basePath = null)
            : base(settings, direction == TransferDirection.Send ? "Sending files" : "Receiving files", cancellationToken)
        {
            _direction = direction;
            _destination = destination ?? throw new ArgumentNullException(nameof(destination));
            _recurse = recurse;
            _basePath = basePath;
            _storages = storages ?? StorageRegistry.CreateDefault();
            _engine = new TransferEngine(options ?? throw new ArgumentNullException(nameof(options)), _storages) { Notes = PostVerbose, Warnings = PostWarning };
            _claimed = new HashSet<string>(Location.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            _batchDirectories = new HashSet<string>(Location.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            _declinedDirectories = new HashSet<string>(Location.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            if (direction == TransferDirection.Receive && destination.Kind != LocationKind.FileSystem)
            {
                throw new ArgumentException($"Receive-StreamFile (streamfiles receive) writes to local or UNC paths; '{destination.Display}' is not one. To upload, use Send-StreamFile (streamfiles send).", nameof(destination));
            }

            // The destination backend must exist and take writes: checked up front, as a usage error.
            try
            {
                _storages.Resolve<IWritableStorage>(destination, "as a destination");
            }
            catch (CommandFailureException e)
            {
                throw new ArgumentException(e.Error.Message, nameof(destination), e);
            }
        }

        public TransferDirection Direction => _direction;

        public Location Destination => _destination;

        internal TransferEngine Engine => _engine;

        /// <summary>Expands one source into items and submits them; blocks while the throttle is full, draining meanwhile.</summary>
        public void SubmitSource(TransferRequest request, ICommandSink sink)
        {
            if (request is null)
            {
                throw new ArgumentNullException(nameof(request));
            }

            if (IsCancelled)
            {
                return;
            }

            _sourcesQueued = _sinceLastSource.IsRunning && _sinceLastSource.Elapsed < QuickSources;
            if (!_sourcesQueued)
            {
                SubmitAhead(sink); // a slow producer: what waits goes now, and this source's file with it
            }

            try
            {
                SubmitOneSource(request, sink);
            }
            finally
            {
                _sinceLastSource.Restart();
            }
        }

        private void SubmitOneSource(TransferRequest request, ICommandSink sink)
        {
            // A directory named on its own was held in case it is the only source: this one means it is one of
            // several, and it keeps its name under the destination.
            _sourcesSeen++;
            ReleaseHeldDirectory(sink, keepName: true);
            if (!Location.TryParse(request.Source, out Location? source, out CommandError? invalid, _basePath))
            {
                CountFailedSource(sink);
                SubmitNext(new TransferItem(UriRedaction.RedactText(request.Source), null, invalid!), sink);
                return;
            }

            if (_direction == TransferDirection.Send && source!.Kind != LocationKind.FileSystem)
            {
                CountFailedSource(sink);
                SubmitNext(Fail(source.Display, new CommandError("SourceNotLocal", FailureCategory.InvalidArgument, source.Display,
                    $"'{source.Display}' is not a local file: Send-StreamFile (streamfiles send) uploads local files. To download it, use Receive-StreamFile (streamfiles receive).")), sink);
                return;
            }

            ObjectInfo? info;
            var looking = Stopwatch.StartNew();
            int lookupAttempts = 1;
            try
            {
                // An HTTP source's first request is retried by its transport (503, Retry-After): a failed result counts those tries.
                RequestRetries.CountInto(() => Interlocked.Increment(ref lookupAttempts));
                var storage = _storages.Resolve<IStorage>(source!, "as a source");
                info = Wait(storage.StatAsync(source!, CancellationToken));
            }
            catch (OperationCanceledException) when (IsCancelled)
            {
                return; // stopped (Ctrl+C, a signal, the pipeline) while the source was being looked at
            }
            catch (CommandFailureException e)
            {
                CountFailedSource(sink);
                SubmitNext(Fail(source!.Display, e.Error, destination: IntendedDestination(source!), lookup: (looking.Elapsed, lookupAttempts)), sink);
                return;
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                CountFailedSource(sink);
                Location? intended = IntendedDestination(source!);
                SubmitNext(Fail(source!.Display, TransferErrors.Describe(e, source!.Display, (intended ?? _destination).Display), destination: intended, lookup: (looking.Elapsed, lookupAttempts)), sink);
                return;
            }
            finally
            {
                RequestRetries.CountInto(null);
            }

            if (info is null)
            {
                CountFailedSource(sink);
                SubmitNext(Fail(source!.Display, TransferErrors.SourceNotFound(source.Display), destination: IntendedDestination(source!), lookup: (looking.Elapsed, lookupAttempts)), sink);
                return;
            }

            if (!info.IsContainer)
            {
                if (lookupAttempts > 1)
                {
                    _lookupRetries.Add(info, new StrongBox<int>(lookupAttempts - 1));
                }

                SubmitFile(info, sink);
                return;
            }

            // An S3 prefix written with its trailing slash (s3://bucket/prefix/) says "everything under it", as the
            // issue's Receive-StreamFile s3://bucket/prefix/ example does; a directory path still needs Recurse. So
            // does a bucket named without the slash (s3://bucket), as s3://bucket/dir does (a probe: it downloaded
            // the whole bucket, where aws s3 cp wants --recursive).
            bool prefix = source is S3Location && source.IsContainer && request.Source.TrimEnd().EndsWith("/", StringComparison.Ordinal);
            if (!_recurse && !prefix)
            {
                if (request.ExplicitSource)
                {
                    CountFailedSource(sink);
                    SubmitNext(Fail(source!.Display, TransferErrors.SourceIsDirectory(source.Display)), sink);
                }

                return;
            }

            // A directory a wildcard matched (Send-StreamFile dir/* -Recurse) is one of several: it keeps its own name
            // under the destination, as Copy-Item and cp -r keep it, so sibling trees neither merge nor collide. So
            // does a directory named after other sources (-Path a, b; Get-ChildItem -Directory | Send-StreamFile). The
            // first directory named is held until a second source arrives (it then keeps its name too) or the input
            // ends: the only source, it gives the destination its contents, so a rerun lands in the same place.
            if (!request.ExplicitSource)
            {
                SubmitDirectory(info, sink, DirectoryName(info));
            }
            else if (_sourcesSeen == 1)
            {
                _heldDirectory = info;
            }
            else
            {
                SubmitDirectory(info, sink, DirectoryName(info));
            }
        }

        /// <summary>The name a directory source keeps under the destination when it is one of several; null (its contents) for a root.</summary>
        private static string? DirectoryName(ObjectInfo directory)
        {
            string name = directory.Location is FileLocation file
                ? Path.GetFileName(file.Path.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar))
                : directory.Location.Name;
            if (name.Length == 0 && directory.Location is S3Location bucket)
            {
                name = bucket.Bucket; // s3://bucket/ as one of several sources
            }

            return name.Length == 0 ? null : name;
        }

        private void ReleaseHeldDirectory(ICommandSink sink, bool keepName)
        {
            if (_heldDirectory is ObjectInfo held)
            {
                _heldDirectory = null;
                SubmitDirectory(held, sink, keepName ? DirectoryName(held) : null);
            }
        }

        /// <summary>
        /// A source the host found missing before the engine could look (PowerShell's provider resolving -Path), or
        /// a wildcard pattern that matched nothing: reported as the engine reports a source it finds missing, an
        /// error (SourceNotFound) and a TransferResult with Status Failed, so every way of naming a file behaves alike.
        /// </summary>
        public void SubmitMissingSource(string source, bool pattern, ICommandSink sink)
        {
            if (source is null)
            {
                throw new ArgumentNullException(nameof(source));
            }

            string display = UriRedaction.RedactText(source);
            SubmitRefusedSource(source, pattern ? TransferErrors.NoMatch(display) : TransferErrors.SourceNotFound(display), nameDestination: !pattern, sink);
        }

        /// <summary>
        /// A source the host refused before the engine could look (a PowerShell path of another provider, Env:/HOME):
        /// an error and a Failed result, as for a missing one (a probe: only the error came out, so a runbook's
        /// `Where-Object Status -eq 'Failed'` missed it).
        /// </summary>
        public void SubmitRefusedSource(string source, CommandError error, ICommandSink sink) =>
            SubmitRefusedSource(source, error ?? throw new ArgumentNullException(nameof(error)), nameDestination: false, sink);

        /// <param name="nameDestination">Whether the result names where the source would have gone: not for a pattern,
        /// nor for a source that is no path here (a probe: Env:HOME would have gone to 'out/Env:HOME').</param>
        private void SubmitRefusedSource(string source, CommandError error, bool nameDestination, ICommandSink sink)
        {
            if (source is null)
            {
                throw new ArgumentNullException(nameof(source));
            }

            if (IsCancelled)
            {
                return;
            }

            _sourcesSeen++;
            ReleaseHeldDirectory(sink, keepName: true);
            CountFailedSource(sink);
            string display = UriRedaction.RedactText(source);
            Location? intended = nameDestination && Location.TryParse(source, out Location? parsed, out _, _basePath) ? IntendedDestination(parsed!) : null;
            SubmitNext(Fail(display, error, destination: intended), sink);
        }

        /// <summary>
        /// Where a source that could not be looked at (missing, unreachable, refused) would have gone as a file, so its
        /// failed result names it as a copied file's result would: under a directory destination by its name, else the
        /// destination itself. Null when its name cannot be a file there.
        /// </summary>
        private Location? IntendedDestination(Location source)
        {
            try
            {
                if (source.IsContainer)
                {
                    return _destination; // a prefix (s3://b/p/) gives its contents
                }

                if (_destinationIsNewDirectory || DestinationIsDirectory())
                {
                    bool unsafeKey = source is S3Location s3 && S3KeySafety.Refusal(s3.Display, s3.Name, "the last part of its key") != null;
                    return source.Name.Length == 0 || unsafeKey ? null : TryChild(source.Name);
                }

                return _severalSourcesForOneFile ? null : _destination;
            }
            catch (LocationFormatException)
            {
                return null;
            }
        }

        private Location? TryChild(string relativePath)
        {
            try
            {
                return _destination.Child(relativePath);
            }
            catch (LocationFormatException)
            {
                return null;
            }
        }

        protected override WorkItem? Prepare(TransferItem item, ICommandSink sink)
        {
            if (item.Failure != null)
            {
                throw new CommandFailureException(item.Failure, Failed(item.SourceDisplay, item.Destination?.Display, item.Length, item.Failure, item.FailedAfter, item.Attempts));
            }

            ObjectInfo source = item.Source!;
            Location destination = item.Destination!;
            string sourceText = source.Location.Display;
            string destinationText = destination.Display;
            var preparing = Stopwatch.StartNew(); // a refusal after the destination's stat took that long (retries of a 503)
            CommandFailureException Refuse(CommandError error) =>
                new CommandFailureException(error, Failed(sourceText, destinationText, source.Length ?? 0, error, preparing.Elapsed));

            if (source.Location is FileLocation from && destination is FileLocation to && (SamePath(from.Path, to.Path) || SameFileThroughLinks(from.Path, to.Path)))
            {
                throw Refuse(TransferErrors.DestinationIsSource(sourceText));
            }

            if (!_claimed.Add(destinationText))
            {
                throw Refuse(TransferErrors.DuplicateDestination(sourceText, destinationText));
            }

            WarnOfKeyReceiveRefuses(destination, sourceText, sink);

            if (destination is FileLocation written)
            {
                if (TemporaryNameTaken(written, out bool ownName) is string other)
                {
                    // Keys 'x' and 'x.partial': 'x' is written as 'x.partial' until it is complete, so the two would
                    // overwrite each other (a wrong file under 'x' and exit 0 before this check). The later one is refused.
                    _claimed.Remove(destinationText);
                    throw Refuse(TransferErrors.TemporaryNameTaken(sourceText, destinationText, other, ownName));
                }

                ClaimDirectoriesAbove(written);
            }

            if (destination is FileLocation into && ClaimedParent(into) is string file)
            {
                // Keys 'x' and 'x/y' under one prefix: 'x' is already this batch's file, so it cannot also be the
                // directory of 'x/y'. Refused here, in listing order, rather than by whichever copy got there first.
                _claimed.Remove(destinationText);
                throw Refuse(TransferErrors.ParentIsAnotherFile(sourceText, destinationText, file));
            }

            if (destination is FileLocation system && Files.SystemPath.Refusal(system.Path) is string systemPath)
            {
                // A device or system file (/dev/null) is never written, with or without -Force: said now, where it was
                // DestinationExists advising -Force, which then failed with this (a probe).
                var refused = new IOException(systemPath);
                TransferErrors.Mark(refused, writing: true);
                _claimed.Remove(destinationText);
                throw Refuse(TransferErrors.Describe(refused, sourceText, destinationText));
            }

            if (destination is S3Location key && Storage.S3.S3KeyTooLongException.Excess(key.Key) is int keyBytes)
            {
                // Refused here, before the question, so that -WhatIf tells of it as a real run would (a probe).
                _claimed.Remove(destinationText);
                throw Refuse(TransferErrors.Describe(new Storage.S3.S3KeyTooLongException(keyBytes), sourceText, destinationText));
            }

            ObjectInfo? existing;
            try
            {
                // An HTTP destination is a PUT URL — often presigned, so it answers nothing but PUT. It is not
                // looked at: the PUT itself refuses to replace an object unless overwriting (If-None-Match: *).
                existing = destination.Kind == LocationKind.Http
                    ? null
                    : Wait(item.DestinationStat ?? _storages.Resolve<IStorage>(destination, "as a destination").StatAsync(destination, CancellationToken));
            }
            catch (CommandFailureException e)
            {
                throw Refuse(e.Error);
            }
            catch (Exception e) when (!(e is OperationCanceledException) && TransferErrors.Mark(e, writing: true))
            {
                throw;
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                throw Refuse(TransferErrors.Describe(e, sourceText, destinationText));
            }

            TransferOptions options = _engine.Options;
            if (existing != null)
            {
                if (existing.IsContainer)
                {
                    throw Refuse(TransferErrors.DestinationIsDirectory(sourceText, destinationText));
                }

                // A FIFO or a device under the destination name outside /dev (which SystemPath refuses as it is written):
                // the .partial would be renamed over it, replacing the node itself. Refused, with or without -Force.
                if (destination is FileLocation node && (existing.Length ?? 0) == 0 && Files.SystemPath.Refusal(node.Path) is null
                    && Files.SpecialFile.KindOf(node.Path) is string kind)
                {
                    throw Refuse(Files.SpecialFile.Refusal(destinationText, kind, writing: true));
                }

                if (options.SkipUnchanged && options.Compare == TransferCompare.SizeAndTime
                    && existing.Length == source.Length && FileTransfer.TimesMatch(source.LastModified, existing.LastModified))
                {
                    // Nothing will be written: no question to ask.
                    ClearLeftover(source, destination, existing, keepResumable: false, sink);
                    return Skipped(sourceText, destinationText, source.Length, "same size and modification time");
                }

                // With -Force too: -Force -Resume is what a journal kept after DestinationExists asks for, and the object
                // is this very copy (a probe: such a rerun sent the whole file again).
                if (options.Resume && FileTransfer.MayHaveLeftover(destination))
                {
                    string? done;
                    try
                    {
                        done = Wait(_engine.FinishedEarlierAsync(new TransferJob(source, destination, existing), tidy: !(sink is IShouldProcessReason dry && dry.WhatIfMode), CancellationToken));
                    }
                    catch (Exception e) when (!(e is OperationCanceledException))
                    {
                        throw Refuse(e is CommandFailureException failure ? failure.Error : TransferErrors.Describe(e, sourceText, destinationText));
                    }

                    if (done != null)
                    {
                        return Skipped(sourceText, destinationText, source.Length, done);
                    }
                }

                if (!options.Overwrite && !(options.SkipUnchanged && existing.Length == source.Length && options.Compare == TransferCompare.SizeAndHash))
                {
                    string why = options.SkipUnchanged ? (existing.Length != source.Length ? " and differs in size" : " with a different modification time") : string.Empty;
                    ClearLeftover(source, destination, existing, keepResumable: true, sink);
                    throw Refuse(TransferErrors.DestinationExists(sourceText, destinationText, why));
                }

                if (options.SkipUnchanged && options.Compare == TransferCompare.SizeAndHash && existing.Length == source.Length
                    && sink is IShouldProcessReason host && host.WhatIfMode)
                {
                    // -WhatIf: a real run compares the content before it writes anything, so the dry run does too, here
                    // (one file at a time), and shows the files it would skip as skipped rather than as sent.
                    string? reason;
                    try
                    {
                        reason = Wait(_engine.UnchangedReasonAsync(new TransferJob(source, destination, existing), CancellationToken));
                    }
                    catch (Exception e) when (!(e is OperationCanceledException))
                    {
                        throw Refuse(e is CommandFailureException failure ? failure.Error : TransferErrors.Describe(e, sourceText, destinationText));
                    }

                    if (reason != null)
                    {
                        return Skipped(sourceText, destinationText, source.Length, reason);
                    }

                    if (!options.Overwrite)
                    {
                        throw Refuse(TransferErrors.DestinationExists(sourceText, destinationText, " and differs in content"));
                    }
                }
            }

            if (_declinedDirectories.Count > 0 && destination is FileLocation under && UnderDeclinedDirectory(under))
            {
                _claimed.Remove(destinationText);
                return null;
            }

            if (!sink.ShouldProcess("Item: " + sourceText + " Destination: " + destinationText, _direction == TransferDirection.Send ? "Send File" : "Receive File"))
            {
                return null;
            }

            var job = new TransferJob(source, destination, existing, destinationLooked: destination.Kind != LocationKind.Http)
            {
                LookupRetries = _lookupRetries.TryGetValue(source, out StrongBox<int>? retries) ? retries.Value : 0,
            };
            Stopwatch? clock = null;
            return new WorkItem(
                sourceText,
                source.Length,
                async (counter, cancellationToken) =>
                {
                    clock = Stopwatch.StartNew();
                    return await _engine.TransferAsync(job, counter, cancellationToken).ConfigureAwait(false);
                },
                e => TransferErrors.Describe(e, sourceText, destinationText),
                error => Failed(sourceText, destinationText, source.Length ?? 0, error, clock?.Elapsed ?? TimeSpan.Zero));
        }

        /// <summary>
        /// An upload whose key, below the destination prefix, is one that a download of the prefix refuses (S3UnsafeKey):
        /// file names with a backslash or a control character, legal on Linux. S3 stores them, as aws and rclone do, but
        /// a backup made so could not be brought back by Receive-StreamFile: the user hears of it now, once per file.
        /// </summary>
        private void WarnOfKeyReceiveRefuses(Location destination, string sourceText, ICommandSink sink)
        {
            if (_direction != TransferDirection.Send || !(destination is S3Location key) || !(_destination is S3Location root)
                || key.Key.Length <= root.Key.Length || !key.Key.StartsWith(root.Key, StringComparison.Ordinal))
            {
                return;
            }

            string below = key.Key.Substring(root.Key.Length).TrimStart('/');
            if (S3KeySafety.Problem(below) is string problem)
            {
                string message = $"'{S3KeySafety.Printable(sourceText)}' is stored as '{S3KeySafety.Printable(key.Display)}', whose key below the prefix, '{S3KeySafety.Printable(below)}', {problem}: Receive-StreamFile (streamfiles receive) refuses to download such a key (S3UnsafeKey). Rename the file if this copy must come back with StreamFiles.";
                if (sink is IWarningSink warnings)
                {
                    warnings.WriteWarning(message);
                }
                else
                {
                    sink.WriteVerbose("WARNING: " + message);
                }
            }
        }

        /// <summary>
        /// A file that will not be written can still find an S3 multipart upload a killed run of the same transfer left
        /// (its journal names it): cleared here, as the run that writes would clear it. A dry run leaves it.
        /// </summary>
        private void ClearLeftover(ObjectInfo source, Location destination, ObjectInfo existing, bool keepResumable, ICommandSink sink)
        {
            if ((sink is IShouldProcessReason host && host.WhatIfMode) || !FileTransfer.MayHaveLeftover(destination))
            {
                return;
            }

            try
            {
                Wait(_engine.ClearLeftoverAsync(new TransferJob(source, destination, existing), keepResumable, CancellationToken));
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                // Best effort, as in ClearLeftoverAsync: the journal stays and names the upload for the next run.
            }
        }

        protected override bool IsSkipped(object? result) => result is TransferResult transfer && transfer.Status == TransferStatus.Skipped;

        /// <summary>An item decided before any work: its destination already holds the source.</summary>
        private WorkItem Skipped(string sourceText, string destinationText, long? length, string reason)
        {
            var skipped = new TransferResult(sourceText, destinationText, length ?? 0, TransferStatus.Skipped, TimeSpan.Zero, 0, null,
                _engine.Options.Checksum.ToString(), 0, 0, 1, false, reason, null);
            return new WorkItem(sourceText, 0, (_, __) => Task.FromResult<object?>(skipped), e => TransferErrors.Describe(e, sourceText, destinationText));
        }

        private void SubmitDirectory(ObjectInfo directory, ICommandSink sink, string? under = null)
        {
            Location root = directory.Location;
            if (root is FileLocation from && _destination is FileLocation to
                && (Inside(from.Path, to.Path) || Inside(Files.RealPath.Of(from.Path), Files.RealPath.Of(to.Path)) || Files.SpecialFile.IsAtOrBelowByIdentity(from.Path, to.Path)
                    || Files.MountedPath.IsAtOrBelow(from.Path, to.Path)))
            {
                Submit(Fail(root.Display, TransferErrors.DestinationInsideSource(root.Display, _destination.Display)), sink);
                return;
            }

            ObjectInfo? target = DestinationInfo();
            if (target != null && !target.IsContainer)
            {
                Submit(Fail(root.Display, TransferErrors.DirectoryIntoFile(root.Display, _destination.Display), destination: _destination), sink);
                return;
            }

            if (target == null && _destination.Kind != LocationKind.Http)
            {
                // A directory's files go under the new name, so it is a directory for every other source too.
                _destinationIsNewDirectory = true;
                ReleaseHeld(sink);
            }

            IListableStorage lister;
            try
            {
                lister = _storages.Resolve<IListableStorage>(root, "to list a directory");
            }
            catch (CommandFailureException e)
            {
                Submit(Fail(root.Display, e.Error), sink);
                return;
            }

            bool rootPending = false;
            if (_destination is FileLocation)
            {
                // The directory a source keeps its name as is made (and, with -Confirm, asked about) like any other; so
                // is the destination itself when a source's contents go into it (a probe: -WhatIf listed every new
                // directory but that one, and -Confirm could not decline it). For an S3 prefix, only once something is
                // found there: a prefix that is missing, or whose marker holds data, made it, parents and all (a probe).
                if (root is S3Location)
                {
                    rootPending = true;
                }
                else
                {
                    CreateEmptyDirectory(directory, under ?? string.Empty, sink);
                }
            }

            IAsyncEnumerator<ListedObject> entries = lister.ListAsync(root, recurse: true, CancellationToken).GetAsyncEnumerator(CancellationToken);
            bool listedAny = false;
            try
            {
                while (true)
                {
                    try
                    {
                        if (!Wait(entries.MoveNextAsync().AsTask()))
                        {
                            break;
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    ListedObject entry = entries.Current;
                    listedAny = true;
                    if (rootPending && entry.Error is null)
                    {
                        rootPending = false;
                        CreateEmptyDirectory(directory, under ?? string.Empty, sink);
                    }

                    string relativePath = under is null ? entry.RelativePath : entry.RelativePath.Length == 0 ? under : under + "/" + entry.RelativePath;
                    if (entry.Error != null)
                    {
                        SubmitInOrder(Fail(entry.Error.Target, entry.Error), sink);
                    }
                    else if (entry.SkipReason != null)
                    {
                        sink.WriteVerbose($"Skipped '{relativePath}': {entry.SkipReason}");
                    }
                    else if (entry.Info!.IsContainer)
                    {
                        SubmitAhead(sink);
                        CreateEmptyDirectory(entry.Info, relativePath, sink);
                    }
                    else
                    {
                        SubmitInOrder(ItemFor(entry.Info!, relativePath), sink);
                    }

                    if (IsCancelled)
                    {
                        _ahead.Clear();
                        return;
                    }
                }

                SubmitAhead(sink);
            }
            finally
            {
                _ahead.Clear();
                entries.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            if (!listedAny && root is S3Location prefix && prefix.Key.Length > 0)
            {
                if (SubmitIfNoPrefix(prefix, under, sink) && rootPending)
                {
                    CreateEmptyDirectory(directory, under ?? string.Empty, sink); // an empty marked prefix, as documented
                }
            }
            else if (rootPending && !listedAny)
            {
                CreateEmptyDirectory(directory, under ?? string.Empty, sink); // a whole bucket with nothing in it
            }
        }

        /// <summary>
        /// Submits a listed item in listing order. To an object store, whose stat of each destination is a request (two
        /// for a key that is not there: HEAD, then a listing to see whether it is a prefix), the stats of the next
        /// items are started ahead, up to StatsAhead at once, so a tree of small files is not held to one stat at a
        /// time on the host thread: 2,000 files to a local Ceph RGW took 168 s against 13 s for aws s3 cp.
        /// </summary>
        private void SubmitInOrder(TransferItem item, ICommandSink sink)
        {
            if (!(_destination is S3Location))
            {
                Submit(item, sink);
                return;
            }

            if (item.Failure is null && item.Destination is Location destination)
            {
                _snapshot ??= SnapshotDestination(destination);
                item.DestinationStat = StatAheadAsync(destination);
            }

            _ahead.Enqueue(item);
            if (_ahead.Count > StatsAhead)
            {
                Submit(_ahead.Dequeue(), sink);
            }
        }

        /// <summary>Submits the items waiting for their turn.</summary>
        private void SubmitAhead(ICommandSink sink)
        {
            while (_ahead.Count > 0 && !IsCancelled)
            {
                Submit(_ahead.Dequeue(), sink);
            }
        }

        /// <summary>
        /// Lists the destination prefix once, when one request holds it all, for the first of a batch's stats ahead:
        /// a new key below it is then known to be absent without its HEAD and its listing (a tree of new small files
        /// cost four requests each, against rclone's and aws's one). The store's answer for each key still decides,
        /// on stores that support it: the upload of a key found absent is made conditional (If-None-Match: *).
        /// </summary>
        private Task SnapshotDestination(Location first)
        {
            if (!(_destination is S3Location root) || !(first is S3Location key))
            {
                return Task.CompletedTask;
            }

            string prefix = root.IsContainer ? root.Key : root.Key + "/";
            if (key.Bucket != root.Bucket || !key.Key.StartsWith(prefix, StringComparison.Ordinal)
                || !(_storages.Resolve<IStorage>(root, "as a destination") is IDestinationSnapshot storage))
            {
                return Task.CompletedTask;
            }

            return storage.SnapshotAsync(new S3Location(root.Bucket, prefix), CancellationToken);
        }

        private async Task<ObjectInfo?> StatAheadAsync(Location destination)
        {
            await _statsAhead.WaitAsync(CancellationToken).ConfigureAwait(false);
            try
            {
                if (_snapshot != null)
                {
                    await _snapshot.ConfigureAwait(false);
                }

                return await _storages.Resolve<IStorage>(destination, "as a destination").StatAsync(destination, CancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _statsAhead.Release();
            }
        }

        /// <summary>
        /// An S3 prefix that listed nothing: fine when it exists (a folder marker, as the console makes), SourceNotFound
        /// when nothing at all is there, as for a missing directory and for the same prefix written without its '/':
        /// a mistyped prefix in a scheduled job must not pass as a copy of nothing.
        /// </summary>
        /// <param name="under">The name its contents were to keep under the destination, if any (for the failed result).</param>
        /// <returns>Whether the prefix is there (a folder marker).</returns>
        private bool SubmitIfNoPrefix(S3Location prefix, string? under, ICommandSink sink)
        {
            Location? intended = under is null ? _destination : TryChild(under);
            ObjectInfo? there;
            try
            {
                there = Wait(_storages.Resolve<IStorage>(prefix, "as a source").StatAsync(new S3Location(prefix.Bucket, prefix.Key.TrimEnd('/')), CancellationToken));
            }
            catch (OperationCanceledException) when (IsCancelled)
            {
                return false;
            }
            catch (CommandFailureException e)
            {
                Submit(Fail(prefix.Display, e.Error, destination: intended), sink);
                return false;
            }

            if (there is null || !there.IsContainer)
            {
                Submit(Fail(prefix.Display, TransferErrors.SourceNotFound(prefix.Display), destination: intended), sink);
                return false;
            }

            return true;
        }

        /// <summary>
        /// Recreates a directory the listing found (the local lister names each one before its files, and an empty
        /// root), as cp -r and rsync -r do. Object stores have no directories: there it is passed over. Nothing is
        /// output for it but an error when it cannot be made.
        /// </summary>
        private void CreateEmptyDirectory(ObjectInfo directory, string relativePath, ICommandSink sink)
        {
            string sourceText = directory.Location.Display;
            Location destination;
            try
            {
                destination = relativePath.Length == 0 ? _destination : _destination.Child(relativePath);
            }
            catch (LocationFormatException e)
            {
                Submit(Fail(sourceText, e.Error), sink);
                return;
            }

            if (!(destination is FileLocation local))
            {
                return;
            }

            if (TemporaryNameTaken(local, out bool ownName) is string other && !ownName)
            {
                Submit(Fail(sourceText, TransferErrors.TemporaryNameTaken(sourceText, destination.Display, other, ownTemporaryName: false), destination: destination), sink);
                return;
            }

            if (_declinedDirectories.Count > 0 && UnderDeclinedDirectory(local))
            {
                return;
            }

            if (!_batchDirectories.Add(destination.Display))
            {
                return; // made (or asked about) already: a source's own directory, listed again as an empty tree
            }

            ClaimDirectoriesAbove(local);
            if (Directory.Exists(local.Path))
            {
                return; // nothing to do, and nothing to ask about (-WhatIf listed every existing directory again)
            }

            if (!sink.ShouldProcess("Item: " + sourceText + " Destination: " + destination.Display, "Create Directory"))
            {
                if (!(sink is IShouldProcessReason reason && reason.LastAnswerWasWhatIf))
                {
                    // Declined (-Confirm, "No"): what would go into it is passed over too, as Copy-Item does.
                    _declinedDirectories.Add(destination.Display);
                }

                return;
            }

            try
            {
                Directory.CreateDirectory(local.Path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // A directory that cannot be made is a failure to write (it was ReadError), and names where it was to go.
                TransferErrors.Mark(e, writing: true);
                Submit(Fail(sourceText, TransferErrors.Describe(e, sourceText, destination.Display), destination: destination), sink);
            }
        }

        /// <summary>
        /// Submits a source file named on its own (not found by listing a directory). A destination that does not
        /// exist yet and has no trailing separator names a file for a single source and a new directory for several,
        /// so the first such source is held until a second arrives (both then go into the directory) or the input
        /// ends (it goes to the file name). The first transfer of such a batch starts with the second source.
        /// An existing file (or a PUT URL) takes one source only: its first source is held the same way, and a second
        /// one fails both, so the file is never replaced by one of several sources before the mistake shows.
        /// </summary>
        private void SubmitFile(ObjectInfo source, ICommandSink sink)
        {
            if (!_destinationIsNewDirectory && !_severalSourcesForOneFile && _singleFileSource == null && NamesAFile())
            {
                if (_heldSource == null && _sourcesSeen <= 1)
                {
                    _heldSource = source;
                    return;
                }

                // The same source twice stays one file: its second copy is refused as a duplicate destination.
                if (_heldSource is null || _heldSource.Location.Display != source.Location.Display)
                {
                    DecideSeveralSources();
                }

                ReleaseHeld(sink);
            }

            SubmitNext(ItemFor(source, relativePath: null), sink);
        }

        /// <summary>A named source's item: behind the others whose stats run ahead while sources come quickly, else at once.</summary>
        private void SubmitNext(TransferItem item, ICommandSink sink)
        {
            if (_sourcesQueued || _ahead.Count > 0)
            {
                SubmitInOrder(item, sink);
            }
            else
            {
                Submit(item, sink);
            }
        }

        /// <summary>
        /// Several sources were named, so a destination that names a file is a new directory, or (an existing file, a
        /// PUT URL) the mistake each of them reports.
        /// </summary>
        private void DecideSeveralSources()
        {
            if (MayBeNewDirectory())
            {
                _destinationIsNewDirectory = true;
            }
            else
            {
                _severalSourcesForOneFile = true;
            }
        }

        /// <summary>
        /// A source that failed before it was looked at (missing, malformed, a directory without Recurse) still counts
        /// as one of the sources named: what the destination becomes depends on how many were named, not on how many
        /// exist today (a runbook's "a, b" to a new name made a file of it while one of them was missing).
        /// </summary>
        private void CountFailedSource(ICommandSink sink)
        {
            if (_sourcesSeen > 1 && !_destinationIsNewDirectory && !_severalSourcesForOneFile && _singleFileSource == null && NamesAFile())
            {
                DecideSeveralSources();
                ReleaseHeld(sink);
            }
        }

        private bool MayBeNewDirectory() =>
            _destination.Kind != LocationKind.Http && !_destination.IsContainer && DestinationInfo() == null;

        /// <summary>Whether the destination may name a single file: a PUT URL, an existing file, or a new name without a trailing separator.</summary>
        private bool NamesAFile() =>
            !_destination.IsContainer && (_destination.Kind == LocationKind.Http || !(DestinationInfo() is ObjectInfo existing && existing.IsContainer));

        /// <summary>Submits the held first source, into the new directory or as the single file the destination names.</summary>
        private void ReleaseHeld(ICommandSink sink)
        {
            if (_heldSource is ObjectInfo held)
            {
                _heldSource = null;
                SubmitNext(ItemFor(held, relativePath: null), sink);
            }
        }

        /// <summary>The input has ended: a source still held was the only one; a file goes to the file name, a directory gives its contents.</summary>
        protected override void EndInput(ICommandSink sink)
        {
            ReleaseHeldDirectory(sink, keepName: false);
            ReleaseHeld(sink);
            SubmitAhead(sink);
        }

        /// <summary>Where one source file goes.</summary>
        private TransferItem ItemFor(ObjectInfo source, string? relativePath)
        {
            Location destination;
            try
            {
                if (relativePath != null)
                {
                    destination = _destination.Child(relativePath);
                }
                else if (_destinationIsNewDirectory || DestinationIsDirectory())
                {
                    // An object named on its own (s3://b/k, a piped BucketName and Key) lands under its key's last
                    // segment, which must be a file name there as a listed object's key must be.
                    if (source.Location is S3Location s3 && S3KeySafety.Refusal(s3.Display, s3.Name, "the last part of its key") is CommandError unsafeKey)
                    {
                        return Fail(source.Location.Display, unsafeKey, source.Length ?? 0);
                    }

                    destination = _destination.Child(source.Location.Name);
                }
                else
                {
                    // The destination names a file: good for exactly one source.
                    if (_severalSourcesForOneFile || (_singleFileSource != null && _singleFileSource != source.Location.Display))
                    {
                        return Fail(source.Location.Display, TransferErrors.DestinationNotDirectory(source.Location.Display, _destination.Display), source.Length ?? 0, _destination);
                    }

                    _singleFileSource = source.Location.Display;
                    destination = _destination;
                }
            }
            catch (LocationFormatException e)
            {
                return Fail(source.Location.Display, e.Error, source.Length ?? 0);
            }

            return new TransferItem(source, destination);
        }

        private bool DestinationIsDirectory()
        {
            if (_destination.IsContainer)
            {
                return true;
            }

            ObjectInfo? info = DestinationInfo();
            return info != null && info.IsContainer;
        }

        private ObjectInfo? DestinationInfo()
        {
            if (!_destinationLooked)
            {
                _destinationLooked = true;
                try
                {
                    _destinationInfo = _destination.Kind == LocationKind.Http
                        ? null // a PUT URL: a directory only when written with a trailing '/'
                        : Wait(_storages.Resolve<IStorage>(_destination, "as a destination").StatAsync(_destination, CancellationToken));
                }
                catch (OperationCanceledException) when (IsCancelled)
                {
                    _destinationInfo = null; // stopped: nothing more is submitted
                }
                catch (Exception e) when (!(e is OperationCanceledException))
                {
                    // Each file's own check reports the problem. That includes a store's error that outlasted its
                    // client's retries (a 503 SlowDown burst, found by the fault matrix), which used to escape the
                    // operation and end the whole batch instead of failing one file.
                    _destinationInfo = null;
                }
            }

            return _destinationInfo;
        }

        /// <summary>
        /// This destination's own temporary name when the batch uses it for another file or directory (ownName); or
        /// another local file of this batch whose temporary name ('x.partial', or its resume journal) is this
        /// destination or a directory above it. Null when there is none.
        /// </summary>
        private string? TemporaryNameTaken(FileLocation destination, out bool ownName)
        {
            const string partial = LocalObjectWriter.PartialSuffix;
            string own = FileLocation.FromPath(Files.PartialFile.PathFor(destination.Path)).Display;
            ownName = _claimed.Contains(own) || _batchDirectories.Contains(own);
            if (ownName)
            {
                return own;
            }

            // Only names at or below the command's destination can be another item's.
            int top = _destination is FileLocation root ? root.Path.TrimEnd(Path.DirectorySeparatorChar).Length : 0;
            StringComparison comparison = Location.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            foreach (string suffix in new[] { partial, partial + Resume.ResumeJournal.Suffix })
            {
                for (string? path = destination.Path; !string.IsNullOrEmpty(path) && path!.Length > top && path != Path.GetPathRoot(path); path = Path.GetDirectoryName(path))
                {
                    if (path.EndsWith(suffix, comparison))
                    {
                        string stem = FileLocation.FromPath(path.Substring(0, path.Length - suffix.Length)).Display;
                        if (_claimed.Contains(stem))
                        {
                            return stem;
                        }
                    }
                }
            }

            return null;
        }

        private bool UnderDeclinedDirectory(FileLocation destination)
        {
            for (string? path = Path.GetDirectoryName(destination.Path); !string.IsNullOrEmpty(path) && path != Path.GetPathRoot(path); path = Path.GetDirectoryName(path))
            {
                if (_declinedDirectories.Contains(FileLocation.FromPath(path!).Display))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Notes the directories between the command's destination and a file of the batch, so no file's temporary name can be one of them.</summary>
        private void ClaimDirectoriesAbove(FileLocation destination)
        {
            int top = _destination is FileLocation root ? root.Path.TrimEnd(Path.DirectorySeparatorChar).Length : 0;
            for (string? path = Path.GetDirectoryName(destination.Path); !string.IsNullOrEmpty(path) && path!.Length > top && path != Path.GetPathRoot(path); path = Path.GetDirectoryName(path))
            {
                if (!_batchDirectories.Add(FileLocation.FromPath(path).Display))
                {
                    break; // its parents are in already
                }
            }
        }

        /// <summary>A directory above a local destination that another item of this batch writes as a file; null when none is.</summary>
        private string? ClaimedParent(FileLocation destination)
        {
            // Every item lands at or below the command's destination: nothing above it can be another item's file.
            int top = _destination is FileLocation root ? root.Path.TrimEnd(Path.DirectorySeparatorChar).Length : 0;
            string? parent = Path.GetDirectoryName(destination.Path);
            while (!string.IsNullOrEmpty(parent) && parent!.Length >= top && parent != Path.GetPathRoot(parent))
            {
                string display = FileLocation.FromPath(parent!).Display;
                if (_claimed.Contains(display))
                {
                    return display;
                }

                parent = Path.GetDirectoryName(parent);
            }

            return null;
        }

        /// <param name="destination">Where it was to go, when that is known and is what the error is about (the result then names it).</param>
        /// <param name="lookup">How long looking at the source took and how often its requests were tried, when it failed there.</param>
        private TransferItem Fail(string source, CommandError error, long length = 0, Location? destination = null, (TimeSpan Took, int Attempts) lookup = default) =>
            new TransferItem(source, destination, error, length, lookup.Took, Math.Max(1, lookup.Attempts));

        /// <summary>
        /// An S3 credential error is made before any location is in sight, with "s3://" for its target: it goes out
        /// naming the file's S3 side, as every other error names its input (a probe: "target":"s3://" in --json, and
        /// TargetObject s3:// in PowerShell).
        /// </summary>
        /// <remarks>
        /// A backend's error shown on its own, not inside "Cannot copy …: ", starts as a sentence too: S3's began with
        /// its step in lower case ("look up s3://b/k: the bucket … does not exist", a probe).
        /// </remarks>
        protected override (object? Result, CommandError? Error) Settle(object? result, CommandError? error)
        {
            if (error is null)
            {
                return (result, error);
            }

            CommandError named = error.AsSentence();
            if (named.Target == "s3://" && result is TransferResult about)
            {
                bool fromS3 = about.Source.StartsWith("s3://", StringComparison.Ordinal);
                named = named.WithTarget(fromS3 || !about.Destination.StartsWith("s3://", StringComparison.Ordinal) ? about.Source : about.Destination);
            }

            if (ReferenceEquals(named, error))
            {
                return (result, error);
            }

            return (result is TransferResult transfer && ReferenceEquals(transfer.Error, error) ? transfer.WithError(named) : result, named);
        }

        private TransferResult Failed(string source, string? destination, long length, CommandError error, TimeSpan duration, int attempts = 1) =>
            new TransferResult(source, destination ?? string.Empty, length, TransferStatus.Failed, duration, 0, null,
                _engine.Options.Checksum.ToString(), 0, 0, attempts, false, null, error);

        private static bool SamePath(string a, string b) =>
            string.Equals(a, b, Location.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

        /// <summary>Whether path is directory or below it, by their text.</summary>
        private static bool Inside(string directory, string path) =>
            SamePath(directory, path) || path.StartsWith(directory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, Location.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

        /// <summary>
        /// A destination that is the source under other text, through a symbolic link (the link to the source, or the
        /// source reached through one): the copy would replace the link, or the file with itself, as cp refuses to.
        /// Only an existing destination can be; it costs a stat per file, and more only then.
        /// </summary>
        private static bool SameFileThroughLinks(string source, string destination) =>
            (File.Exists(destination) || Directory.Exists(destination)) && SamePath(Files.RealPath.Of(source), Files.RealPath.Of(destination));

        /// <summary>Host-thread waits on backend calls: local ones complete synchronously; remote ones block the host as any cmdlet call would.</summary>
        private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

        private static void Wait(Task task) => task.GetAwaiter().GetResult();
    }
}
