using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Operations;
#if NET8_0_OR_GREATER
using Microsoft.Win32.SafeHandles;
#endif

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// An open file read and written at offsets from many threads. On .NET 8 a SafeFileHandle with RandomAccess
    /// (pread/pwrite, no locks, no seeking); the portable build (.NET Standard 2.0, Windows PowerShell 5.1) uses an
    /// unbuffered FileStream with Seek+Read/Write under a lock. Tests run both on .NET 10.
    /// </summary>
    internal abstract class LocalFile : IDisposable
    {
        /// <summary>Files from this size on get their blocks reserved and their final length when created.</summary>
        public const long PreallocateFrom = 1024 * 1024;

        public abstract long Length { get; }

#if NET8_0_OR_GREATER
        /// <summary>The OS handle for positional system calls (copy_file_range); null for the portable FileStream.</summary>
        public virtual SafeFileHandle? Handle => null;

        /// <summary>The drop-behind of a large file being written (null for small files, reads, and where it does not apply).</summary>
        public virtual DropBehind? DropBehind => null;
#endif

        /// <summary>Sets the length (extending with zeros where the file system allows a sparse extension).</summary>
        public abstract void SetLength(long length);

        public abstract ValueTask<int> ReadAtAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

        public abstract ValueTask WriteAtAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

        /// <summary>Waits until what was written is on stable storage (the data and the length, not all metadata).</summary>
        public abstract void FlushToDisk();

        /// <summary>Counts bytes the kernel copied into the file (copy_file_range), as writes count theirs.</summary>
        public virtual void Copied(long count)
        {
        }

        /// <summary>Called after the last write of a completed file.</summary>
        public virtual void Finished()
        {
        }

        /// <summary>Carries the source's modification time and permission bits; called after the last write.</summary>
        public abstract void SetTimesAndMode(DateTimeOffset? lastModified, int? unixMode, string path);

        public abstract void Dispose();

        /// <summary>Opens for reading; others may keep reading and writing (a change is caught by the final stat).</summary>
        public static LocalFile OpenRead(string path, bool portable)
        {
            Files.SpecialFile.ThrowIfSpecial(path);
#if NET8_0_OR_GREATER
            if (!portable)
            {
                SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                try
                {
                    if (RandomAccess.GetLength(handle) == 0 && RandomAccess.Read(handle, new byte[1], 0) > 0)
                    {
                        throw new CommandFailureException(SizeUnknown(path));
                    }
                }
                catch
                {
                    handle.Dispose();
                    throw;
                }

                return new RandomAccessFile(handle);
            }
#endif
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
            try
            {
                if (stream.Length == 0 && stream.Read(new byte[1], 0, 1) > 0)
                {
                    throw new CommandFailureException(SizeUnknown(path));
                }

                stream.Position = 0;
            }
            catch
            {
                stream.Dispose();
                throw;
            }

            return new StreamFile(stream);
        }

        /// <summary>
        /// A file that says it is empty yet has bytes: the kernel's files under /proc (and the like) are made as they are
        /// read, and their size is 0. Copied by that size they came out empty, with a success; they are refused instead.
        /// </summary>
        private static CommandError SizeUnknown(string path) => new CommandError(
            "NotARegularFile",
            FailureCategory.InvalidArgument,
            path,
            $"'{path}' reports a size of 0 but has content, as the files the kernel makes under /proc do: StreamFiles copies files whose size it knows. Copy its content to a regular file first (cat '{path}' > copy), then send that.");

        /// <summary>
        /// Opens a partial file exclusively for writing (a second writer of the same destination fails rather
        /// than interleaving), creating it with room for length bytes when create is true.
        /// </summary>
        /// <param name="unixMode">
        /// The mode the finished copy is to have: a new file gets its permission bits at once, with the owner's read and
        /// write added (a rerun with -Resume writes it again) and the group's and others' write taken away until it is
        /// finished, so a copy of an owner-only source is never readable by others while it is written (a probe: a 0600
        /// source's .partial was 0644 until the rename).
        /// </param>
        public static LocalFile OpenWrite(string path, bool create, long? length, bool portable, int? unixMode = null)
        {
#if NET8_0_OR_GREATER
            if (!portable)
            {
                // Small files are written in one or a few calls: reserving their blocks first would cost more system
                // calls (fallocate, ftruncate) than it saves, and a rerun never resumes them (one part, no journal).
                bool preallocate = create && length.HasValue && length.Value >= PreallocateFrom;
                SafeFileHandle handle;
                try
                {
                    // CreateNew: a new file needs no truncation (.NET truncates a FileMode.Create file after locking it).
                    handle = OpenHandle(path, create ? FileMode.CreateNew : FileMode.Open, preallocate ? length!.Value : 0, ownerOnly: unixMode.HasValue);
                }
                catch (IOException) when (create && Files.LinkedFile.IsLink(path))
                {
                    // A symbolic link under the temporary name is never one this engine made: it goes, and is not
                    // written through (a probe: with -Force, the file it led to was overwritten).
                    File.Delete(path);
                    handle = OpenHandle(path, FileMode.CreateNew, preallocate ? length!.Value : 0, ownerOnly: unixMode.HasValue);
                }
                catch (IOException) when (create && File.Exists(path))
                {
                    // A .partial left by an earlier run (without Resume), or a file put there that the caller was told
                    // to replace: a new file takes its place. Truncated and written in place, it carried the copy into
                    // whatever shared it, a hard link's other name (a probe: --force overwrote a user's file linked
                    // there), and kept its owner. It is locked first, and held until the new one is made: one that
                    // another run is writing now stays (DestinationBusy).
                    using SafeFileHandle? old = Files.SpecialFile.KindOf(path) is null ? LockOrNull(path) : null;
                    File.Delete(path);
                    handle = OpenHandle(path, FileMode.CreateNew, preallocate ? length!.Value : 0, ownerOnly: unixMode.HasValue);
                }

                if (create && unixMode.HasValue && !OperatingSystem.IsWindows())
                {
                    try
                    {
                        File.SetUnixFileMode(handle, (UnixFileMode)((unixMode.Value & 0x1ED) | 0x180)); // rwx bits, never others' write until done
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        // A file system without modes: the mode set when the copy is finished says so, if it matters.
                    }
                }

                var file = new RandomAccessFile(handle, DropBehind.For(handle, length));
                if (preallocate && length!.Value > 0)
                {
                    // Preallocation reserves the blocks but leaves the length at 0: give the file its final
                    // length too, so a rerun can tell how much of it exists.
                    file.SetLength(length.Value);
                }

                return file;
            }
#endif
            var stream = new FileStream(path, create ? FileMode.Create : FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.Asynchronous);
            try
            {
                if (create && length.HasValue && length.Value > 0)
                {
                    // Reserves the length up front: a full disk fails here, before any byte is copied.
                    stream.SetLength(length.Value);
                }
            }
            catch
            {
                stream.Dispose();
                throw;
            }

            return new StreamFile(stream);
        }

#if NET8_0_OR_GREATER
        /// <summary>
        /// The lock of a file about to be replaced, proving no other run writes it; null for one this user may not open,
        /// which is replaced all the same, as the directory allows (a probe: -Force left a 000 .partial of one's own,
        /// AccessDenied, where cp -f replaces it).
        /// </summary>
        private static SafeFileHandle? LockOrNull(string path)
        {
            try
            {
                return OpenHandle(path, FileMode.Open, 0);
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <param name="ownerOnly">
        /// A new file is made readable and writable by its owner only (its mode set later): made with the default mode
        /// and changed once open, it was readable by others for as long as its blocks took to reserve (a probe read a
        /// 0600 source's whole copy as another user, opening the .partial in that moment).
        /// </param>
        private static SafeFileHandle OpenHandle(string path, FileMode mode, long preallocationSize, bool ownerOnly = false)
        {
            try
            {
                if (mode == FileMode.Open)
                {
                    return File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.None, FileOptions.None, preallocationSize);
                }

                lock (DirectoryLocks.For(path))
                {
                    if (ownerOnly && !OperatingSystem.IsWindows())
                    {
                        // File.OpenHandle takes no mode; FileStream does, and hands over its handle (it closes it only
                        // when disposed, which this one never is).
                        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0, PreallocationSize = preallocationSize };
                        options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                        return new FileStream(path, options).SafeFileHandle;
                    }

                    return File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.None, FileOptions.None, preallocationSize);
                }
            }
            catch (IOException e) when (preallocationSize > 0 && !(e is DirectoryNotFoundException) && !Operations.FileErrors.IsReadOnlyFileSystem(e) && IsShortOfSpace(path, preallocationSize))
            {
                // .NET reports a failed preallocation without the OS error code: say what it was.
                throw new DiskFullException(e.Message, e);
            }
        }
