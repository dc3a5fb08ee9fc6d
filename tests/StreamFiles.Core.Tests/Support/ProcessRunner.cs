using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace StreamFiles.Core.Tests.Support
{
    /// <summary>Runs a program to completion and captures what it printed.</summary>
    public static class ProcessRunner
    {
        public sealed record Outcome(int ExitCode, string Output, string Error);

        public static Outcome Run(string fileName, string[] arguments, string? workingDirectory = null, string? standardInput = null, TimeSpan? timeout = null)
        {
            var start = new ProcessStartInfo(fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = standardInput != null,
                UseShellExecute = false,
                WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + fileName);
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            if (standardInput != null)
            {
                process.StandardInput.Write(standardInput);
                process.StandardInput.Close();
            }

            if (!process.WaitForExit((int)(timeout ?? TimeSpan.FromMinutes(2)).TotalMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{fileName} {string.Join(" ", arguments)} did not finish in time");
            }

            process.WaitForExit();
            return Captured(Path.GetFileName(fileName) + (fileName == "dotnet" && arguments.Length > 0 ? " " + Path.GetFileName(arguments[0]) : string.Empty), new Outcome(process.ExitCode, output.Result, error.Result));
        }

        /// <summary>Hands what a process printed to TestCapture (labelled by program, never by its arguments) and returns it.</summary>
        public static Outcome Captured(string program, Outcome outcome)
        {
            TestCapture.Record(program + " stdout", outcome.Output);
            TestCapture.Record(program + " stderr", outcome.Error);
            return outcome;
        }

        /// <summary>The CLI as one shell word list, quoted for /bin/sh.</summary>
        public static string CliCommandLine()
        {
            (string fileName, string[] arguments) = Cli();
            return string.Join(" ", new[] { fileName }.Concat(arguments).Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        }

        /// <summary>Runs a shell command line (for coreutils pipelines) and returns its stdout, failing on a non-zero exit.</summary>
        public static string Shell(string command, string? workingDirectory = null)
        {
            Outcome outcome = Run("/bin/sh", new[] { "-c", command }, workingDirectory);
            if (outcome.ExitCode != 0)
            {
                throw new InvalidOperationException($"'{command}' failed ({outcome.ExitCode}): {outcome.Error}");
            }

            return outcome.Output;
        }

        /// <summary>Names a native streamfiles executable (a native AOT publish) for the CLI tests to run instead of streamfiles.dll.</summary>
        public const string CliVariable = "STREAMFILES_TEST_CLI";

        /// <summary>
        /// The program and arguments that run the streamfiles CLI: the executable that STREAMFILES_TEST_CLI names (tests/run.sh
        /// sets it to a native AOT publish for a second pass of the CLI tests), else streamfiles.dll built beside the tests,
        /// through the dotnet host.
        /// </summary>
        public static (string FileName, string[] Arguments) Cli(params string[] arguments)
        {
            string? native = Environment.GetEnvironmentVariable(CliVariable);
            if (!string.IsNullOrEmpty(native))
            {
                return (native, arguments);
            }

            var all = new string[arguments.Length + 1];
            all[0] = Path.Combine(AppContext.BaseDirectory, "streamfiles.dll");
            Array.Copy(arguments, 0, all, 1, arguments.Length);
            return ("dotnet", all);
        }

        /// <summary>A start for the streamfiles CLI (see <see cref="Cli"/>) with its output redirected.</summary>
        public static ProcessStartInfo CliStart(string? workingDirectory, IEnumerable<string> arguments)
        {
            var (fileName, all) = Cli(arguments.ToArray());
            var start = new ProcessStartInfo(fileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            if (workingDirectory != null)
            {
                start.WorkingDirectory = workingDirectory;
            }

            foreach (string argument in all)
            {
                start.ArgumentList.Add(argument);
            }

            return start;
        }

        /// <summary>Runs the streamfiles CLI (see <see cref="Cli"/>) to completion.</summary>
        public static Outcome Streamfiles(string workingDirectory, params string[] arguments)
        {
            var (fileName, all) = Cli(arguments);
            return Run(fileName, all, workingDirectory);
        }
    }
}
