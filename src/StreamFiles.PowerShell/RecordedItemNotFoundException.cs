using System;
using System.Management.Automation;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// An ItemNotFoundException that carries the error record the cmdlet writes. PowerShell hands `catch
    /// [ItemNotFoundException]` the exception's own record (it contains one), which by default says
    /// SessionStateException, InvalidArgument and no target (a probe), where Copy-Item's and Get-FileHash's give their
    /// id, ObjectNotFound and the path. An untyped catch and -ErrorVariable get the written record, as before.
    /// </summary>
    internal sealed class RecordedItemNotFoundException : ItemNotFoundException
    {
        private ErrorRecord? _record;

        private RecordedItemNotFoundException(string message, Exception? inner)
            : base(message, inner)
        {
        }

        public override ErrorRecord ErrorRecord => _record ?? base.ErrorRecord;

        /// <summary>
        /// The record of something not found that the cmdlet itself tells (a -Path, an -OutFile's drive), in the shape of
        /// those the engine reports: ObjectNotFound, with a CommandFailureException inside whose Error names the
        /// condition (`$_.Exception.InnerException.Error.Condition`, as about_StreamFiles says; a probe found
        /// PowerShell's own exception there, with no condition).
        /// </summary>
        public static ErrorRecord Missing(string message, Exception? cause, string errorIdPrefix, string condition, string target) =>
            Record(
                message,
                new Core.Operations.CommandFailureException(new Core.Operations.CommandError(condition, Core.Operations.FailureCategory.ObjectNotFound, target, message, cause)),
                errorIdPrefix + condition,
                ErrorCategory.ObjectNotFound,
                target);

        /// <summary>The record to write, whose exception's own record has the same id, category and target.</summary>
        public static ErrorRecord Record(string message, Exception? inner, string errorId, ErrorCategory category, object? target)
        {
            var exception = new RecordedItemNotFoundException(message, inner);
            exception._record = new ErrorRecord(new ParentContainsErrorRecordException(exception), errorId, category, target);
            var record = new ErrorRecord(exception, errorId, category, target);

            // The reason PowerShell shows is the exception's type name: the one its own cmdlets give, not this subclass's
            // (a probe: CategoryInfo.Reason said RecordedItemNotFoundException).
            exception._record.CategoryInfo.Reason = nameof(ItemNotFoundException);
            record.CategoryInfo.Reason = nameof(ItemNotFoundException);
            return record;
        }
    }
}