#endif

        private static bool IsShortOfSpace(string path, long length)
        {
            try
            {
                string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
                return directory != null && new DriveInfo(directory).AvailableFreeSpace < length;
            }
            catch (Exception e) when (e is IOException || e is ArgumentException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }

#if NET8_0_OR_GREATER
        private sealed class RandomAccessFile : LocalFile
        {
            private readonly SafeFileHandle _handle;
            private readonly DropBehind? _dropBehind;

            public RandomAccessFile(SafeFileHandle handle, DropBehind? dropBehind = null)
            {
                _handle = handle;
                _dropBehind = dropBehind;
            }

            public override DropBehind? DropBehind => _dropBehind;

            public override SafeFileHandle? Handle => _handle;

            public override long Length => RandomAccess.GetLength(_handle);

            public override void SetLength(long length) => RandomAccess.SetLength(_handle, length);

            // On Unix .NET runs "asynchronous" file I/O as the same blocking pread/pwrite on a pool thread; the engine
            // already calls from pool threads, so doing it here saves two thread hops per buffer (most of the cost of
            // a small file). Windows has real overlapped I/O: keep it.
            public override ValueTask<int> ReadAtAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
            {
                if (OperatingSystem.IsWindows())
                {
                    return RandomAccess.ReadAsync(_handle, buffer, offset, cancellationToken);
                }

                cancellationToken.ThrowIfCancellationRequested();
                return new ValueTask<int>(RandomAccess.Read(_handle, buffer.Span, offset));
            }

            public override ValueTask WriteAtAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
            {
                if (OperatingSystem.IsWindows())
                {
                    return RandomAccess.WriteAsync(_handle, data, offset, cancellationToken);
                }

                cancellationToken.ThrowIfCancellationRequested();
                RandomAccess.Write(_handle, data.Span, offset);
                _dropBehind?.Wrote(data.Length);
                return default;
            }

            public override void Copied(long count) => _dropBehind?.Wrote(count);

            public override void Finished() => _dropBehind?.Advise();

            public override void FlushToDisk() => DiskFlush.Flush(_handle);

            public override void SetTimesAndMode(DateTimeOffset? lastModified, int? unixMode, string path)
            {
                if (lastModified.HasValue)
                {
                    File.SetLastWriteTimeUtc(_handle, lastModified.Value.UtcDateTime);
                }

                if (unixMode.HasValue && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(_handle, (UnixFileMode)unixMode.Value);
                }
            }

            public override void Dispose() => _handle.Dispose();
        }
#endif

        private sealed class StreamFile : LocalFile
        {
            private readonly FileStream _stream;
            private readonly SemaphoreSlim _lock = new SemaphoreSlim(1, 1);
            private int _disposed;

            public StreamFile(FileStream stream) => _stream = stream;

            public override long Length => _stream.Length;

            public override void SetLength(long length) => _stream.SetLength(length);

            public override async ValueTask<int> ReadAtAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
            {
                await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    _stream.Seek(offset, SeekOrigin.Begin);
                    if (MemoryMarshal.TryGetArray((ReadOnlyMemory<byte>)buffer, out ArraySegment<byte> segment))
                    {
                        return await _stream.ReadAsync(segment.Array!, segment.Offset, segment.Count, cancellationToken).ConfigureAwait(false);
                    }

                    throw new ArgumentException("Only array-backed buffers are supported.", nameof(buffer));
                }
                finally
                {
                    _lock.Release();
                }
            }

            public override async ValueTask WriteAtAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
            {
                if (!MemoryMarshal.TryGetArray(data, out ArraySegment<byte> segment))
                {
                    throw new ArgumentException("Only array-backed buffers are supported.", nameof(data));
                }

                await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    _stream.Seek(offset, SeekOrigin.Begin);
                    await _stream.WriteAsync(segment.Array!, segment.Offset, segment.Count, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _lock.Release();
                }
            }

            public override void FlushToDisk()
            {
                _lock.Wait();
                try
                {
                    _stream.Flush(flushToDisk: true);
                }
                finally
                {
                    _lock.Release();
                }
            }

            public override void SetTimesAndMode(DateTimeOffset? lastModified, int? unixMode, string path)
            {
                // .NET Standard sets times by path only: close first so a later write cannot move the time again.
                _stream.Flush();
                Dispose();
                if (lastModified.HasValue)
                {
                    File.SetLastWriteTimeUtc(path, lastModified.Value.UtcDateTime);
                }
            }

            public override void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    _stream.Dispose();
                    _lock.Dispose();
                }
            }
        }
    }
}
