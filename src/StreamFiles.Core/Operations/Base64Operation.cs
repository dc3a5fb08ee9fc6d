using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Files;
using StreamFiles.Core.Progress;
using StreamFiles.Core.Text;

namespace StreamFiles.Core.Operations
{
    public enum Base64Direction
    {
        /// <summary>Bytes to base64 text.</summary>
        Encode,

        /// <summary>Base64 text to bytes.</summary>
        Decode,
    }

    /// <summary>
    /// One conversion: a file (or a stream the host opened, such as standard input) to a file (or a stream,
    /// such as standard output). For a stream, the path is only its name in messages.
    /// </summary>
    public sealed class Base64Request
    {
        public Base64Request(string input, string output, bool explicitInput = true, Stream? inputStream = null, Stream? outputStream = null)
        {
            Input = input ?? throw new ArgumentNullException(nameof(input));
            Output = output ?? throw new ArgumentNullException(nameof(output));
            ExplicitInput = explicitInput;
            InputStream = inputStream;
            OutputStream = outputStream;
        }

        /// <summary>The input file, or the name of <see cref="InputStream"/>.</summary>
        public string Input { get; }

        /// <summary>The output file, or the name of <see cref="OutputStream"/>.</summary>
        public string Output { get; }

        /// <summary>False for a path a wildcard matched: a directory there is passed over quietly.</summary>
        public bool ExplicitInput { get; }

        public Stream? InputStream { get; }

        public Stream? OutputStream { get; }
    }

