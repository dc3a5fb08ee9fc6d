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
    internal sealed class LocalObjectWriter : IObjectWriter, IPositionalWriter, IReadBackWriter
    {
        public const string PartialSuffix = ".partial";

        private readonly WriteRequest _request;
        private readonly string _finalPath;
        private readonly string _partialPath;
        private readonly bool _continued;
        private LocalFile? _file;

        private LocalObjectWriter(WriteRequest request, string finalPath, string partialPath, LocalFile file, bool continued)
        {
            _request = request;
            _finalPath = finalPath;
            _partialPath = partialPath;
            _file = file;
            _continued = continued;
        }

        public string? ResumeToken => null;

        public string PartialPath => _partialPath;

        public static LocalObjectWriter Open(WriteRequest request, string finalPath, bool portable)
        {
            string partial = finalPath + PartialSuffix;
            long? length = request.Plan.Length;
            if (request.Resume)
            {
                LocalFile? existing = TryOpenExisting(partial, length, portable);
                if (existing != null)
                {
                    return new LocalObjectWriter(request, finalPath, partial, existing, continued: true);
                }
            }

            LocalFile file;
            try
            {
                file = LocalFile.OpenWrite(partial, create: true, length, portable);
            }
            catch (DirectoryNotFoundException)
            {
                // The first file of a new directory: create the tree (cheaper than checking before every file).
                Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
                file = LocalFile.OpenWrite(partial, create: true, length, portable);
            }
            return new LocalObjectWriter(request, finalPath, partial, file, continued: false);
        }

        private static LocalFile? TryOpenExisting(string partial, long? length, bool portable)
        {
            if (!length.HasValue || !System.IO.File.Exists(partial))
            {
                return null;
            }

            // Preallocation keeps the visible size (fallocate KEEP_SIZE), so an interrupted .partial is as long as
            // the furthest byte written: shorter than planned is normal, longer means it is not this transfer's.
            LocalFile file = LocalFile.OpenWrite(partial, create: false, length, portable);
            if (file.Length <= length!.Value)
            {
                return file;
            }

            file.Dispose();
            return null;
        }

        public ValueTask WriteAtAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
            OpenFile().WriteAtAsync(offset, data, cancellationToken);

        public Task<IReadOnlyList<PartReceipt>> ConfirmPartsAsync(IReadOnlyList<PartReceipt> journaled, CancellationToken cancellationToken)
        {
            IReadOnlyList<PartReceipt> confirmed = _continued
                ? journaled.Where(p => p.End() <= OpenFile().Length).ToList()
                : (IReadOnlyList<PartReceipt>)Array.Empty<PartReceipt>();
            return Task.FromResult(confirmed);
        }

        public Task<IObjectReader> OpenReadBackAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IObjectReader>(LocalObjectReader.Over(OpenFile(), _partialPath));

        public Task CommitAsync(IReadOnlyList<PartReceipt> parts, CancellationToken cancellationToken)
        {
            LocalFile file = OpenFile();
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
