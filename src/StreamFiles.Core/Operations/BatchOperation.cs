using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Operations
{
    /// <summary>
    /// Runs a stream of inputs with bounded concurrency on the thread pool and hands everything the host
    /// must show back to the host's own thread. The host calls Submit for each input as it arrives (items
    /// start while later inputs are still coming), Drain whenever it likes, and Complete at the end; each
    /// of them writes to the sink only from the calling thread. Cancellation stops the running items and
    /// lets Submit and Complete return promptly.
    /// </summary>
    public abstract class BatchOperation<TRequest> : IDisposable
    {
        private readonly OperationSettings _settings;
        private readonly CancellationToken _cancellationToken;
        private readonly SemaphoreSlim _slots;
        private readonly AutoResetEvent _wake = new AutoResetEvent(false);
        private readonly ConcurrentQueue<Outcome> _outbox = new ConcurrentQueue<Outcome>();
        private readonly ConcurrentQueue<(string Text, bool Warning)> _notes = new ConcurrentQueue<(string Text, bool Warning)>();
        private readonly SortedDictionary<long, Outcome> _reorder = new SortedDictionary<long, Outcome>();
        private readonly ProgressPacer _progress;
        private long _nextSequence;
        private long _nextToEmit;
        private int _running;
        private int _failed;
        private int _succeeded;

        protected BatchOperation(OperationSettings settings, string activity, CancellationToken cancellationToken)
        {
            _settings = settings ?? throw new ArgumentNullException(nameof(settings));
            _cancellationToken = cancellationToken;
            _slots = new SemaphoreSlim(settings.ThrottleLimit, settings.ThrottleLimit);
            _progress = new ProgressPacer(settings, activity);
        }

        public OperationSettings Settings => _settings;

        protected CancellationToken CancellationToken => _cancellationToken;

        /// <summary>Items that failed, including inputs refused before they started.</summary>
        public int FailedCount => Volatile.Read(ref _failed);

        /// <summary>Items that produced a result.</summary>
        public int SucceededCount => Volatile.Read(ref _succeeded);

        public bool IsCancelled => _cancellationToken.IsCancellationRequested;

        /// <summary>
        /// Validates one input on the host thread (where ShouldProcess may be asked) and describes the work.
        /// Returns null to skip the input quietly; throws CommandFailureException to fail it.
        /// </summary>
        protected abstract WorkItem? Prepare(TRequest request, ICommandSink sink);

        /// <summary>Whether an item's result says it was left alone (counted as skipped in the closing summary).</summary>
        protected virtual bool IsSkipped(object? result) => false;

        /// <summary>Hands one input to the batch; blocks while the throttle is full, draining meanwhile.</summary>
        public void Submit(TRequest request, ICommandSink sink)
        {
            if (sink is null)
            {
                throw new ArgumentNullException(nameof(sink));
            }

            if (_cancellationToken.IsCancellationRequested)
            {
                return;
            }

            Drain(sink);
            long sequence = _nextSequence++;
            WorkItem? work;
            try
            {
                work = Prepare(request, sink);
            }
            catch (CommandFailureException failure)
            {
                Interlocked.Increment(ref _failed);
                _progress.Tracker.AddSubmitted(null);
                _progress.Tracker.CountFinishedWithoutWork(null);
                _progress.Tracker.CountFailed();
                Post(new Outcome(sequence, failure.Result, failure.Error));
                Drain(sink);
                return;
            }
            catch (OperationCanceledException) when (_cancellationToken.IsCancellationRequested)
            {
                // Stopped while the item was being looked at (a destination's stat): it goes nowhere, as items that
                // never started do, instead of the cancellation escaping to the host (an unhandled exception in the CLI).
                Post(new Outcome(sequence, null, null));
                return;
            }

            if (work is null)
            {
                Post(new Outcome(sequence, null, null));
                Drain(sink);
                return;
            }

            _progress.Tracker.AddSubmitted(work.Length);
            while (!_slots.Wait(0))
            {
                Drain(sink);
                if (_cancellationToken.IsCancellationRequested)
                {
                    _progress.Tracker.CountFinishedWithoutWork(work.Length);
                    Post(new Outcome(sequence, null, null));
                    return;
                }

                _wake.WaitOne(_settings.ProgressInterval);
            }

            Interlocked.Increment(ref _running);
            ProgressTracker.TrackedItem tracked = _progress.Tracker.Start(work.Name, work.Length);
            _ = Task.Run(() => RunAsync(sequence, work, tracked));
        }

        /// <summary>
        /// Queues a verbose message from any thread (a backend's retry notice); the host writes it on its own
        /// thread at the next Drain. The text must already be safe to show (URLs redacted).
        /// </summary>
        public void PostVerbose(string message) => Post(message, warning: false);

        /// <summary>Queues a warning from any thread, as PostVerbose does; hosts without warnings get it as a verbose line.</summary>
        public void PostWarning(string message) => Post(message, warning: true);

        private void Post(string message, bool warning)
        {
            if (!string.IsNullOrEmpty(message))
            {
                _notes.Enqueue((message, warning));
                try
                {
                    _wake.Set();
                }
                catch (ObjectDisposedException)
                {
                    // A late notice after the host finished: nobody is left to show it.
                }
            }
        }

        private void WriteNotes(ICommandSink sink)
        {
            while (_notes.TryDequeue(out (string Text, bool Warning) note))
            {
                if (!note.Warning)
                {
                    sink.WriteVerbose(note.Text);
                }
                else if (sink is IWarningSink warnings)
                {
                    warnings.WriteWarning(note.Text);
                }
                else
                {
                    sink.WriteVerbose("WARNING: " + note.Text);
                }
            }
        }

        /// <summary>Writes whatever is ready: results, errors, and a progress or status sample when due.</summary>
        public void Drain(ICommandSink sink)
        {
            WriteNotes(sink);

            while (_outbox.TryDequeue(out Outcome outcome))
            {
                if (_settings.OrderedOutput)
                {
                    _reorder[outcome.Sequence] = outcome;
                    while (_reorder.TryGetValue(_nextToEmit, out Outcome next))
                    {
                        _reorder.Remove(_nextToEmit);
                        _nextToEmit++;
                        Emit(next, sink);
                    }
                }
                else if (outcome.Error != null && _settings.FirstErrorEnds)
                {
                    EmitAfterRunning(outcome, sink);
                }
                else
                {
                    Emit(outcome, sink);
                }
            }

            _progress.Tick(sink);
        }

        /// <summary>An error that ends the command: the items still running finish first, and their results go out before it.</summary>
        private void EmitAfterRunning(Outcome error, ICommandSink sink)
        {
            while (Volatile.Read(ref _running) > 0 && !_cancellationToken.IsCancellationRequested)
            {
                _wake.WaitOne(_settings.ProgressInterval);

                // The wait can be long (a large file finishing): progress and the status lines go on meanwhile, or a
                // runbook's log looks frozen.
                WriteNotes(sink);

                _progress.Tick(sink);
            }

            var laterErrors = new List<Outcome>();
            while (_outbox.TryDequeue(out Outcome finished))
            {
                if (finished.Error is null)
                {
                    Emit(finished, sink);
                }
                else
                {
                    laterErrors.Add(finished);
                }
            }

            Emit(error, sink);
            foreach (Outcome later in laterErrors)
            {
                Emit(later, sink);
            }
        }

        /// <summary>
        /// After cancellation (a host that gave up: -ErrorAction Stop ended the command), waits up to timeout for the
        /// running items to let go of their files, so that a rerun straight away (with -Resume) finds them closed and
        /// a run without -Resume has removed what it wrote. Writes nothing. Returns whether all stopped.
        /// </summary>
        public bool WaitForStopped(TimeSpan timeout)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (Volatile.Read(ref _running) > 0)
            {
                TimeSpan left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }

                _wake.WaitOne(left < _settings.ProgressInterval ? left : _settings.ProgressInterval);
            }

            return true;
        }

        /// <summary>
        /// Waits for the items already running and writes what they produce. A host calls it before an error of its
        /// own about a later input (a path that does not exist): under -ErrorAction Stop that error ends the command,
        /// and the results of the inputs before it must be out by then, as a command that does one input at a time
        /// would have them. Returns early when cancelled.
        /// </summary>
        public void WaitForRunning(ICommandSink sink)
        {
            if (sink is null)
            {
                throw new ArgumentNullException(nameof(sink));
            }

            while (Volatile.Read(ref _running) > 0 && !_cancellationToken.IsCancellationRequested)
            {
                Drain(sink);
                _wake.WaitOne(_settings.ProgressInterval);
            }

            Drain(sink);
        }

        /// <summary>Called once when the input has ended, before Complete waits: an input held back can still be submitted.</summary>
        protected virtual void EndInput(ICommandSink sink)
        {
        }

        /// <summary>Marks the input complete and waits for every item, draining as they finish.</summary>
        public void Complete(ICommandSink sink)
        {
            if (sink is null)
            {
                throw new ArgumentNullException(nameof(sink));
            }

            EndInput(sink);
            _progress.Tracker.CompleteInput();
            while (Volatile.Read(ref _running) > 0)
            {
                Drain(sink);
                _wake.WaitOne(_settings.ProgressInterval);
            }

            Drain(sink);
            Close(sink);
        }

        /// <summary>Sends the final progress record (hosts close their displays); safe to call twice.</summary>
        public void Close(ICommandSink sink) => _progress.Close(sink);

        private async Task RunAsync(long sequence, WorkItem work, ProgressTracker.TrackedItem tracked)
        {
            Outcome outcome;
            try
            {
                object? result = await work.Run(tracked.Counter, _cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _succeeded);
                if (IsSkipped(result))
                {
                    _progress.Tracker.CountSkipped();
                }

                outcome = new Outcome(sequence, result, null);
            }
            catch (OperationCanceledException) when (_cancellationToken.IsCancellationRequested)
            {
                outcome = new Outcome(sequence, null, null);
            }
            catch (Exception exception)
            {
                Interlocked.Increment(ref _failed);
                _progress.Tracker.CountFailed();
                CommandError error = exception is CommandFailureException failure ? failure.Error : work.DescribeFailure(exception);
                outcome = new Outcome(sequence, (exception as CommandFailureException)?.Result ?? work.FailureResult?.Invoke(error), error);
            }

            _progress.Tracker.Finish(tracked, failed: outcome.Error != null);

            // The outcome goes out before the item stops counting as running: once Complete sees no item
            // running, its last Drain must find every outcome.
            _outbox.Enqueue(outcome);
            _slots.Release();
            Interlocked.Decrement(ref _running);
            try
            {
                _wake.Set();
            }
            catch (ObjectDisposedException)
            {
                // Complete returned and the host disposed the batch in between; nobody is waiting.
            }
        }

        private void Post(Outcome outcome)
        {
            _outbox.Enqueue(outcome);
            _wake.Set();
        }

        private void Emit(Outcome outcome, ICommandSink sink)
        {
            (object? result, CommandError? error) = Settle(outcome.Result, outcome.Error);

            // A failed item may also have a result (a TransferResult with Status Failed): error first, then result.
            if (error != null)
            {
                sink.WriteError(error);
            }

            if (result != null)
            {
                sink.WriteResult(result);
            }
        }

        /// <summary>An item's result and error as they go out: a subclass may name in the error what its result names.</summary>
        protected virtual (object? Result, CommandError? Error) Settle(object? result, CommandError? error) => (result, error);

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>How long Dispose waits, after the host cancelled, for the items still running to let go of their files.</summary>
        internal static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);

        protected virtual void Dispose(bool disposing)
        {
            // A host that gave up (-ErrorAction Stop ended the command) cancelled first: its items stop within moments,
            // and until they have, a rerun straight away would find their .partial files still open, and a run without
            // -Resume would not yet have removed what it wrote.
            if (disposing && _cancellationToken.IsCancellationRequested)
            {
                WaitForStopped(StopWait);
            }

            // Items still running past that keep their handles until they notice cancellation.
            if (disposing && Volatile.Read(ref _running) == 0)
            {
                _slots.Dispose();
                _wake.Dispose();
            }
        }

        private readonly struct Outcome
        {
            public Outcome(long sequence, object? result, CommandError? error)
            {
                Sequence = sequence;
                Result = result;
                Error = error;
            }

            public long Sequence { get; }

            public object? Result { get; }

            public CommandError? Error { get; }
        }
    }
}
