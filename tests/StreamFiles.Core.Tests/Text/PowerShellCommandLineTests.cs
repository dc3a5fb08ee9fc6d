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
        public void OtherCommandLinesAreInteractive(string line) =>
            Assert.False(PowerShellCommandLine.IsNonInteractive(line.Split(' ')));
    }
}
