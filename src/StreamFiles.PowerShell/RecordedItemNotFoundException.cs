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

        /// <summary>The record to write, whose exception's own record has the same id, category and target.</summary>
        public static ErrorRecord Record(string message, Exception? inner, string errorId, ErrorCategory category, object? target)
        {
            var exception = new RecordedItemNotFoundException(message, inner);
            exception._record = new ErrorRecord(new ParentContainsErrorRecordException(exception), errorId, category, target);
            return new ErrorRecord(exception, errorId, category, target);
        }
    }
}
