using System;
using System.IO;
using System.Net;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage.Http
{
    /// <summary>
    /// An HTTP request that failed: an error status, a broken or stalled connection, a body shorter than
    /// announced, a refused redirect. The message names the URL only as redacted (no query, no user info).
    /// </summary>
    public sealed class HttpTransferException : IOException
    {
        public HttpTransferException(string condition, FailureCategory category, string target, string message, bool isTransient, HttpStatusCode? statusCode = null, Exception? inner = null)
            : base(message, inner)
        {
            Condition = condition;
            Category = category;
            Target = target;
            IsTransient = isTransient;
            StatusCode = statusCode;
        }

        /// <summary>The error condition hosts turn into an error id (HttpStatusError, HttpBodyTruncated, ...).</summary>
        public string Condition { get; }

        public FailureCategory Category { get; }

        /// <summary>The redacted URL.</summary>
        public string Target { get; }

        /// <summary>Whether trying again may succeed (a dropped connection, a 503); a 404 or a TLS failure never does.</summary>
        public bool IsTransient { get; }

        public HttpStatusCode? StatusCode { get; }

        public CommandError ToError() => new CommandError(Condition, Category, Target, Message, this);
    }
}
