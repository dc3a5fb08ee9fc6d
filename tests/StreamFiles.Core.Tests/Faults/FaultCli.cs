using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Tasks;
using StreamFiles.Core.Tests.S3;
using StreamFiles.Core.Tests.Support;

namespace StreamFiles.Core.Tests.Faults
{
    /// <summary>The streamfiles CLI as a child process with its own environment, plus the signals and checks the fault tests need.</summary>
    internal static class FaultCli
    {
        public const int SigHup = 1;
        public const int SigInt = 2;
        public const int SigTerm = 15;

        [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
        private static extern int Kill(int pid, int signal);

        [DllImport("libc", EntryPoint = "geteuid")]
        private static extern uint GetEffectiveUserId();

        public static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

        /// <summary>Credentials and endpoint of the test S3 server, as a user's environment would hold them.</summary>
        public static Dictionary<string, string?> S3Environment(string? secretKey = null) => new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = secretKey ?? S3TestServer.SecretKey,
            ["AWS_REGION"] = S3TestServer.Region,
            ["AWS_ENDPOINT_URL"] = S3TestServer.Endpoint,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/credentials",
            ["AWS_CONFIG_FILE"] = "/nonexistent/config",
        };

        /// <param name="interruptible">
        /// Start the CLI with SIGINT at its default disposition (coreutils' env --default-signal=INT), whatever this process
        /// inherited: a test run started in the background of a non-interactive shell has SIGINT ignored, children
        /// inherit that, and the CLI then rightly lets the transfer finish.
        /// </param>
        /// <summary>
        /// Starts the process with SIGINT at its default: a test run started as a background job of a script inherits
        /// SIGINT ignored, which the CLI (rightly, as nohup expects) keeps, and a test's SIGINT would then do nothing.
        /// </summary>
        public static void MakeInterruptible(ProcessStartInfo start)
        {
            start.ArgumentList.Insert(0, start.FileName);
            // HUP too: a test run under nohup would hand its SIG_IGN on, and the SIGHUP test would see the signal ignored.
            start.ArgumentList.Insert(0, "--default-signal=INT,HUP");
            start.FileName = "env";
        }

        public static Process Start(string workingDirectory, IDictionary<string, string?>? environment, IEnumerable<string> arguments, bool interruptible = false)
        {
            ProcessStartInfo start = ProcessRunner.CliStart(workingDirectory, arguments);
            if (interruptible)
            {
                MakeInterruptible(start);
            }

            foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            {
                if (value is null)
                {
                    start.Environment.Remove(name);
                }
                else
                {
                    start.Environment[name] = value;
                }
            }

            return Process.Start(start) ?? throw new InvalidOperationException("could not start streamfiles");
        }

        public static ProcessRunner.Outcome Run(string workingDirectory, IDictionary<string, string?>? environment, params string[] arguments)
        {
            using Process process = Start(workingDirectory, environment, arguments);
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(180_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("streamfiles did not finish in 3 minutes");
            }

            process.WaitForExit();
            return ProcessRunner.Captured("streamfiles", new ProcessRunner.Outcome(process.ExitCode, output.Result, error.Result));
        }

        /// <summary>SIGINT, as Ctrl+C at a terminal sends it (Process.Kill would be SIGKILL), or another signal.</summary>
        public static void Interrupt(Process process, int signal = SigInt)
        {
            if (Kill(process.Id, signal) != 0)
            {
                throw new InvalidOperationException($"kill({signal}) failed: errno " + Marshal.GetLastWin32Error());
            }
        }

        /// <summary>The error conditions of --json output (one object per file; failures carry error.condition).</summary>
        public static IReadOnlyList<string> Conditions(string jsonLines) =>
            jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonDocument.Parse(line).RootElement)
                .Where(e => e.TryGetProperty("error", out _))
                .Select(e => e.GetProperty("error").GetProperty("condition").GetString()!)
                .ToList();

        /// <summary>Every file and directory below a directory, with sizes: equal snapshots mean nothing was written.</summary>
        public static string Snapshot(string directory) =>
            !Directory.Exists(directory)
                ? "(none)"
                : string.Join("\n", Directory.GetFileSystemEntries(directory, "*", SearchOption.AllDirectories)
                    .OrderBy(p => p, StringComparer.Ordinal)
                    .Select(p => Path.GetRelativePath(directory, p) + (File.Exists(p) ? " " + new FileInfo(p).Length + " " + File.GetLastWriteTimeUtc(p).Ticks : "/")));

        /// <summary>Objects and multipart uploads under an S3 prefix, for "nothing happened on the server".</summary>
        public static async Task<string> S3SnapshotAsync(string prefix)
        {
            var objects = await S3TestServer.Raw.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = S3TestServer.Bucket, Prefix = prefix });
            var uploads = await S3TestServer.UploadsUnderAsync(prefix);
            return string.Join("\n", (objects.S3Objects ?? new List<Amazon.S3.Model.S3Object>()).Select(o => o.Key + " " + o.Size + " " + o.ETag)
                .Concat(uploads.Select(u => "upload " + u.Key + " " + u.UploadId)));
        }
    }
}
