using StreamFiles.Core.Text;
using Xunit;

namespace StreamFiles.Core.Tests.Text
{
    public class PowerShellCommandLineTests
    {
        [Theory]
        [InlineData("pwsh -NonInteractive -File backup.ps1")]
        [InlineData("pwsh -noni -c Send-StreamFile")]
        [InlineData("pwsh -NoProfile -NonI -File x.ps1")]
        [InlineData("powershell.exe /NonInteractive /File x.ps1")]
        [InlineData("pwsh --noninteractive")]
        [InlineData("pwsh -NONINTERACTIVE")]
        [InlineData("pwsh -NoProfile -ExecutionPolicy Bypass -NonInteractive -File job.ps1")] // a scheduled task's usual line
        [InlineData("powershell.exe -ep Bypass -WindowStyle Hidden -NonInteractive -File job.ps1")]
        [InlineData("pwsh -OutputFormat Text -NonInteractive -File job.ps1")]
        [InlineData("pwsh -wd /srv -noni -c Send-StreamFile")]
        public void ANonInteractiveSwitchBeforeTheScriptIsFound(string line) =>
            Assert.True(PowerShellCommandLine.IsNonInteractive(line.Split(' ')));

        [Theory]
        [InlineData("pwsh")]
        [InlineData("pwsh -NoProfile")]
        [InlineData("pwsh -non -NoLogo")]                       // shorter than PowerShell's shortest form
        [InlineData("pwsh -File x.ps1 -NonInteractive")]          // the script's own argument
        [InlineData("pwsh -c Get-Date -NonInteractive")]
        [InlineData("pwsh -Command Get-Date -NonInteractive")]
        [InlineData("pwsh x.ps1 -NonInteractive")]                // a script path ends the switches
        [InlineData("pwsh -NoExit")]
        [InlineData("pwsh -NoProfile x.ps1 -NonInteractive")]     // a script path after a switch without a value
        [InlineData("pwsh -ExecutionPolicy Bypass x.ps1 -NonInteractive")]
        public void OtherCommandLinesAreInteractive(string line) =>
            Assert.False(PowerShellCommandLine.IsNonInteractive(line.Split(' ')));

        /// <summary>
        /// Nobody is at a process started with -NonInteractive, or with neither standard input nor output on a terminal
        /// (cron, a systemd timer, a container without -t: a probe's cron-style run logged no status), or a Windows task
        /// outside a session; a user at a terminal who redirects one end only still is.
        /// </summary>
        [Theory]
        [InlineData("pwsh -File job.ps1", true, true, false, true)]             // cron: < /dev/null > log
        [InlineData("pwsh -File job.ps1", false, true, false, false)]           // at a terminal, > log
        [InlineData("pwsh -File job.ps1", true, false, false, false)]           // at a terminal, < input
        [InlineData("pwsh -NonInteractive -File job.ps1", false, false, false, true)]
        [InlineData("pwsh -File job.ps1", false, false, true, true)]            // a Windows task without a session
        [InlineData("pwsh", false, false, false, false)]
        public void NobodyIsAtAProcessWithoutTerminalOrSwitchOrSession(string line, bool inputRedirected, bool outputRedirected, bool windowsWithoutSession, bool expected) =>
            Assert.Equal(expected, PowerShellCommandLine.NobodyAtIt(line.Split(' '), inputRedirected, outputRedirected, windowsWithoutSession));
    }
}
