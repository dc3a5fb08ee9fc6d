using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace StreamFiles.Core.Tests.Text
{
    /// <summary>Runs a coreutils tool (base64, basenc) at test time: the reference the output must equal byte for byte.</summary>
    internal static class Coreutils
    {
        public static byte[] Run(string tool, string arguments, byte[] input)
        {
            var start = new ProcessStartInfo(tool, arguments)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };

            Process process;
            try
            {
                process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{tool}'.");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException($"These tests compare with coreutils '{tool}', which is not on PATH (apt-get install coreutils).", e);
            }

            using (process)
            {
                using var output = new MemoryStream();
                Task copy = process.StandardOutput.BaseStream.CopyToAsync(output);
                Task<string> errors = process.StandardError.ReadToEndAsync();
                process.StandardInput.BaseStream.Write(input, 0, input.Length);
                process.StandardInput.Close();
                copy.GetAwaiter().GetResult();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"'{tool} {arguments}' exited with {process.ExitCode}: {errors.GetAwaiter().GetResult()}");
                }

                return output.ToArray();
            }
        }
    }
}
