using System;
using System.IO;
using StreamFiles.Core.Files;
using StreamFiles.Core.Tests.Support;

namespace StreamFiles.Core.Tests.Faults
{
    /// <summary>
    /// Outputs under /dev, /proc and /sys, or links into them, are refused: writing "&lt;name&gt;.partial" and renaming it
    /// over /dev/null would replace the device node itself (as root, for every program on the machine).
    /// </summary>
    public sealed class SystemPathTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void DevicesProcAndLinksToThemAreRefusedAndOrdinaryPathsAreNot()
        {
            if (OperatingSystem.IsWindows())
            {
                return; // no /dev there
            }

            Assert.Contains("device or system file", SystemPath.Refusal("/dev/null"));
            Assert.NotNull(SystemPath.Refusal("/proc/self/fd/1"));
            Assert.NotNull(SystemPath.Refusal("/sys/kernel/x"));
            Assert.Null(SystemPath.Refusal("/dev/shm/ordinary.bin"));
            Assert.Null(SystemPath.Refusal(_temp.File("ordinary.bin")));

            string link = _temp.File("null-link");
            File.CreateSymbolicLink(link, "/dev/null");
            Assert.NotNull(SystemPath.Refusal(link));
        }

        [Fact]
        public void TheCliWritesNeitherThroughNorOverALinkToDevNull()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            File.WriteAllText(_temp.File("in.txt"), "hello\n");
            string link = _temp.File("null-link");
            File.CreateSymbolicLink(link, "/dev/null");

            foreach (string[] arguments in new[] { new[] { "base64", "in.txt", "null-link" }, new[] { "send", "--force", "in.txt", "null-link" } })
            {
                var run = FaultCli.Run(_temp.Path, null, arguments);
                Assert.Equal(1, run.ExitCode);
                Assert.StartsWith("streamfiles: [WriteError] ", run.Error, StringComparison.Ordinal);
                Assert.Contains("device or system file", run.Error, StringComparison.Ordinal);
                Assert.Equal("/dev/null", new FileInfo(link).LinkTarget); // still the link
                Assert.False(File.Exists(link + ".partial"));
            }

            // /dev/stdout as OUTPUT is standard output, as "-" is.
            var stdout = FaultCli.Run(_temp.Path, null, "base64", "in.txt", "/dev/stdout");
            Assert.Equal(0, stdout.ExitCode);
            Assert.Equal(Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("hello\n")), stdout.Output.Trim());
        }
    }
}
