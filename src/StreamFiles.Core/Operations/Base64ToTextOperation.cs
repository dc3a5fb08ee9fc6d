using System;
using System.Buffers;
using System.IO;
using System.Text;
using System.Threading;
using StreamFiles.Core.Progress;
using StreamFiles.Core.Text;

namespace StreamFiles.Core.Operations
{
    /// <summary>A file whose base64 text is wanted as strings. Explicit means the user named it (not a wildcard match).</summary>
    public sealed class Base64TextRequest
    {
        public Base64TextRequest(string path, bool explicitPath = true)
        {
            Path = path ?? throw new ArgumentNullException(nameof(path));
            ExplicitPath = explicitPath;
        }

        public string Path { get; }

        public bool ExplicitPath { get; }
    }

    /// <summary>
    /// Encodes files to base64 strings for a pipeline: the logic behind ConvertTo-StreamBase64 without -OutFile.
    /// The text goes out in bounded strings, one file after the other, on the host's thread: the consumer's
    /// pace is the producer's, so memory stays constant however large the file. Without line wrapping the
    /// strings are pieces of the one line, of 32K characters (small enough to stay off the large object
    /// heap); every piece but the last encodes a multiple of 3 bytes, so each is valid base64 on its own and
    /// -join '' gives the whole text. With wrapping each string is one line, as Get-Content returns the lines
    /// of a file: Set-Content writes what coreutils `base64 -w N` writes, with the platform's line breaks.
    /// With asString the whole text of a file is one string (lines joined by "\n"), built in place at its
    /// exact length.
    /// </summary>
    public sealed class Base64ToTextOperation
    {
        /// <summary>Characters per string without wrapping: 64 KiB of UTF-16, below the 85,000-byte large-object threshold.</summary>
        public const int ChunkCharacters = 32 * 1024;

        private readonly Base64Format _format;
        private readonly bool _asString;
        private readonly CancellationToken _cancellationToken;
        private readonly ProgressPacer _progress;
        private readonly int _chunkBytes;
        private int _failed;
        private int _succeeded;

        public Base64ToTextOperation(Base64Format format, bool asString, OperationSettings settings, CancellationToken cancellationToken)
        {
            _format = format ?? throw new ArgumentNullException(nameof(format));
            _asString = asString;
            _cancellationToken = cancellationToken;
            _progress = new ProgressPacer(settings, "Encoding to base64");
            _chunkBytes = ChunkInputLength(format);
        }

        public int FailedCount => _failed;

        public int SucceededCount => _succeeded;

        /// <summary>
        /// Bytes read and encoded at a time: whole groups of 3 that make whole lines, so every chunk stands alone.
        /// With wrapping, the line count is rounded to make the characters a multiple of 4.
        /// </summary>
        public static int ChunkInputLength(Base64Format format)
        {
            if (format is null)
            {
                throw new ArgumentNullException(nameof(format));
            }

            if (format.LineLength == 0)
            {
                return ChunkCharacters / 4 * 3;
            }

            int width = format.LineLength;
            int step = 4 / Gcd(width, 4);
            long lines = Math.Max(1, ChunkCharacters / (width + 1));
            lines = Math.Max(step, lines / step * step);
            return (int)(lines * width / 4 * 3);
        }

        /// <summary>Encodes one file and writes its text; errors are reported and the batch goes on.</summary>
        public void Submit(Base64TextRequest request, ICommandSink sink)
        {
            if (request is null)
            {
                throw new ArgumentNullException(nameof(request));
            }

            if (sink is null)
            {
                throw new ArgumentNullException(nameof(sink));
            }

            if (_cancellationToken.IsCancellationRequested)
            {
                return;
            }

            string path = request.Path;
            CommandError? error = null;
            ProgressTracker.TrackedItem? item = null;
            try
            {
                if (Directory.Exists(path))
                {
                    if (request.ExplicitPath)
                    {
                        error = FileErrors.IsDirectory(path);
                    }

                    return;
                }

                var file = new FileInfo(path);
                if (!file.Exists)
                {
                    error = FileErrors.NotFound(path);
                    return;
                }

                if (Files.SpecialFile.KindOf(file.FullName) is string kind)
                {
                    // A FIFO without a writer would block the open for good (see Base64Operation).
                    error = Files.SpecialFile.Refusal(path, kind, pipeTo: "streamfiles base64");
                    return;
                }

                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
                long length = stream.Length;
                if (_asString && _format.EncodedLength(length, endWithNewline: false) > Base64Format.MaxStringLength)
                {
                    error = new CommandError("TooLargeForString", FailureCategory.LimitsExceeded, path,
                        $"The base64 text of '{path}' ({ByteSize.Format(length)}) would be longer than the longest string .NET can hold. Omit -AsString to get it in chunks, or write it to a file with -OutFile.");
                    return;
                }

                _progress.Tracker.AddSubmitted(length);
                item = _progress.Tracker.Start(path, length);
                _progress.Tick(sink);
                if (_asString)
                {
                    sink.WriteResult(EncodeWhole(stream, path, length, item.Counter, sink));
                }
                else
                {
                    EncodeChunks(stream, item.Counter, sink);
                }

                _succeeded++;
            }
            catch (OperationCanceledException) when (_cancellationToken.IsCancellationRequested)
            {
                // Stopped: nothing more to say.
            }
            catch (CommandFailureException failure)
            {
                error = failure.Error;
            }
            catch (Exception e) when (Base64Operation.IsInvalidPath(e))
            {
                error = FileErrors.InvalidPath(path, e);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                error = FileErrors.Describe(e, path);
            }
            finally
            {
                if (item != null)
                {
                    _progress.Tracker.Finish(item, failed: error != null);
                }

                if (error != null)
                {
                    _failed++;
                    _progress.Tracker.CountFailed();
                    sink.WriteError(error);
                }
            }
        }

