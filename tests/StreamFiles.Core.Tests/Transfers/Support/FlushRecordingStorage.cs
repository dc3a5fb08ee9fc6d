using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Resume;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Local;

namespace StreamFiles.Core.Tests.Transfers.Support
{
    /// <summary>
    /// The local backend with its writer watched: it records which byte ranges were written and which of them a
    /// FlushToDisk made durable, and at every write, every flush and the commit it reads the resume journal from
    /// disk and notes any part the journal lists whose bytes were not flushed yet (what a crash could lose). It also
    /// counts read-backs of the partial file, and can pass for a network share (OnNetwork).
    /// </summary>
    public sealed class FlushRecordingStorage : IReadableStorage, IWritableStorage
    {
        private readonly LocalStorage _inner = new LocalStorage();
        private readonly object _gate = new object();
        private readonly List<string> _violations = new List<string>();
        private int _flushes;
        private int _journalChecks;
        private int _readBacks;

        public string Name => "flush-recording-local";

        public PartLimits PartLimits => _inner.PartLimits;

        /// <summary>A pause per write, so that a small transfer lasts past the engine's journal interval.</summary>
        public TimeSpan WriteDelay { get; set; }

        public IReadOnlyList<string> Violations
        {
            get
            {
                lock (_gate)
                {
                    return _violations.ToList();
                }
            }
        }

        public int Flushes => Volatile.Read(ref _flushes);

        /// <summary>The writer says its file is on a network share (reading back is not local).</summary>
        public bool OnNetwork { get; set; }

        /// <summary>How many times the partial file was opened for reading back.</summary>
        public int ReadBacks => Volatile.Read(ref _readBacks);

        /// <summary>How many times a journal listing at least one part was found and checked.</summary>
        public int JournalChecks => Volatile.Read(ref _journalChecks);

        public bool IsTransient(Exception exception) => false;

        public Task<ObjectInfo?> StatAsync(Location location, CancellationToken cancellationToken) => _inner.StatAsync(location, cancellationToken);

        public Task<IObjectReader> OpenReadAsync(ObjectInfo source, CancellationToken cancellationToken) => _inner.OpenReadAsync(source, cancellationToken);

        public async Task<IObjectWriter> OpenWriterAsync(WriteRequest request, CancellationToken cancellationToken) =>
            new Writer(this, await _inner.OpenWriterAsync(request, cancellationToken), ResumeJournal.PathFor(request.Destination));

        private sealed class Writer : IObjectWriter, IPositionalWriter, IReadBackWriter, IDurableWriter
        {
            private readonly FlushRecordingStorage _owner;
            private readonly IObjectWriter _inner;
            private readonly string _journalPath;
            private readonly List<(long Start, long End)> _written = new List<(long, long)>();
            private readonly List<(long Start, long End)> _flushed = new List<(long, long)>();

            public Writer(FlushRecordingStorage owner, IObjectWriter inner, string journalPath)
            {
                _owner = owner;
                _inner = inner;
                _journalPath = journalPath;
            }

            public string? ResumeToken => _inner.ResumeToken;

            public Task<IReadOnlyList<PartReceipt>> ConfirmPartsAsync(IReadOnlyList<PartReceipt> journaled, CancellationToken cancellationToken) =>
                _inner.ConfirmPartsAsync(journaled, cancellationToken);

            public Task<IObjectReader> OpenReadBackAsync(CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref _owner._readBacks);
                return ((IReadBackWriter)_inner).OpenReadBackAsync(cancellationToken);
            }

            public IReadBackCursor FollowWrites(long? window = null) => ((IReadBackWriter)_inner).FollowWrites(window);

            public bool ReadBackIsLocal => !_owner.OnNetwork && ((IReadBackWriter)_inner).ReadBackIsLocal;

            public async ValueTask WriteAtAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
            {
                CheckJournal("a write");
                if (_owner.WriteDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_owner.WriteDelay, cancellationToken);
                }

                await ((IPositionalWriter)_inner).WriteAtAsync(offset, data, cancellationToken);
                lock (_owner._gate)
                {
                    _written.Add((offset, offset + data.Length));
                }
            }

            public void FlushToDisk()
            {
                CheckJournal("a flush");
                List<(long, long)> done;
                lock (_owner._gate)
                {
                    done = _written.ToList();
                }

                ((IDurableWriter)_inner).FlushToDisk();
                lock (_owner._gate)
                {
                    _flushed.AddRange(done);
                    Interlocked.Increment(ref _owner._flushes);
                }
            }

            public Task CommitAsync(IReadOnlyList<PartReceipt> parts, CancellationToken cancellationToken)
            {
                CheckJournal("the commit");
                return _inner.CommitAsync(parts, cancellationToken);
            }

            public Task AbortAsync(bool keepForResume, CancellationToken cancellationToken)
            {
                CheckJournal("the abort");
                return _inner.AbortAsync(keepForResume, cancellationToken);
            }

            public void Dispose() => _inner.Dispose();

            /// <summary>Every part the journal on disk lists must lie in bytes already flushed.</summary>
            private void CheckJournal(string when)
            {
                ResumeJournal? journal = ResumeJournal.TryLoad(_journalPath, out _);
                if (journal is null || journal.Parts.Count == 0)
                {
                    return;
                }

                lock (_owner._gate)
                {
                    Interlocked.Increment(ref _owner._journalChecks);
                    foreach (PartReceipt part in journal.Parts)
                    {
                        if (!Covered(part.Offset, part.Offset + part.Length))
                        {
                            _owner._violations.Add($"at {when} the journal listed part {part.Number} (bytes {part.Offset}-{part.Offset + part.Length}) before it was flushed");
                        }
                    }
                }
            }

            private bool Covered(long start, long end)
            {
                long reached = start;
                foreach ((long s, long e) in _flushed.OrderBy(r => r.Start))
                {
                    if (s <= reached && e > reached)
                    {
                        reached = e;
                    }
                }

                return reached >= end;
            }
        }
    }
}
