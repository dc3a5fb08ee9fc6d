using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;

namespace StreamFiles.Core.Tests.TestSupport
{
    /// <summary>
    /// Runs an independent tool (coreutils, python3, gzip) so that expected digests come from someone
    /// else's implementation at test time rather than from constants pasted into the tests.
    /// </summary>
    internal static class ExternalTool
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

        /// <summary>Runs a program with arguments (no shell) and returns its standard output.</summary>
        public static string Run(string fileName, params string[] arguments) => Run(fileName, (IEnumerable<string>)arguments);

        public static string Run(string fileName, IEnumerable<string> arguments)
        {
            var start = new ProcessStartInfo(fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {fileName}.");
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit((int)Timeout.TotalMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{fileName} did not finish within {Timeout}.");
            }

            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{fileName} {string.Join(" ", arguments)} exited with {process.ExitCode}: {error.Result}");
            }

            return output.Result;
        }

        /// <summary>Runs a bash script; positional parameters are passed as $1, $2, ….</summary>
        public static string Bash(string script, params string[] arguments)
        {
            var all = new List<string> { "-c", "set -euo pipefail\n" + script, "bash" };
            all.AddRange(arguments);
            return Run("bash", all).Trim();
        }

        /// <summary>The digest a coreutils *sum tool prints for a file, upper-cased like the engine's.</summary>
        public static string CoreutilsDigest(string tool, string path)
        {
            string line = Run(tool, "--binary", path);
            return line.Split(' ')[0].Trim().ToUpperInvariant();
        }

        /// <summary>
        /// CRC-64/NVME of a file from crcmod (Debian's python3-crcmod, which tests/run.sh installs), built from the
        /// polynomial's parameters. Debian's own python3 is preferred: an interpreter of a version manager earlier on
        /// PATH does not see Debian's modules.
        /// </summary>
        public static ulong CrcmodCrc64Nvme(string path) =>
            Convert.ToUInt64(
                Run(
                    System.IO.File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3",
                    "-c",
                    "import sys, crcmod; f = crcmod.mkCrcFun(0x1AD93D23594C93659, initCrc=0, rev=True, xorOut=0xFFFFFFFFFFFFFFFF); print(f(open(sys.argv[1], 'rb').read()))",
                    path).Trim(),
                System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>zlib.crc32 of a file, from Python's zlib (the C library's implementation).</summary>
        public static uint ZlibCrc32(string path) =>
            Convert.ToUInt32(
                Run("python3", "-c", "import sys, zlib; print(zlib.crc32(open(sys.argv[1], 'rb').read()))", path).Trim(),
                System.Globalization.CultureInfo.InvariantCulture);
    }
}
