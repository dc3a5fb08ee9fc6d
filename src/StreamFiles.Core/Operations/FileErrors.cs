using System;
using System.IO;

namespace StreamFiles.Core.Operations
{
    /// <summary>Describes file-system exceptions as errors that name the path and what to do.</summary>
    public static class FileErrors
    {
        private const int WindowsDiskFull = unchecked((int)0x80070070);
        private const int WindowsHandleDiskFull = unchecked((int)0x80070027);
        private const int UnixNoSpace = 28; // ENOSPC, the HResult .NET uses on Unix
        private const int UnixReadOnlyFileSystem = 30; // EROFS

        public static CommandError NotFound(string path) =>
            UrlKind(path) is string url
                ? NotLocal(path, url)
                : new CommandError("FileNotFound", FailureCategory.ObjectNotFound, path,
                    $"Cannot find the file '{path}'. Check the path and that the file still exists.");

        /// <summary>"an S3 URL" or "an HTTP URL" for a path that is one (hashing and base64 take local files only); otherwise null.</summary>
        public static string? UrlKind(string path) =>
            path.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) ? "an S3 URL"
            : path.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || path.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "an HTTP URL"
            : null;

        /// <summary>A URL where only a local file will do (the CLI's hash and base64; the cmdlets say it themselves).</summary>
        public static CommandError NotLocal(string path, string url, bool output = false) =>
            new CommandError("NotFileSystemPath", FailureCategory.InvalidArgument, path,
                output
                    ? $"'{path}' is {url}; base64 writes local files only. Write a local file, then copy it with Send-StreamFile (streamfiles send)."
                    : $"'{path}' is {url}; hashing and base64 work on local files only. Copy it to a local file first with Receive-StreamFile (streamfiles receive).");

        public static CommandError IsDirectory(string path) =>
            new CommandError("PathIsDirectory", FailureCategory.InvalidArgument, path,
                $"'{path}' is a directory, not a file. Name the files in it, for example '{Path.Combine(path, "*")}'.");

        /// <summary>A path the file system refuses to parse: empty, a NUL character, too long, a bad drive.</summary>
        public static CommandError InvalidPath(string path, Exception exception) =>
            new CommandError("InvalidPath", FailureCategory.InvalidArgument, path,
                path.Length == 0 ? "An empty string is not a file path. Name a file." : $"'{path}' is not a valid file path: {Plain(exception)}", exception);

        /// <summary>An exception's message without the "(Parameter 'path')" that .NET appends for the programmer.</summary>
        private static string Plain(Exception exception) =>
            exception is ArgumentException argument && !string.IsNullOrEmpty(argument.ParamName)
                ? argument.Message.Replace($" (Parameter '{argument.ParamName}')", string.Empty)
                : exception.Message;

        /// <summary>A name or whole path longer than the file system takes (on Linux usually 255 bytes a name, 4096 a path).</summary>
        public static CommandError PathTooLong(string path, string prefix, Exception exception) =>
            new CommandError("PathTooLong", FailureCategory.InvalidArgument, path,
                prefix + "a file name or the whole path is longer than the file system allows. Choose a shorter name or a shallower directory.", exception);

        /// <summary>EROFS, which .NET passes on as the HResult of a plain IOException on Linux and macOS alike.</summary>
        public static bool IsReadOnlyFileSystem(IOException exception) =>
            !Locations.Location.IsWindows && exception.GetType() == typeof(IOException) && exception.HResult == UnixReadOnlyFileSystem;

        /// <summary>
        /// A file another process holds open for itself: .NET's lock for FileShare.None (flock) refused with EWOULDBLOCK
        /// on Linux (11) and macOS (35), or Windows' sharing and lock violations.
        /// </summary>
        public static bool IsLockedByAnother(IOException exception) =>
            exception.GetType() == typeof(IOException)
            && (exception.HResult == 11 || exception.HResult == 35 || exception.HResult == unchecked((int)0x80070020) || exception.HResult == unchecked((int)0x80070021));

        public static bool IsDiskFull(IOException exception) =>
            exception.HResult == WindowsDiskFull || exception.HResult == WindowsHandleDiskFull || exception.HResult == UnixNoSpace;