        /// <summary>Ends the batch: the final progress report.</summary>
        public void Complete(ICommandSink sink) => _progress.Close(sink ?? throw new ArgumentNullException(nameof(sink)));

        private void EncodeChunks(Stream stream, ByteCounter counter, ICommandSink sink)
        {
            using var encoder = new Base64Encoder(_format);
            byte[] input = ArrayPool<byte>.Shared.Rent(_chunkBytes);
            byte[] text = ArrayPool<byte>.Shared.Rent(encoder.GetMaxOutputLength(_chunkBytes));
            try
            {
                bool any = false;
                while (true)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    int read = StreamingBase64.ReadFull(stream, input, _chunkBytes);
                    if (read == 0 && any)
                    {
                        break;
                    }

                    // Each chunk is a text of its own: whole groups and whole lines, no line break at either end.
                    encoder.Reset();
                    int length = encoder.Encode(input.AsSpan(0, read), text, isFinal: true);
                    counter.Add(read);
                    any = true;
                    if (_format.LineLength == 0)
                    {
                        sink.WriteResult(Encoding.ASCII.GetString(text, 0, length));
                    }
                    else if (length > 0)
                    {
                        WriteLines(text, length, sink); // an empty file is no line, as base64 -w writes none
                    }

                    _progress.Tick(sink);
                    if (read < _chunkBytes)
                    {
                        break;
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(input);
                ArrayPool<byte>.Shared.Return(text);
            }
        }

        private static void WriteLines(byte[] text, int length, ICommandSink sink)
        {
            int start = 0;
            while (true)
            {
                int end = Array.IndexOf(text, (byte)'\n', start, length - start);
                if (end < 0)
                {
                    sink.WriteResult(Encoding.ASCII.GetString(text, start, length - start));
                    return;
                }

                sink.WriteResult(Encoding.ASCII.GetString(text, start, end - start));
                start = end + 1;
            }
        }

        /// <summary>The whole text as one string, written straight into a string of the exact length (no copies).</summary>
        private unsafe string EncodeWhole(Stream stream, string path, long length, ByteCounter counter, ICommandSink sink)
        {
            int total = (int)_format.EncodedLength(length, endWithNewline: false);
            if (total == 0)
            {
                if (StreamingBase64.ReadFull(stream, new byte[1], 1) != 0)
                {
                    throw new CommandFailureException(Changed(path));
                }

                return string.Empty;
            }

            int pieceBytes = StreamingBase64.EncodeBufferSize;
            using var encoder = new Base64Encoder(_format);
            byte[] input = ArrayPool<byte>.Shared.Rent(pieceBytes);
            byte[] text = ArrayPool<byte>.Shared.Rent(encoder.GetMaxOutputLength(pieceBytes));
            try
            {
                // A string is immutable once it is shared; until it is returned, this is its only reference.
                string result = new string('\0', total);
                fixed (char* start = result)
                {
                    int at = 0;
                    long left = length;
                    while (true)
                    {
                        _cancellationToken.ThrowIfCancellationRequested();
                        int want = (int)Math.Min(pieceBytes, left);
                        int read = StreamingBase64.ReadFull(stream, input, want);
                        left -= read;
                        bool final = left == 0;
                        if (read < want || (final && StreamingBase64.ReadFull(stream, text, 1) != 0))
                        {
                            throw new CommandFailureException(Changed(path));
                        }

                        int written = encoder.Encode(input.AsSpan(0, read), text, final);
                        fixed (byte* ascii = text)
                        {
                            Encoding.ASCII.GetChars(ascii, written, start + at, total - at);
                        }

                        at += written;
                        counter.Add(read);
                        _progress.Tick(sink);
                        if (final)
                        {
                            break;
                        }
                    }
                }

                return result;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(input);
                ArrayPool<byte>.Shared.Return(text);
            }
        }

        private static CommandError Changed(string path) =>
            new CommandError("FileChanged", FailureCategory.ReadError, path,
                $"'{path}' changed size while it was read, so its text would not be whole. Try again when nothing is writing to it.");

        private static int Gcd(int a, int b)
        {
            while (b != 0)
            {
                (a, b) = (b, a % b);
            }

            return a;
        }
    }
}
