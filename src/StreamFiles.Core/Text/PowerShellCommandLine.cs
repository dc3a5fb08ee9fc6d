using System;
using System.Collections.Generic;

namespace StreamFiles.Core.Text
{
    /// <summary>
    /// What a PowerShell process was started with, read from its command line: whether it runs without an
    /// interactive host (<c>pwsh -NonInteractive</c>, as scheduled tasks and CI runners start it), where progress
    /// records reach nobody. A pure text rule (no PowerShell types), so it lives here where xunit can test it.
    /// </summary>
    public static class PowerShellCommandLine
    {
        /// <summary>
        /// Whether the switches before the script or command (the first argument, the program, is skipped) include
        /// -NonInteractive or one of the abbreviations PowerShell accepts for it (-noni and longer), written with
        /// '-', '--' or '/'. Arguments after -File, -Command or -EncodedCommand belong to the script and are not read.
        /// </summary>
        public static bool IsNonInteractive(IReadOnlyList<string> commandLine)
        {
            if (commandLine == null)
            {
                throw new ArgumentNullException(nameof(commandLine));
            }

            for (int i = 1; i < commandLine.Count; i++)
            {
                string? key = SwitchName(commandLine[i]);
                if (key == null || StartsScript(key))
                {
                    return false;
                }

                if (key.Length >= 4 && "noninteractive".StartsWith(key, StringComparison.Ordinal))
                {
                    return true;
                }

                if (TakesValue(key))
                {
                    // -ExecutionPolicy Bypass -NonInteractive (a scheduled task's usual line): the value is not the script.
                    i++;
                }
            }

            return false;
        }

        /// <summary>
        /// Whether a PowerShell process has nobody at it: started with -NonInteractive; or with neither standard input
        /// nor standard output on a terminal, as cron, a systemd timer or a container without -t start it (a probe: a
        /// cron-style `pwsh -File job.ps1 > log 2>&1 < /dev/null` logged no status at all); or, on Windows, outside an
        /// interactive session (a task that runs whether the user is logged on or not).
        /// </summary>
        public static bool NobodyAtIt(IReadOnlyList<string> commandLine, bool inputRedirected, bool outputRedirected, bool windowsWithoutSession) =>
            IsNonInteractive(commandLine) || (inputRedirected && outputRedirected) || windowsWithoutSession;

        // The switches of pwsh and powershell.exe that take a value, by their names and the short forms they accept.
        private static readonly string[] ValueSwitches =
        {
            "executionpolicy", "outputformat", "inputformat", "workingdirectory", "configurationname", "configurationfile",
            "custompipename", "settingsfile", "windowstyle", "psconsolefile",
        };

        private static bool TakesValue(string key)
        {
            if (key == "ep" || key == "ex" || key == "o" || key == "of" || key == "if" || key == "wd" || key == "w" || key == "config")
            {
                return true;
            }

            foreach (string name in ValueSwitches)
            {
                if (key.Length >= 3 && name.StartsWith(key, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The switch's name in lower case without its '-', '--' or '/'; null for an argument that is no switch.</summary>
        private static string? SwitchName(string argument)
        {
            if (string.IsNullOrEmpty(argument))
            {
                return null;
            }

            string name = argument.StartsWith("--", StringComparison.Ordinal) ? argument.Substring(2)
                : argument[0] == '-' || argument[0] == '/' || argument[0] == '\u2013' || argument[0] == '\u2014' ? argument.Substring(1)
                : string.Empty;
            return name.Length == 0 ? null : name.ToLowerInvariant();
        }

        // -File/-f, -Command/-c, -EncodedCommand/-e/-ec and -CommandWithArgs/-cwa: what follows is the script's.
        private static bool StartsScript(string key) =>
            key == "f" || key == "c" || key == "e" || key == "ec" || key == "cwa"
            || (key.Length >= 2 && ("file".StartsWith(key, StringComparison.Ordinal)
                || "command".StartsWith(key, StringComparison.Ordinal)
                || "commandwithargs".StartsWith(key, StringComparison.Ordinal)
                || "encodedcommand".StartsWith(key, StringComparison.Ordinal)));
    }
}
