using System;
using System.Buffers;
using System.Globalization;
using System.IO;
using System.Threading;
using StreamFiles.Core.Files;
using StreamFiles.Core.Progress;
using StreamFiles.Core.Text;

namespace StreamFiles.Core.Operations
{
    /// <summary>
    /// Decodes base64 text that arrives as strings (lines of a file, chunks of ConvertTo-StreamBase64) into one
    /// file: the logic behind ConvertFrom-StreamBase64 with piped text. The strings are one text: they are
    /// decoded as if joined, whitespace and line breaks anywhere skipped, on the host's thread as they arrive,
    /// so memory stays constant. The file is written to "&lt;output&gt;.partial" and renamed when the text has
    /// ended well (Complete); bad text fails the whole output, naming the string and the position in it, and
    /// the strings after it are passed over.
    /// </summary>
    public sealed class Base64FromTextOperation : IDisposable
    {
        private const int SliceCharacters = 64 * 1024;

        private readonly string _output;
        private readonly Base64Decoder _decoder;
        private readonly bool _passThru;
        private readonly CancellationToken _cancellationToken;
        private readonly ProgressPacer _progress;
        private State _state = State.NotStarted;
        private PartialFile? _file;
        private ProgressTracker.TrackedItem? _item;
        private byte[]? _bytes;
        private byte[]? _decoded;
        private int _strings;
        private int _failed;

        /// <param name="output">The file to write, already resolved to a full file-system path.</param>
        public Base64FromTextOperation(string output, Base64Format format, OperationSettings settings, CancellationToken cancellationToken, bool passThru = false)
        {
            _output = output ?? throw new ArgumentNullException(nameof(output));
            _decoder = new Base64Decoder(format ?? throw new ArgumentNullException(nameof(format)));
            _passThru = passThru;
            _cancellationToken = cancellationToken;
            _progress = new ProgressPacer(settings, "Decoding base64");
        }

        private enum State
        {
            NotStarted,
            Writing,
            Failed,
            Skipped,
            Done,
        }

        public int FailedCount => _failed;

        /// <summary>Decodes the next string of the text (null counts as empty). The first one creates the output.</summary>
        public void Submit(string? text, ICommandSink sink)
        {
            if (sink is null)
            {
                throw new ArgumentNullException(nameof(sink));
            }

            if (_cancellationToken.IsCancellationRequested || (_state != State.NotStarted && _state != State.Writing))
            {
                return;
            }

            if (_state == State.NotStarted && !Start(sink))
            {
                return;
            }

            int index = ++_strings;
            long start = _decoder.Position;
            text ??= string.Empty;
            try
            {
                for (int at = 0; at < text.Length; at += SliceCharacters)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    int count = Math.Min(SliceCharacters, text.Length - at);
                    int ascii = Narrow(text, at, count);
                    int written = _decoder.Decode(_bytes.AsSpan(0, ascii), _decoded);
                    Write(written);
                    _item!.Counter.Add(count);
                }
            }
            catch (Base64DataException bad)
            {
                long position = bad.Offset - start;
                bool inThisString = position >= 0 && position < text.Length;
                Fail(sink, new CommandError("InvalidData", FailureCategory.InvalidData, _output,
                    $"The piped text is not valid {(bad.UrlSafe ? "URL-safe " : string.Empty)}base64: " +
                    (inThisString
                        ? bad.Relocate(bad.Offset, text[(int)position], characterIsText: true).Reason + string.Format(CultureInfo.InvariantCulture, " at character {0} of input string {1} (offset {2} of the whole text).", position + 1, index, bad.Offset)
                        : bad.Reason + string.Format(CultureInfo.InvariantCulture, " at offset {0} of the whole text.", bad.Offset)) +
                    Kept(),
                    bad));
                return;
            }
            catch (DestinationException write)
            {
                Fail(sink, FileErrors.WithSentence(FileErrors.Describe(write.InnerException ?? write, _output, writing: true), Kept()));
                return;
            }
            catch (OperationCanceledException) when (_cancellationToken.IsCancellationRequested)
            {
                return;
            }

            _progress.Tick(sink);
        }

