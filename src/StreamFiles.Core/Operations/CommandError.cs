using System;

namespace StreamFiles.Core.Operations
{
    /// <summary>
    /// A failure of one item, described for people and scripts: a condition that hosts turn into an error
    /// id (the cmdlets prefix their name: "GetFileHashChunked" + "FileNotFound"), a category, the target
    /// (path or redacted URI) and a message that names the input and, where there is one, the fix.
    /// </summary>
    public sealed class CommandError
    {
        public CommandError(string condition, FailureCategory category, string target, string message, Exception? exception = null)
        {
            if (string.IsNullOrEmpty(condition))
            {
                throw new ArgumentException("A condition is required.", nameof(condition));
            }

            Condition = condition;
            Category = category;
            Target = target ?? string.Empty;
            Message = message ?? throw new ArgumentNullException(nameof(message));
            Exception = exception;
        }

        public string Condition { get; }

        public FailureCategory Category { get; }

        public string Target { get; }

        public string Message { get; }

        public Exception? Exception { get; }

        public override string ToString() => Message;

        /// <summary>The same error about another target.</summary>
        public CommandError WithTarget(string target) => new CommandError(Condition, Category, target, Message, Exception);

        /// <summary>The same error with its message as a sentence: a first word in lower case ("look up s3://…: …") capitalised.</summary>
        public CommandError AsSentence()
        {
            int word = Message.IndexOf(' ');
            bool lowerWord = word > 0 && char.IsLower(Message[0]);
            for (int i = 0; lowerWord && i < word; i++)
            {
                lowerWord = char.IsLetter(Message[i]);
            }

            return lowerWord ? new CommandError(Condition, Category, Target, char.ToUpperInvariant(Message[0]) + Message.Substring(1), Exception) : this;
        }
    }

    /// <summary>Thrown inside an operation to fail one item with a fully described error.</summary>
    public sealed class CommandFailureException : Exception
    {
        public CommandFailureException(CommandError error, object? result = null)
            : base(error?.Message, error?.Exception)
        {
            Error = error ?? throw new ArgumentNullException(nameof(error));
            Result = result;
        }

        public CommandError Error { get; }

        /// <summary>Optional: a result the host outputs along with the error (a Failed TransferResult).</summary>
        public object? Result { get; }
    }
}
