using System;
using System.Diagnostics;
using System.IO;
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

        /// <summary>The streamfiles CLI built beside the tests, run through the dotnet host.</summary>
        public static Outcome Streamfiles(string workingDirectory, params string[] arguments)
        {
            string cli = Path.Combine(AppContext.BaseDirectory, "streamfiles.dll");
            var all = new string[arguments.Length + 1];
            all[0] = cli;
            Array.Copy(arguments, 0, all, 1, arguments.Length);
            return Run("dotnet", all, workingDirectory);
        }
    }
}