        /// <summary>Ends the text: checks it ends well, renames the output into place, writes the final progress.</summary>
        public void Complete(ICommandSink sink)
        {
            if (sink is null)
            {
                throw new ArgumentNullException(nameof(sink));
            }

            try
            {
                if (_state != State.Writing || _cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                try
                {
                    Write(_decoder.Finish(_decoded));
                    try
                    {
                        _file!.Commit();
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        throw new DestinationException(e);
                    }
                }
                catch (Base64DataException bad)
                {
                    Fail(sink, new CommandError("InvalidData", FailureCategory.InvalidData, _output,
                        $"The piped text is not valid {(bad.UrlSafe ? "URL-safe " : string.Empty)}base64: {bad.Reason} (after {bad.Offset} characters).{Kept()}", bad));
                    return;
                }
                catch (DestinationException write)
                {
                    Fail(sink, FileErrors.WithSentence(FileErrors.Describe(write.InnerException ?? write, _output, writing: true), Kept()));
                    return;
                }

                _state = State.Done;
                if (_passThru)
                {
                    sink.WriteResult(new FileInfo(_output));
                }
            }
            finally
            {
                Finish();
                _progress.Close(sink);
            }
        }

        /// <summary>Without a successful Complete, the partial output is deleted and an existing file kept.</summary>
        public void Dispose()
        {
            Finish();
            _decoder.Dispose();
        }

        private bool Start(ICommandSink sink)
        {
            if (Directory.Exists(_output))
            {
                return Refuse(sink, new CommandError("OutFileIsDirectory", FailureCategory.InvalidArgument, _output,
                    $"The output '{_output}' is a directory. Name a file, for example '{Path.Combine(_output, "decoded.bin")}'."));
            }

            if (Files.SpecialFile.KindOf(_output) is string kind)
            {
                return Refuse(sink, Files.SpecialFile.Refusal(_output, kind, writing: true));
            }

            string? directory;
            try
            {
                directory = Path.GetDirectoryName(Path.GetFullPath(_output));
            }
            catch (Exception exception) when (Base64Operation.IsInvalidPath(exception))
            {
                return Refuse(sink, FileErrors.InvalidPath(_output, exception));
            }


            if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
            {
                return Refuse(sink, new CommandError("OutFileDirectoryNotFound", FailureCategory.ObjectNotFound, _output,
                    $"Cannot write '{_output}': the directory '{directory}' does not exist. Create it first."));
            }

            if (!sink.ShouldProcess(_output, "Write the bytes decoded from the piped base64 text"))
            {
                _state = State.Skipped;
                return false;
            }

            try
            {
                _file = PartialFile.Create(_output);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return Refuse(sink, FileErrors.WithSentence(FileErrors.Describe(e, _output, writing: true), Kept()));
            }

            _bytes = ArrayPool<byte>.Shared.Rent(SliceCharacters);
            _decoded = ArrayPool<byte>.Shared.Rent(Base64Decoder.GetMaxOutputLength(SliceCharacters));
            _progress.Tracker.AddSubmitted(null);
            _item = _progress.Tracker.Start(_output, null);
            _state = State.Writing;
            return true;
        }

        private bool Refuse(ICommandSink sink, CommandError error)
        {
            _state = State.Failed;
            _failed++;
            sink.WriteError(error);
            return false;
        }

        private void Fail(ICommandSink sink, CommandError error)
        {
            _progress.Tracker.CountFailed(); // the summary says "(1 failed)", as it does for a file
            Finish();
            Refuse(sink, error);
        }

        /// <summary>Closes the output (deleting it unless committed) and returns the buffers.</summary>
        private void Finish()
        {
            _file?.Dispose();
            _file = null;
            if (_item != null)
            {
                _progress.Tracker.Finish(_item);
                _item = null;
            }

            if (_bytes != null)
            {
                ArrayPool<byte>.Shared.Return(_bytes);
                _bytes = null;
            }

            if (_decoded != null)
            {
                ArrayPool<byte>.Shared.Return(_decoded);
                _decoded = null;
            }
        }

        private string Kept() => File.Exists(_output) ? $" The existing '{_output}' was left as it was." : $" '{_output}' was not written.";

        private void Write(int count)
        {
            try
            {
                _file!.Stream.Write(_decoded!, 0, count);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new DestinationException(e);
            }
        }

        /// <summary>Characters to ASCII bytes; anything else becomes 0xFF, which the decoder reports at its position.</summary>
        private int Narrow(string text, int start, int count)
        {
            byte[] bytes = _bytes!;
            for (int i = 0; i < count; i++)
            {
                char c = text[start + i];
                bytes[i] = c < 0x80 ? (byte)c : (byte)0xFF;
            }

            return count;
        }
    }
}
