using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// What StreamFiles uploads, rclone and the aws cli download byte-identical, and what they upload (in their own
    /// part sizes) StreamFiles downloads byte-identical, checking each object's ETag on the way.
    /// </summary>
    public sealed class S3InteropTests : IDisposable
    {
        private const long MiB = 1024 * 1024;
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();

        public void Dispose()
        {
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        private string S3(string key) => "s3://" + S3TestServer.Bucket + "/" + _prefix + key;

        [S3ToolFact("rclone")]
        public void RcloneReadsWhatStreamFilesWritesAndTheReverse()
        {
            string original = _temp.RandomFile("ours.bin", (21 * MiB) + 3, seed: 31);
            Assert.Empty(S3TransferTests.Run(TransferDirection.Send, S3("ours.bin"), new[] { original }, new TransferOptions(partSize: 8 * MiB)).Errors);
            string viaRclone = _temp.File("via-rclone.bin");
            Tool("rclone", "copyto", Rclone("ours.bin"), viaRclone);
            Assert.True(Same(original, viaRclone));

            // rclone's own multipart layout (5 MiB chunks above a 5 MiB cutoff).
            string theirs = _temp.RandomFile("theirs.bin", (17 * MiB) + 5, seed: 32);
            Tool("rclone", "copyto", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", theirs, Rclone("theirs.bin"));
            Assert.EndsWith("-4", S3TestServer.ETagAsync(_prefix + "theirs.bin").GetAwaiter().GetResult());
            string back = _temp.File("theirs-back.bin");
            var received = S3TransferTests.Run(TransferDirection.Receive, back, new[] { S3("theirs.bin") });
            Assert.Empty(received.Errors);
            Assert.Equal(5 * MiB, Assert.Single(received.Transfers).PartSize);
            Assert.True(Same(theirs, back));
        }

        [S3ToolFact("/usr/bin/aws")]
        public void AwsCliReadsWhatStreamFilesWritesAndTheReverse()
        {
            string original = _temp.RandomFile("ours.bin", (19 * MiB) + 1, seed: 33);
            Assert.Empty(S3TransferTests.Run(TransferDirection.Send, S3("ours.bin"), new[] { original }).Errors);
            string viaAws = _temp.File("via-aws.bin");
            Tool("/usr/bin/aws", "--endpoint-url", S3TestServer.Endpoint!, "s3", "cp", S3("ours.bin"), viaAws);
            Assert.True(Same(original, viaAws));

            // The aws cli's layout: 8 MiB parts above its 8 MiB threshold.
            string theirs = _temp.RandomFile("theirs.bin", (18 * MiB) + 9, seed: 34);
            Tool("/usr/bin/aws", "--endpoint-url", S3TestServer.Endpoint!, "s3", "cp", theirs, S3("theirs.bin"));
            Assert.EndsWith("-3", S3TestServer.ETagAsync(_prefix + "theirs.bin").GetAwaiter().GetResult());
            string back = _temp.File("theirs-back.bin");
            var received = S3TransferTests.Run(TransferDirection.Receive, back, new[] { S3("theirs.bin") });
            Assert.Empty(received.Errors);
            Assert.True(Same(theirs, back));
        }

        [S3ToolFact("s3cmd")]
        public void S3cmdReadsWhatStreamFilesWritesAndTheReverse()
        {
            string original = _temp.RandomFile("ours.bin", (9 * MiB) + 1, seed: 35);
            Assert.Empty(S3TransferTests.Run(TransferDirection.Send, S3("ours.bin"), new[] { original }).Errors);
            string viaS3cmd = _temp.File("via-s3cmd.bin");
            Tool("s3cmd", S3cmdArguments("get", S3("ours.bin"), viaS3cmd));
            Assert.True(Same(original, viaS3cmd));

            // s3cmd's layout: 15 MiB chunks.
            string theirs = _temp.RandomFile("theirs.bin", (16 * MiB) + 2, seed: 36);
            Tool("s3cmd", S3cmdArguments("put", theirs, S3("theirs.bin")));
            string back = _temp.File("theirs-back.bin");
            var received = S3TransferTests.Run(TransferDirection.Receive, back, new[] { S3("theirs.bin") });
            Assert.Empty(received.Errors);
            Assert.True(Same(theirs, back));
        }

        private string Rclone(string key) =>
            $":s3,provider=Ceph,endpoint='{S3TestServer.Endpoint}',access_key_id='{S3TestServer.AccessKey}',secret_access_key='{S3TestServer.SecretKey}',region='{S3TestServer.Region}':{S3TestServer.Bucket}/{_prefix}{key}";

        private string[] S3cmdArguments(params string[] command)
        {
            var endpoint = new Uri(S3TestServer.Endpoint!);
            string host = endpoint.Authority;
            var all = new List<string>
            {
                "--config=/dev/null", "--access_key=" + S3TestServer.AccessKey, "--secret_key=" + S3TestServer.SecretKey,
                "--host=" + host, "--host-bucket=" + host, "--region=" + S3TestServer.Region, "--no-progress",
                endpoint.Scheme == "https" ? "--ssl" : "--no-ssl",
            };
            all.AddRange(command);
            return all.ToArray();
        }

        private static void Tool(string tool, params string[] arguments)
        {
            var outcome = S3ToolFactAttribute.Run(tool, arguments);
            Assert.True(outcome.ExitCode == 0, $"{tool} {string.Join(" ", arguments.Where(a => !a.Contains("secret", StringComparison.OrdinalIgnoreCase)))} failed ({outcome.ExitCode}): {outcome.Error}");
        }

        private static bool Same(string a, string b) => ProcessRunner.Run("cmp", new[] { "-s", a, b }).ExitCode == 0;
    }

    /// <summary>An interop test: needs the S3 server and a peer tool; skipped with the reason when either is missing.</summary>
    public sealed class S3ToolFactAttribute : FactAttribute
    {
        public S3ToolFactAttribute(string tool)
        {
            if (!S3TestServer.Available)
            {
                Skip = S3TestServer.SkipReason;
            }
            else if (!Installed(tool))
            {
                Skip = $"'{tool}' is not installed (tests/s3-server/start.sh --install puts rclone, awscli and s3cmd on Debian).";
            }
        }

        /// <summary>Runs a peer tool with the test server's credentials in its environment and without AWS_CA_BUNDLE.</summary>
        public static ProcessRunner.Outcome Run(string tool, string[] arguments)
        {
            var start = new System.Diagnostics.ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment.Remove("AWS_CA_BUNDLE");
            start.Environment["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey;
            start.Environment["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey;
            start.Environment["AWS_DEFAULT_REGION"] = S3TestServer.Region;
            start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
            start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
            start.Environment["RCLONE_CONFIG"] = "/dev/null";
            using var process = System.Diagnostics.Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException(tool + " did not finish in 2 minutes");
            }

            process.WaitForExit();
            return new ProcessRunner.Outcome(process.ExitCode, output.Result, error.Result);
        }

        private static bool Installed(string tool)
        {
            if (tool.Contains('/'))
            {
                return File.Exists(tool);
            }

            return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool)));
        }
    }
}
