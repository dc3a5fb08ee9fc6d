using System;
using System.Collections.Generic;
using System.IO;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Transfers
{
    /// <summary>
    /// The errors of a transfer, one condition each, with an exact category, the path or redacted URI as the
    /// target, and a message that names the file (and the part) and says what to do. Hosts prefix the
    /// condition with their name: SendStreamFileDestinationExists.
    /// </summary>
    public static class TransferErrors
    {
        private const string SideKey = "StreamFiles.TransferSide";

        /// <remarks>
        /// No advice about -LiteralPath here: a PowerShell wildcard that matched nothing is NoMatch, so a name that
        /// reaches this with [ ] in it came from -LiteralPath or the CLI, where the advice would be wrong.
        /// </remarks>
        public static CommandError SourceNotFound(string source) =>
            new CommandError("SourceNotFound", FailureCategory.ObjectNotFound, source,
                source.IndexOf("://", StringComparison.Ordinal) > 0
                    ? $"Cannot find the source '{source}'. Check the address."
                    : $"Cannot find the source '{source}'. Check the path.");

        /// <summary>A wildcard pattern that matched no file: the same condition as a missing source, since the user named files that are not there.</summary>
        public static CommandError NoMatch(string pattern) =>
            new CommandError("SourceNotFound", FailureCategory.ObjectNotFound, pattern,
                $"No file matches '{pattern}'. Check the path and the pattern, or use -LiteralPath if the name contains wildcard characters such as [ ].");

        /// <summary>
        /// The warning for a read-back check asked of an upload to a URL, which answers nothing but PUT. With the upload
        /// checksum already given (uploadChecksumName null) it says so, rather than advising it (a probe).
        /// </summary>
        public static string VerifyIgnoredForPutUrl(string verifyName, string? uploadChecksumName, string destination) =>
            $"{verifyName} reads each copy back, which a PUT URL cannot serve; it is ignored for {destination}. "
            + (uploadChecksumName is null
                ? "Instead, the checksum sent with the upload lets a server that checks it (as S3 does) refuse a damaged upload."
                : $"Add {uploadChecksumName} to have the server check the upload.");

        /// <summary>
        /// The warnings for options that have nothing to work on with a PUT URL (a probe: --verify was told of, these were
        /// ignored without a word): resumeName and skipName are the host's spellings of -Resume and -SkipUnchanged, or
        /// null when not given.
        /// </summary>
        public static IEnumerable<string> IgnoredForPutUrl(string? resumeName, string? skipName, string destination)
        {
            if (skipName != null)
            {
                yield return $"{skipName} compares each file with the destination, which a PUT URL cannot show; it is ignored for {destination}, and every file is sent.";
            }

            if (resumeName != null)
            {
                yield return $"{resumeName} keeps what a stopped copy has written for the next run; a PUT URL takes each file in one request, which keeps nothing; it is ignored for {destination}.";
            }
        }

        public static CommandError SourceIsDirectory(string source) =>
            new CommandError("SourceIsDirectory", FailureCategory.InvalidArgument, source,
                $"'{source}' is a directory. Add -Recurse (--recursive) to copy the files in it and below it.");

        /// <param name="why">How it differs, when -SkipUnchanged found it changed: the message then asks only for -Force.</param>
        public static CommandError DestinationExists(string source, string destination, string? why = null) =>
            new CommandError("DestinationExists", FailureCategory.ResourceExists, destination,
                string.IsNullOrEmpty(why) || why!.StartsWith(" (", StringComparison.Ordinal)
                    ? $"Cannot copy '{source}': '{destination}' already exists{why}. Add -Force (--force) to overwrite it, or -SkipUnchanged (--skip-unchanged) to leave files that are already up to date."
                    : $"Cannot copy '{source}': '{destination}' already exists{why}, so -SkipUnchanged (--skip-unchanged) does not skip it. Add -Force (--force) to overwrite it.");

        public static CommandError DestinationIsDirectory(string source, string destination) =>
            new CommandError("DestinationIsDirectory", FailureCategory.ResourceExists, destination,
                $"Cannot copy '{source}': '{destination}' is a directory. Remove it or choose another destination.");

        public static CommandError DestinationInsideSource(string source, string destination) =>
            new CommandError("DestinationInsideSource", FailureCategory.InvalidArgument, source,
                $"Cannot copy the directory '{source}' into '{destination}', which is inside it: the copy would copy itself. Choose a destination outside '{source}'.");

        public static CommandError DestinationIsSource(string source) =>
            new CommandError("DestinationIsSource", FailureCategory.InvalidArgument, source,
                $"Cannot copy '{source}' onto itself. Choose another destination.");

        public static CommandError DestinationNotDirectory(string source, string destination) =>
            new CommandError("DestinationNotDirectory", FailureCategory.InvalidArgument, destination,
                $"Cannot copy '{source}': '{destination}' names a single file, and more than one source was given. To copy several files, give a directory: an existing one, or end the name with '/'.");

        /// <summary>A directory source and a destination that is an existing file.</summary>
        public static CommandError DirectoryIntoFile(string source, string destination) =>
            new CommandError("DestinationNotDirectory", FailureCategory.InvalidArgument, destination,
                $"Cannot copy the directory '{source}' into '{destination}', which is a file. Give a directory: an existing one, or a new name ending in '/'.");

        /// <summary>Keys 'x' and 'x/y' under one prefix: 'x' is written as a file, so 'x/y' has no directory to go in.</summary>
        public static CommandError ParentIsAnotherFile(string source, string destination, string file) =>
            new CommandError("DestinationNotDirectory", FailureCategory.InvalidArgument, destination,
                $"Cannot copy '{source}' to '{destination}': '{file}' is written as a file by another source of this batch, so it cannot also be a directory. Copy one of the two to another destination.");

        /// <summary>Two files of one batch where one's final name is the other's temporary name (x and x.partial).</summary>
        /// <param name="other">The other file, whose temporary name this destination is (or is under); or, when <paramref name="ownTemporaryName"/>, this destination's temporary name, which the batch uses otherwise.</param>
        public static CommandError TemporaryNameTaken(string source, string destination, string other, bool ownTemporaryName) =>
            new CommandError("DuplicateDestination", FailureCategory.InvalidOperation, destination, ownTemporaryName
                ? $"Cannot copy '{source}' to '{destination}': it is written as '{other}' until it is complete, and that name is another file or directory of this batch. Copy one of the two to another destination."
                : $"Cannot copy '{source}' to '{destination}': that name is also where '{other}', another file of this batch, is written until it is complete (its name with '.partial'). Copy one of the two to another destination.");

        /// <summary>-Resume could not write the transfer's journal: without it a rerun could not continue, so the copy does not start.</summary>
        public static CommandError JournalUnwritable(string source, string destination, string journalPath, bool besideFile, Exception cause) =>
            new CommandError("ResumeJournalUnwritable", FailureCategory.WriteError, destination,
                $"Cannot copy '{source}' to '{destination}' with -Resume (--resume): its resume journal cannot be written at '{journalPath}' ({FileErrors.Reason(cause).TrimEnd('.')}). "
                + (besideFile
                    ? "Make the destination's directory writable, or run without -Resume (--resume)."
                    : $"Set {Resume.ResumeJournal.StateDirectoryVariable} to a writable directory, or run without -Resume (--resume)."),
                cause);

        public static CommandError DuplicateDestination(string source, string destination) =>
            new CommandError("DuplicateDestination", FailureCategory.InvalidOperation, destination,
                $"Cannot copy '{source}': another source of this batch is already copied to '{destination}'. Give the sources different names or destinations.");

        /// <summary>Marks an exception as raised by the destination (writing) or the source; used in exception filters.</summary>
        internal static bool Mark(Exception exception, bool writing)
        {
            if (!exception.Data.Contains(SideKey))
            {
                exception.Data[SideKey] = writing;
            }

            return false;
        }

        /// <summary>The S3 side of a copy: the one the failure is marked with, else the only one that is S3; null for none.</summary>
        private static string? S3Side(string source, string destination, bool writing)
        {
            bool fromS3 = source.StartsWith("s3://", StringComparison.OrdinalIgnoreCase);
            bool toS3 = destination.StartsWith("s3://", StringComparison.OrdinalIgnoreCase);
            return writing && toS3 ? destination : !writing && fromS3 && !toS3 ? source : toS3 && !fromS3 ? destination : fromS3 ? source : null;
        }

        /// <summary>
        /// The S3 backend's condition for a failure, its message after the copy's own prefix: the backend's lead
        /// ("upload s3://b/k: ") would name the object a second time.
        /// </summary>
        private static CommandError S3Condition(Exception failure, string operation, string store, string prefix, Exception exception)
        {
            CommandError s3 = Storage.S3.S3Errors.Describe(failure, operation, store);
            return new CommandError(s3.Condition, s3.Category, store, prefix + WithoutLead(s3.Message, store), exception);
        }

        /// <summary>
        /// A backend's message after the copy's own prefix, without its lead naming the object again: "upload part 8
        /// (bytes ...) of s3://b/k: " after "Cannot copy 'a' to 's3://b/k' (part 8 of 39 (bytes ...)): " (a probe). A
        /// step the prefix does not say stays ("complete multipart upload: ").
        /// </summary>
        internal static string WithoutLead(string message, string target)
        {
            if (target.Length == 0)
            {
                return message;
            }

            var lead = System.Text.RegularExpressions.Regex.Match(message, "^(?<step>[A-Za-z][^:]*?) (?:of |to )?" + System.Text.RegularExpressions.Regex.Escape(target) + ": ");
            if (!lead.Success)
            {
                return message;
            }

            string step = lead.Groups["step"].Value;
            bool said = step == "upload" || step == "download" || step == "read" || step == "look up" || step == "HEAD" || step == "list"
                || step.StartsWith("upload part ", StringComparison.Ordinal);
            return (said ? string.Empty : step + ": ") + message.Substring(lead.Length);
        }

        /// <summary>Describes any failure of a transfer, wrapped with the operation, the file and the failed part.</summary>
        public static CommandError Describe(Exception exception, string source, string destination)
        {
            string where = string.Empty;
            Exception inner = exception;
            if (exception is PartFailedException part)
            {
                where = " (" + PartFailedException.Describe(part.Part, part.PartCount) + ")";
                inner = part.InnerException ?? part;
            }

            bool writing = inner.Data.Contains(SideKey) && inner.Data[SideKey] is bool w && w;
            string target = writing ? destination : source;
            string prefix = $"Cannot copy '{source}' to '{destination}'{where}: ";
            switch (inner)
            {
                case CommandFailureException failure:
                    // A backend's own error in one part (S3ChecksumModeRejected, S3AccessDenied, ...): its condition,
                    // with the file and the part named.
                    return new CommandError(failure.Error.Condition, failure.Error.Category, failure.Error.Target.Length > 0 ? failure.Error.Target : target, prefix + WithoutLead(failure.Error.Message, failure.Error.Target), exception);
                case SourceChangedException changed when changed.StoredAsRead:
                    // A single PUT (to S3 or a URL) had stored it before the change was seen (a probe: "Nothing was
                    // written", and the rerun the message advised met the object, DestinationExists).
                    return new CommandError("SourceChanged", FailureCategory.InvalidData, source,
                        prefix + changed.Message + $" It changed after it was read whole: '{destination}' was stored whole, with the file as it was read, not as it is now. Run the command again with -Force (--force) to send it as it is now.", exception);
                case SourceChangedException changed:
                    return new CommandError("SourceChanged", FailureCategory.InvalidData, source,
                        prefix + changed.Message + " Nothing was written under the destination name; run the command again to copy the source as it is now.", exception);
                case Amazon.Runtime.AmazonServiceException service:
                    // A store's error that outlasted the retries (503 SlowDown on a part or a HEAD): S3's condition, as
                    // the backend gives it for the requests it describes itself, not UnexpectedError.
                    return S3Condition(service, writing ? "upload" : "read", target, prefix, exception);
                case Storage.Http.HttpTransferException http:
                    // The HTTP backend already named the condition (HttpNotFound, HttpBodyTruncated, ...) and redacted the URL.
                    return new CommandError(http.Condition, http.Category, target, prefix + http.Message, exception);
                case DestinationExistsException exists when !exists.SkipUnchangedApplies:
                    return new CommandError("DestinationExists", FailureCategory.ResourceExists, destination,
                        $"Cannot copy '{source}': '{destination}' already exists{exists.Why}. Add -Force (--force) to overwrite it; -SkipUnchanged (--skip-unchanged) cannot compare with an HTTP destination.");
                case DestinationExistsException exists:
                    return exists.Why is null
                        ? new CommandError("DestinationExists", FailureCategory.ResourceExists, destination,
                            $"Cannot copy '{source}': '{destination}' appeared while the file was being copied, written by someone else, and was left as it is. Run the command again to look at it anew (with -SkipUnchanged (--skip-unchanged) it is skipped when it is the same), or add -Force (--force) to overwrite it.", exception)
                        : DestinationExists(source, destination, exists.Why);
                case Storage.Local.PartialInTheWayException partial:
                    return new CommandError("DestinationExists", FailureCategory.ResourceExists, destination,
                        prefix + partial.Message + (partial.Replaceable ? " Move or rename it, or add -Force (--force) to replace it." : " Move, rename or remove it."), exception);
                case VerifyFailedException verify:
                    return new CommandError("VerifyFailed", FailureCategory.InvalidData, destination,
                        prefix + verify.Message + (verify.Received
                            ? " The copy was discarded; run the command again to fetch the bytes anew."
                            : verify.Committed
                                ? " It was written whole and then read back different: another writer may have replaced it, or the store changed it. It was left as it is; look at it, and run the command again with -Force (--force) to write it anew."
                                : " The copy was discarded; check the destination's storage and run the command again."), exception);
                case UnauthorizedAccessException _:
                    return new CommandError("AccessDenied", FailureCategory.PermissionDenied, target,
                        prefix + inner.Message + (writing && target.IndexOf("://", StringComparison.Ordinal) < 0
                            // The copy is made as '<name>.partial' beside it: the directory's permissions decide (a probe:
                            // a read-only directory was told to check the file, which did not exist).
                            ? $" Check the permissions of '{target}' and of its directory '{Path.GetDirectoryName(target)}' (the copy is made there as '{Path.GetFileName(target)}.partial'), or run as a user that can write there."
                            : $" Check the permissions of '{target}', or run as a user that can {(writing ? "write" : "read")} it."), exception);
                case Storage.Local.ParentIsFileException parent:
                    return new CommandError("DestinationNotDirectory", FailureCategory.InvalidArgument, destination,
                        prefix + parent.Message + " Choose a destination inside a directory.", exception);
                case Storage.S3.S3KeyTooLongException tooLong:
                    return new CommandError("PathTooLong", FailureCategory.InvalidArgument, destination,
                        prefix + tooLong.Message + ". Choose a shorter destination prefix or file name.", exception);
                case PathTooLongException _:
                    return FileErrors.PathTooLong(target, prefix, exception);
                case IOException io when FileErrors.IsDiskFull(io):
                    return new CommandError("DiskFull", FailureCategory.WriteError, destination,
                        prefix + $"there is not enough space on the disk. Free some space and run the command again{(exception is PartFailedException ? "; with -Resume (--resume), what was copied is kept for it" : string.Empty)}.", exception);
                case Exception unreachable when !(unreachable is IOException) && Storage.S3.S3Errors.IsConnectionFailure(unreachable) && S3Side(source, destination, writing) is string store:
                    // The S3 endpoint went away after its first answers (a probe: a batch whose listing was answered
                    // then had each PutObject refused, and every file said UnexpectedError): as the HEAD would have said.
                    return S3Condition(unreachable, store == destination ? "upload to" : "read", store, prefix, exception);
                case IOException io when writing && FileErrors.IsLockedByAnother(io):
                    // Another run of the same copy (or another program) holds the destination's .partial: .NET's text
                    // named the .partial and "another process" (a probe); S3 destinations say DestinationBusy the same way.
                    return new CommandError("DestinationBusy", FailureCategory.ResourceUnavailable, destination,
                        $"Cannot copy '{source}' to '{destination}': another program is writing it now (another StreamFiles run, maybe), and holds its file open. Wait for it to end, or copy to another name.", exception);
                case IOException io when writing && FileErrors.IsReadOnlyFileSystem(io):
                    return new CommandError("WriteError", FailureCategory.WriteError, destination,
                        prefix + $"the file system that holds '{destination}' is mounted read-only. Choose a destination on a writable file system, or remount it read-write.", exception);
                case FileNotFoundException _:
                case DirectoryNotFoundException _:
                    return writing
                        ? new CommandError("WriteError", FailureCategory.WriteError, destination, prefix + inner.Message, exception)
                        : new CommandError("SourceNotFound", FailureCategory.ObjectNotFound, source, prefix + "the source disappeared: " + inner.Message, exception);
                case IOException _:
                    return writing
                        ? new CommandError("WriteError", FailureCategory.WriteError, destination, prefix + inner.Message, exception)
                        : new CommandError("ReadError", FailureCategory.ReadError, source, prefix + inner.Message, exception);
                case ArgumentOutOfRangeException range when range.ParamName == "length":
                    return new CommandError("TooLarge", FailureCategory.LimitsExceeded, source, prefix + range.Message, exception);
                case NotSupportedException _:
                    return new CommandError("NotSupported", FailureCategory.InvalidOperation, target, prefix + inner.Message, exception);
                default:
                    return new CommandError("UnexpectedError", FailureCategory.NotSpecified, target, prefix + inner.Message, exception);
            }
        }
    }
}
