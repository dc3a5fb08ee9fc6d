using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Progress;

namespace StreamFiles.Core.Operations
{
    /// <summary>One file to hash. Explicit means the user named it (not a wildcard match).</summary>
    public sealed class HashRequest
    {
        public HashRequest(string path, bool explicitPath = true)
        {
            Path = path ?? throw new ArgumentNullException(nameof(path));
            ExplicitPath = explicitPath;
        }

        /// <summary>A stream to hash instead of a file (standard input: `streamfiles hash -`), shown as <paramref name="name"/>.</summary>
        /// <param name="inputLength">The bytes the stream holds, when known (standard input redirected from a file).</param>
        public HashRequest(string name, Stream input, long? inputLength = null)
        {
            Path = name ?? throw new ArgumentNullException(nameof(name));
            InputStream = input ?? throw new ArgumentNullException(nameof(input));
            InputLength = inputLength;
            ExplicitPath = true;
        }

        public string Path { get; }

        public bool ExplicitPath { get; }

        public Stream? InputStream { get; }

        /// <summary>The bytes InputStream holds, when known: S3ETag then assumes the parts an upload of that length has.</summary>
        public long? InputLength { get; }
    }

    /// <summary>
    /// Hashes files as they arrive, several at a time: the logic behind Get-FileHashChunked and
    /// `streamfiles hash`. Results are FileHashResult objects; failures are per file and the batch goes on.
    /// A directory is an error when named, and passed over quietly when a wildcard matched it.
    /// </summary>
    public sealed class HashOperation : BatchOperation<HashRequest>
    {
        private readonly ChunkedHasher _hasher;
        private readonly Func<string, CancellationToken, Task<Stream>>? _openSpecialFile;

        /// <param name="openSpecialFile">
        /// Opens a named FIFO or device to be read front to back, as sha256sum reads it (the CLI: `streamfiles hash
        /// &lt;(cmd)`, `hash /dev/stdin`), in a way a stop reaches: the open of a FIFO waits for a writer in the kernel.
        /// Without it such a path is refused as NotARegularFile, since a PowerShell pipeline stuck there cannot be stopped.
        /// </param>
        public HashOperation(HashSettings hashSettings, OperationSettings settings, CancellationToken cancellationToken, Func<string, CancellationToken, Task<Stream>>? openSpecialFile = null)
            : base(settings, "Hashing files", cancellationToken)
        {
            _hasher = new ChunkedHasher(hashSettings ?? throw new ArgumentNullException(nameof(hashSettings)));
            _openSpecialFile = openSpecialFile;
        }

        protected override WorkItem? Prepare(HashRequest request, ICommandSink sink)
        {
            if (request.InputStream is Stream input)
            {
                return new WorkItem(
                    request.Path,
                    null,
                    async (counter, token) => await _hasher.HashStreamAsync(request.Path, input, counter, token, request.InputLength).ConfigureAwait(false),
                    exception => FileErrors.Describe(exception, request.Path));
            }

            string path = request.Path;
            if (Directory.Exists(path))
            {
                return request.ExplicitPath ? throw new CommandFailureException(FileErrors.IsDirectory(path)) : null;
            }

            FileInfo file;
            try
            {
                file = new FileInfo(path);
            }
            catch (Exception exception) when (exception is ArgumentException || exception is NotSupportedException || exception is PathTooLongException)
            {
                // One bad input fails its item, not the whole batch (and the host's pipeline with it).
                throw new CommandFailureException(FileErrors.InvalidPath(path, exception));
            }

            if (!file.Exists)
            {
                throw new CommandFailureException(FileErrors.NotFound(path));
            }

            if (_openSpecialFile != null && Files.SpecialFile.KindOf(file.FullName) is string kind && kind != Files.SpecialFile.Socket)
            {
                return new WorkItem(
                    path,
                    null,
                    async (counter, token) =>
                    {
                        using Stream special = await _openSpecialFile(path, token).ConfigureAwait(false);
                        return await _hasher.HashStreamAsync(path, special, counter, token).ConfigureAwait(false);
                    },
                    exception => FileErrors.Describe(exception, path));
            }

            return new WorkItem(
                path,
                Files.LinkedFile.Length(Files.LinkedFile.Target(file) ?? file),
                (counter, token) => HashAsync(path, counter, token),
                exception => FileErrors.Describe(exception, path));
        }

        private async Task<object?> HashAsync(string path, ByteCounter counter, CancellationToken cancellationToken) =>
            await _hasher.HashFileAsync(path, counter, cancellationToken).ConfigureAwait(false);
    }
}
