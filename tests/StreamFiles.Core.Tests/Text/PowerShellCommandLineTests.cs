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
    }
}
