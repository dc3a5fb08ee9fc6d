using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// Writes a file as &lt;destination&gt;.partial — preallocated, written at offsets by parallel parts — and renames it
    /// to the final name only when complete, after setting the source's modification time and mode. A failed
    /// transfer deletes the .partial (or keeps it for Resume); an existing destination is never touched before
    /// the rename.
    /// </summary>
    internal sealed class LocalObjectWriter : IObjectWriter, IPositionalWriter, IReadBackWriter, IRangeCopyWriter, IDurableWriter
    {
        public const string PartialSuffix = ".partial";

        private readonly WriteRequest _request;
        private readonly string _finalPath;
        private readonly string _partialPath;
        private readonly long _continuedLength;
        private LocalFile? _file;
        private bool? _readBackIsLocal;

        private LocalObjectWriter(WriteRequest request, string finalPath, string partialPath, LocalFile file, long continuedLength)
        {
            _request = request;
            _finalPath = finalPath;
            _partialPath = partialPath;
            _file = file;
            _continuedLength = continuedLength;
        }

        public string? ResumeToken => null;

        public string PartialPath => _partialPath;

        public static LocalObjectWriter Open(WriteRequest request, string finalPath, bool portable)
        {
            Files.SystemPath.ThrowIfSystemPath(finalPath);
            string partial = Files.PartialFile.PathFor(finalPath);
            long? length = request.Plan.Length;

            // Before a resume too: a journal beside it does not make a file no run marked StreamFiles' own (a probe).
            // A directory there (not a link to one) is never replaced (a probe: with -Force, WriteError "already exists").
            FileAttributes attributes = new FileInfo(partial).Attributes;
            if ((int)attributes != -1 && (attributes & FileAttributes.Directory) != 0 && (attributes & FileAttributes.ReparsePoint) == 0)
            {
                throw new PartialInTheWayException(partial, directory: true);
            }

            if (!request.Overwrite && !portable && PartialMark.Of(partial) == PartialMark.State.Unmarked)
            {
                throw new PartialInTheWayException(partial);
            }

            // So are the journal's name and the name it is saved under first (a probe: a user's x.partial.journal.tmp
            // was replaced, then gone, after any copy to x with --resume).
            foreach (string journal in new[] { partial + Resume.ResumeJournal.Suffix, partial + Resume.ResumeJournal.Suffix + Resume.ResumeJournal.TemporarySuffix })
            {
                if ((!request.Overwrite || Directory.Exists(journal)) && Resume.ResumeJournal.IsForeign(journal))
                {
                    throw new PartialInTheWayException(journal, journal: true, directory: Directory.Exists(journal));
                }
            }

            if (request.Resume)
            {
                (LocalFile? existing, long existingLength) = TryOpenExisting(partial, length, portable);
                if (existing != null)
                {
                    return new LocalObjectWriter(request, finalPath, partial, existing, existingLength);
                }
            }

            LocalFile file;
            try
            {
                file = LocalFile.OpenWrite(partial, create: true, length, portable, request.Source.UnixMode);
            }
            catch (IOException e) when (e is DirectoryNotFoundException || e is FileNotFoundException)
            {
                // The first file of a new directory: create the tree (cheaper than checking before every file).
                // Creating a file can only be "not found" for its directory; .NET says FileNotFound when another
                // file's transfer created the directory between the failed open and its own check.
                try
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
                }
                catch (IOException inner) when (ParentIsFileException.FileAncestor(finalPath) is string blocking)
                {
                    throw new ParentIsFileException(blocking, inner);
                }

                file = LocalFile.OpenWrite(partial, create: true, length, portable, request.Source.UnixMode);
            }

            if (!portable)
            {
                PartialMark.Set(partial);
            }

            return new LocalObjectWriter(request, finalPath, partial, file, continuedLength: 0);
        }

        /// <summary>Opens the .partial an earlier run left, if there is one no longer than expected; returns how much of it exists.</summary>
        private static (LocalFile? File, long Length) TryOpenExisting(string partial, long? length, bool portable)
        {
            if (!length.HasValue || !System.IO.File.Exists(partial))
            {
                return (null, 0);
            }

            LocalFile file = LocalFile.OpenWrite(partial, create: false, length, portable);
            long existing = file.Length;
            if (existing > length!.Value)
            {
                file.Dispose();
                return (null, 0);
            }

            if (existing < length.Value)
            {
                file.SetLength(length.Value);
            }

            return (file, existing);
        }

        public ValueTask WriteAtAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
            OpenFile().WriteAtAsync(offset, data, cancellationToken);

        public void FlushToDisk() => OpenFile().FlushToDisk();

        public bool TryCopyRange(IObjectReader source, long offset, int count)
        {
#if NET8_0_OR_GREATER
            if (source is LocalObjectReader local
                && local.File?.Handle is { } from
                && _file?.Handle is { } to
                && CopyFileRange.TryCopy(from, to, offset, count))
            {
                _file.Copied(count);
                return true;
            }

            return false;
#else
            return false;
#endif
        }

        public Task<IReadOnlyList<PartReceipt>> ConfirmPartsAsync(IReadOnlyList<PartReceipt> journaled, CancellationToken cancellationToken)
        {
            // Parts beyond what the .partial held were never written (a file not yet extended); the engine
            // re-reads the rest and keeps the parts whose CRC still matches.
            IReadOnlyList<PartReceipt> confirmed = journaled.Where(p => p.End() <= _continuedLength).ToList();
            return Task.FromResult(confirmed);
        }

        public Task<IObjectReader> OpenReadBackAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IObjectReader>(LocalObjectReader.Over(OpenFile(), _partialPath));

        public bool ReadBackIsLocal => _readBackIsLocal ??= !NetworkPath.Holds(_partialPath);

        public IReadBackCursor FollowWrites(long? window = null)
        {
#if NET8_0_OR_GREATER
            if (OpenFile().DropBehind is { } dropBehind)
            {
                return dropBehind.HoldFor(window);
            }
#endif
            return NoReadBackCursor.Instance;
        }

        public Task CommitAsync(IReadOnlyList<PartReceipt> parts, CancellationToken cancellationToken)
        {
            LocalFile file = OpenFile();
            file.Finished();
            PartialMark.Clear(_partialPath);
            file.SetTimesAndMode(_request.Source.LastModified, _request.Source.UnixMode, _partialPath);
            file.Dispose();
            _file = null;
            FileReplace.Move(_partialPath, _finalPath, _request.Overwrite);
            return Task.CompletedTask;
        }

        public Task AbortAsync(bool keepForResume, CancellationToken cancellationToken)
        {
            _file?.Dispose();
            _file = null;
            if (!keepForResume)
            {
                try
                {
                    System.IO.File.Delete(_partialPath);
                }
                catch (IOException)
                {
                    // Best effort: the .partial name never passes for the finished file.
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            return Task.CompletedTask;
        }

        public void Dispose()
        {
            _file?.Dispose();
            _file = null;
        }

        private LocalFile OpenFile() => _file ?? throw new ObjectDisposedException(nameof(LocalObjectWriter));
    }

    internal static class PartReceiptExtensions
    {
        public static long End(this PartReceipt part) => part.Offset + part.Length;
    }
}
