using System;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Storage
{
    /// <summary>What a writer is asked to create.</summary>
    public sealed class WriteRequest
    {
        public WriteRequest(Location destination, ObjectInfo source, TransferPlan plan, bool overwrite, bool resume, string? resumeToken)
        {
            Destination = destination ?? throw new ArgumentNullException(nameof(destination));
            Source = source ?? throw new ArgumentNullException(nameof(source));
            Plan = plan ?? throw new ArgumentNullException(nameof(plan));
            Overwrite = overwrite;
            Resume = resume;
            ResumeToken = resumeToken;
        }

        public Location Destination { get; }

        /// <summary>The source as stat'ed: its length, modification time and mode go to the copy.</summary>
        public ObjectInfo Source { get; }

        public TransferPlan Plan { get; }

        /// <summary>Whether CommitAsync may replace an existing object.</summary>
        public bool Overwrite { get; }

        /// <summary>Continue partial state left by an earlier run when there is any (the journal was valid).</summary>
        public bool Resume { get; }

        /// <summary>The token the earlier run's writer reported (an S3 upload id); null for files.</summary>
        public string? ResumeToken { get; }

        /// <summary>
        /// The token of an earlier run's journal that this run drops (it starts over: no -Resume, or the source
        /// changed): the writer discards what it names (aborts that S3 multipart upload), since no journal will
        /// remember it after this run. Null when there is none.
        /// </summary>
        public string? AbandonedToken { get; set; }

        /// <summary>
        /// The engine's stat of the destination, as the batch approved this file, found nothing there. A writer whose
        /// store can refuse to replace an object on its own (S3's If-None-Match: *) may then skip its own look.
        /// </summary>
        public bool SeenAbsent { get; set; }

        /// <summary>
        /// Told the id of an upload the writer has just started on the store (S3's CreateMultipartUpload), before the
        /// writer makes any other request: the engine names it in a journal then, so that a process killed from
        /// that moment on leaves an upload the next run finds. It does not throw.
        /// </summary>
        public Action<string>? UploadStarted { get; set; }

        /// <summary>
        /// Told that the upload UploadStarted named was removed from the store again before the writer was handed over
        /// (a stop in that moment): the journal that names it names nothing now. It does not throw.
        /// </summary>
        public Action? UploadRemoved { get; set; }
    }
}