    /// <summary>
    /// Encodes or decodes files as they arrive: the logic behind ConvertTo-StreamBase64 -OutFile,
    /// ConvertFrom-StreamBase64 -Path and `streamfiles base64`. A file output is written to
    /// "&lt;output&gt;.partial" and renamed over the output only when complete, so a failure never leaves a
    /// half-written file under the output's name and an existing output stays as it was. An output is
    /// written at most once per operation: a second input for it fails (it would replace the first's work).
    /// Results are FileInfo objects of the outputs with passThru, nothing otherwise.
    /// </summary>
    public sealed class Base64Operation : BatchOperation<Base64Request>
    {
        private readonly Base64Direction _direction;
        private readonly Base64Format _format;
        private readonly bool _passThru;
        private readonly HashSet<string> _outputs = new HashSet<string>(
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

        public Base64Operation(Base64Direction direction, Base64Format format, OperationSettings settings, CancellationToken cancellationToken, bool passThru = false)
            : base(settings, direction == Base64Direction.Encode ? "Encoding to base64" : "Decoding base64", cancellationToken)
        {
            _direction = direction;
            _format = format ?? throw new ArgumentNullException(nameof(format));
            _passThru = passThru;
        }

        protected override WorkItem? Prepare(Base64Request request, ICommandSink sink)
        {
            long? length = null;
            if (request.InputStream is null)
            {
                if (Directory.Exists(request.Input))
                {
                    return request.ExplicitInput ? throw new CommandFailureException(FileErrors.IsDirectory(request.Input)) : null;
                }

                FileInfo file;
                try
                {
                    file = new FileInfo(request.Input);
                }
                catch (Exception exception) when (IsInvalidPath(exception))
                {
                    // One bad input fails its item, not the whole batch (and the host's pipeline with it).
                    throw new CommandFailureException(FileErrors.InvalidPath(request.Input, exception));
                }

                if (!file.Exists)
                {
                    throw new CommandFailureException(FileErrors.NotFound(request.Input));
                }

                // A FIFO without a writer blocks its open for good, and a PowerShell pipeline stuck there cannot be
                // stopped; the CLI opens such inputs itself, in a way a stop reaches, and hands over the stream.
                Files.SpecialFile.ThrowIfSpecial(request.Input, pipeTo: _direction == Base64Direction.Decode ? "streamfiles base64 -d" : "streamfiles base64");

                length = file.Length;
            }
            else if (request.InputStream.CanSeek)
            {
                length = Math.Max(0, request.InputStream.Length - request.InputStream.Position);
            }

            if (request.OutputStream is null)
            {
                CheckOutputFile(request);
                if (!sink.ShouldProcess(request.Output, _direction == Base64Direction.Encode
                    ? $"Write the base64 text of '{request.Input}'"
                    : $"Write the bytes decoded from '{request.Input}'"))
                {
                    return null;
                }
            }

            return new WorkItem(
                request.Input,
                length,
                // BatchOperation runs each item on a worker thread: the conversion loop itself is synchronous.
                (counter, token) => Task.FromResult(Convert(request, counter, token)),
                exception => Describe(exception, request));
        }

        private void CheckOutputFile(Base64Request request)
        {
            string output = request.Output;
            string fullPath;
            try
            {
                fullPath = Path.GetFullPath(output);
            }
            catch (Exception exception) when (IsInvalidPath(exception))
            {
                throw new CommandFailureException(FileErrors.InvalidPath(output, exception));
            }

            if (request.InputStream is null && SameFile(request.Input, fullPath))
            {
                // The output replaces its name only when complete, but the input would be gone all the same.
                throw new CommandFailureException(new CommandError("OutFileIsInput", FailureCategory.InvalidArgument, output,
                    $"'{request.Input}' was not converted: the output '{output}' is the input file itself, and writing it would replace what is being read. Name another output file."));
            }

            if (Directory.Exists(output))
            {
                throw new CommandFailureException(new CommandError("OutFileIsDirectory", FailureCategory.InvalidArgument, output,
                    $"The output '{output}' is a directory. Name a file, for example '{Path.Combine(output, Path.GetFileName(request.Input) + (_direction == Base64Direction.Encode ? ".b64" : ".bin"))}'."));
            }

            Files.SpecialFile.ThrowIfSpecial(output, writing: true);
            if (FileErrors.UrlKind(output) is string url)
            {
                throw new CommandFailureException(FileErrors.NotLocal(output, url, output: true));
            }

            string? directory = Path.GetDirectoryName(fullPath);
            if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
            {
                throw new CommandFailureException(new CommandError("OutFileDirectoryNotFound", FailureCategory.ObjectNotFound, output,
                    $"Cannot write '{output}': the directory '{directory}' does not exist. Create it first."));
            }

            if (!_outputs.Add(fullPath))
            {
                throw new CommandFailureException(new CommandError("MultipleInputs", FailureCategory.InvalidArgument, request.Input,
                    $"'{request.Input}' was not converted: '{output}' already receives another input of this command, and each output holds one. Convert the files one at a time, each to its own output."));
            }
        }

        /// <summary>Whether two paths name one file, also through symbolic links.</summary>
        private static bool SameFile(string input, string outputFullPath)
        {
            StringComparison comparison = Locations.Location.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            string Resolved(string path) => Files.LinkedFile.Target(new FileInfo(path))?.FullName ?? Path.GetFullPath(path);
            try
            {
                return string.Equals(Path.GetFullPath(input), outputFullPath, comparison) || string.Equals(Resolved(input), Resolved(outputFullPath), comparison);
            }
            catch (Exception exception) when (IsInvalidPath(exception))
            {
                return false; // the input's own check reports it
            }
        }

        private object? Convert(Base64Request request, ByteCounter counter, CancellationToken cancellationToken)
        {
            Stream? openedInput = null;
            PartialFile? partial = null;
            try
            {
                Stream input = request.InputStream
                    ?? (openedInput = new FileStream(request.Input, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan));
                Stream output;
                if (request.OutputStream != null)
                {
                    output = request.OutputStream;
                }
                else
                {
                    partial = OnDestination(() => PartialFile.Create(request.Output));
                    output = partial.Stream;
                }

                if (_direction == Base64Direction.Encode)
                {
                    StreamingBase64.Encode(input, output, _format, counter, cancellationToken);
                }
                else
                {
                    StreamingBase64.Decode(input, output, _format, counter, cancellationToken);
                }

                if (partial is null)
                {
                    return null;
                }

                // A stop that came while the last piece was written: the input may have ended only because of it.
                cancellationToken.ThrowIfCancellationRequested();
                OnDestination(() =>
                {
                    partial.Commit();
                    return partial;
                });
                return _passThru ? new FileInfo(partial.Destination) : null;
            }
            finally
            {
                partial?.Dispose();
                openedInput?.Dispose();
            }
        }

        internal static bool IsInvalidPath(Exception exception) =>
            exception is ArgumentException || exception is NotSupportedException || exception is PathTooLongException;

        private static T OnDestination<T>(Func<T> action)
        {
            try
            {
                return action();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new DestinationException(e);
            }
        }

        private static CommandError Describe(Exception exception, Base64Request request)
        {
            string kept = request.OutputStream is null
                ? File.Exists(request.Output) ? $" The existing '{request.Output}' was left as it was." : $" '{request.Output}' was not written."
                : string.Empty;
            switch (exception)
            {
                case Base64DataException bad:
                    return new CommandError("InvalidData", FailureCategory.InvalidData, request.Input,
                        $"'{request.Input}' is not valid {(bad.UrlSafe ? "URL-safe " : string.Empty)}base64 text: {bad.Reason} at byte offset {bad.Offset}.{kept}", bad);
                case DestinationException write when request.OutputStream != null && write.InnerException is UnauthorizedAccessException:
                    // A closed standard output (>&-) fails its writes with EBADF, which .NET reports as access denied
                    // (a probe: [AccessDenied] "check its permissions"); `hash >&-` says WriteError, as here now.
                    return new CommandError("WriteError", FailureCategory.WriteError, request.Output,
                        $"Cannot write to {request.Output}: it is closed or cannot be written to. Check where it goes.", write.InnerException);
                case DestinationException write:
                    return FileErrors.WithSentence(FileErrors.Describe(write.InnerException ?? write, request.Output, writing: true), kept);
                default:
                    CommandError read = FileErrors.Describe(exception, request.Input);
                    return new CommandError(read.Condition, read.Category, read.Target, read.Message + kept, read.Exception);
            }
        }
    }
}
