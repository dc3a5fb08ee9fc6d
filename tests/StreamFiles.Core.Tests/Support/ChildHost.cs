using System;
using System.Collections.Generic;
using System.Threading;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Http;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.Support
{
    /// <summary>
    /// The test assembly run as a program ("dotnet StreamFiles.Core.Tests.dll receive URL DEST [--resume]"):
    /// a minimal host of the receive operation for tests that must kill a transfer mid-way and run it again in
    /// a new process. It prints one line per result ("Completed"/"Resumed"/...) and per error (the condition).
    /// </summary>
    public static class ChildHost
    {
        public static int Main(string[] args)
        {
            if (args.Length < 3 || args[0] != "receive")
            {
                Console.Error.WriteLine("usage: receive URL DESTINATION [--resume] [--part-size BYTES] [--concurrency N]");
                return 2;
            }

            bool resume = Array.IndexOf(args, "--resume") >= 0;
            long partSize = Option(args, "--part-size", 1024 * 1024);
            int concurrency = (int)Option(args, "--concurrency", 2);
            var sink = new ConsoleSink();
            TransferOperation? running = null;
            StorageRegistry registry = StorageRegistry.CreateDefault().RegisterHttp(new HttpSettings(retryDelay: TimeSpan.FromMilliseconds(50)), m => running?.PostVerbose(m));
            using var operation = new TransferOperation(
                TransferDirection.Receive,
                Location.Parse(args[2]),
                recurse: false,
                new TransferOptions(concurrency: concurrency, partSize: partSize, resume: resume, overwrite: true),
                new OperationSettings(1),
                CancellationToken.None,
                registry);
            running = operation;
            operation.SubmitSource(new TransferRequest(args[1]), sink);
            operation.Complete(sink);
            return operation.FailedCount == 0 ? 0 : 1;
        }

        private static long Option(string[] args, string name, long fallback)
        {
            int at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length ? long.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
        }

        private sealed class ConsoleSink : ICommandSink
        {
            public bool ShouldProcess(string target, string action) => true;

            public void WriteResult(object result) => Console.WriteLine(result is TransferResult r ? r.Status.ToString() : result.ToString());

            public void WriteError(CommandError error) => Console.WriteLine("error " + error.Condition + ": " + error.Message);

            public void WriteProgress(ProgressReport report)
            {
            }

            public void WriteVerbose(string message) => Console.Error.WriteLine(message);
        }
    }
}