        /// <summary>
        /// The system's words without the path .NET appends on Unix ("Broken pipe : '/x/y'"): the message names the
        /// path once already.
        /// </summary>
        internal static string Reason(Exception exception)
        {
            string message = exception.Message;
            int at = message.LastIndexOf(" : '", StringComparison.Ordinal);
            return at > 0 && message.EndsWith("'", StringComparison.Ordinal) ? message.Substring(0, at) : message;
        }

        /// <summary>
        /// Why a file named is not found: a symbolic link whose target is not there says so; otherwise the .NET reason,
        /// unless it only names the path again ("Cannot find the file 'x': Could not find file 'x'.", a probe).
        /// </summary>
        private static string NotFoundMessage(string path, Exception exception)
        {
#if NET8_0_OR_GREATER
            try
            {
                if (new FileInfo(path).LinkTarget is string target)
                {
                    return $"Cannot find the file '{path}': it is a symbolic link to '{target}', which does not exist (or is part of a loop of links).";
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException)
            {
                // Not a link that can be read: the reason below.
            }
#endif
            string reason = Reason(exception);
            return reason.IndexOf(path, StringComparison.Ordinal) >= 0
                ? $"Cannot find the file '{path}'. Check the path and that the file still exists."
                : $"Cannot find the file '{path}': {reason}";
        }

        /// <summary>The error with a sentence added to its message, after a full stop the message may lack (an OS reason such as "Read-only file system" has none).</summary>
        public static CommandError WithSentence(CommandError error, string sentence)
        {
            string message = error.Message.TrimEnd();
            if (message.Length > 0 && message[message.Length - 1] != '.' && message[message.Length - 1] != '!' && message[message.Length - 1] != '?')
            {
                message += ".";
            }

            return new CommandError(error.Condition, error.Category, error.Target, message + sentence, error.Exception);
        }

        /// <summary>The full path of the directory a file is in, or null where the path cannot be made full.</summary>
        private static string? DirectoryOf(string path)
        {
            try
            {
                return Path.GetDirectoryName(Path.GetFullPath(path));
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException || e is System.Security.SecurityException)
            {
                return null;
            }
        }

        /// <summary>Describes an exception raised while reading (or, with writing=true, writing) a file.</summary>
        public static CommandError Describe(Exception exception, string path, bool writing = false)
        {
            switch (exception)
            {
                case CommandFailureException failure:
                    return failure.Error;
                case FileNotFoundException _:
                case DirectoryNotFoundException _:
                    return new CommandError("FileNotFound", FailureCategory.ObjectNotFound, path, NotFoundMessage(path, exception), exception);
                case PathTooLongException _:
                    return PathTooLong(path, $"Cannot {(writing ? "write" : "read")} '{path}': ", exception);
                case UnauthorizedAccessException _:
                    return new CommandError("AccessDenied", FailureCategory.PermissionDenied, path,
                        writing
                            // An output is made beside it as '<name>.partial' and renamed: its directory decides (a probe).
                            ? $"Access to '{path}' is denied. Check its permissions and those of its directory{(DirectoryOf(path) is string directory ? $" '{directory}'" : string.Empty)}, where it is written as '{Path.GetFileName(path)}.partial' first, or run as a user that can write there."
                            : $"Access to '{path}' is denied. Check its permissions, or run as a user that can read it.", exception);
                case IOException io when writing && IsDiskFull(io):
                    return new CommandError("DiskFull", FailureCategory.WriteError, path,
                        $"There is not enough space on the disk to write '{path}'. Free some space and try again.", exception);
                case IOException _:
                    return new CommandError(writing ? "WriteError" : "ReadError", writing ? FailureCategory.WriteError : FailureCategory.ReadError, path,
                        $"Cannot {(writing ? "write" : "read")} '{path}': {Reason(exception)}", exception);
                default:
                    return new CommandError("UnexpectedError", FailureCategory.NotSpecified, path,
                        $"Processing '{path}' failed: {exception.Message}", exception);
            }
        }
    }
}
