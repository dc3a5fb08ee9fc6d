using System;
using System.IO;
using StreamFiles.Core.Files;
using StreamFiles.Core.Tests.Support;

namespace StreamFiles.Core.Tests.Faults
{
    /// <summary>
    /// Outputs under /dev, /proc and /sys, or links into them, are refused: writing "&lt;name&gt;.partial" and renaming it
    /// over /dev/null would replace the device node itself (as root, for every program on the machine). The CLI's base64
    /// writes into a device or pipe named as its output instead, as a stream, which replaces nothing.
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

            var run = FaultCli.Run(_temp.Path, null, "send", "--force", "in.txt", "null-link");
            Assert.Equal(1, run.ExitCode);
            Assert.StartsWith("streamfiles: [WriteError] ", run.Error, StringComparison.Ordinal);
            Assert.Contains("device or system file", run.Error, StringComparison.Ordinal);
            Assert.Equal("/dev/null", new FileInfo(link).LinkTarget); // still the link
            Assert.False(File.Exists(link + ".partial"));

            // Without --force too it is this WriteError, not DestinationExists advising the --force that then fails (a probe).
            foreach (string named in new[] { "null-link", "/dev/null" })
            {
                var plain = FaultCli.Run(_temp.Path, null, "send", "in.txt", named);
                Assert.Equal(1, plain.ExitCode);
                Assert.StartsWith("streamfiles: [WriteError] ", plain.Error, StringComparison.Ordinal);
                Assert.DoesNotContain("--force", plain.Error, StringComparison.Ordinal);
            }

            // base64 writes into a device or a pipe named as its OUTPUT, as coreutils would through a redirection: the
            // link and the device stay what they were.
            var written = FaultCli.Run(_temp.Path, null, "base64", "in.txt", "null-link");
            Assert.Equal(0, written.ExitCode);
            Assert.Equal("/dev/null", new FileInfo(link).LinkTarget);
            Assert.False(File.Exists(link + ".partial"));
            Assert.Equal("c", ProcessRunner.Shell("stat -c %A /dev/null").Substring(0, 1));

            // /dev/stdout as OUTPUT is standard output, as "-" is.
            var stdout = FaultCli.Run(_temp.Path, null, "base64", "in.txt", "/dev/stdout");
            Assert.Equal(0, stdout.ExitCode);
            Assert.Equal(Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("hello\n")), stdout.Output.Trim());
        }
    }
}
