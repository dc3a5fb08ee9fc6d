using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Runtime.Versioning;
using System.Threading;
using StreamFiles.Core.Text;

namespace StreamFiles.Core.Tests.Text
{
    /// <summary>
    /// Windows PowerShell 5.1 loads the netstandard2.0 build of the engine, whose base64 runs on the
    /// System.Memory package instead of the runtime's own span code and has no vectorised alphabet paths.
    /// This loads that build into a load context of its own and checks it against the net8.0 build.
    /// </summary>
    public sealed class NetStandardBuildTests
    {
        [Fact]
        public void The_netstandard20_build_converts_exactly_like_the_net8_build()
        {
            var context = new AssemblyLoadContext("netstandard2.0 engine", isCollectible: true);
            try
            {
                Assembly core = context.LoadFromAssemblyPath(NetStandardCorePath());
                Assert.Equal(".NETStandard,Version=v2.0", core.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName);
                Type formatType = core.GetType("StreamFiles.Core.Text.Base64Format", throwOnError: true)!;
                Type streaming = core.GetType("StreamFiles.Core.Text.StreamingBase64", throwOnError: true)!;
                MethodInfo encode = streaming.GetMethod("Encode")!;
                MethodInfo decode = streaming.GetMethod("Decode")!;

                byte[] data = Enumerable.Repeat(new byte[] { 0xFB, 0xFF, 0xBF }, 50).SelectMany(b => b).Concat(TestData.Bytes(10_001)).ToArray();
                foreach ((int width, bool urlSafe) in new[] { (0, false), (76, false), (5, false), (0, true), (64, true) })
                {
                    object format = Activator.CreateInstance(formatType, width, urlSafe)!;
                    var expected = new MemoryStream();
                    StreamingBase64.Encode(new MemoryStream(data), expected, new Base64Format(width, urlSafe), bufferSize: 3 * 1000);

                    var encoded = new MemoryStream();
                    encode.Invoke(null, new object?[] { new MemoryStream(data), encoded, format, null, CancellationToken.None, 3 * 1000 });
                    Assert.Equal(expected.ToArray(), encoded.ToArray());

                    // Decoding in pieces of 1000 bytes, through the whitespace of the wrapped text.
                    var decoded = new MemoryStream();
                    decode.Invoke(null, new object?[] { new MemoryStream(encoded.ToArray()), decoded, format, null, CancellationToken.None, 1000 });
                    Assert.Equal(data, decoded.ToArray());
                }

                byte[] bad = TestData.Ascii("QUJD\nQUJD QU*D");
                object standard = Activator.CreateInstance(formatType, 0, false)!;
                var failure = Assert.Throws<TargetInvocationException>(() => decode.Invoke(null, new object?[] { new MemoryStream(bad), Stream.Null, standard, null, CancellationToken.None, 16 }));
                Assert.Equal("StreamFiles.Core.Text.Base64DataException", failure.InnerException!.GetType().FullName);
                Assert.Equal(12L, failure.InnerException.GetType().GetProperty("Offset")!.GetValue(failure.InnerException));
            }
            finally
            {
                context.Unload();
            }
        }

        /// <summary>The netstandard2.0 engine of the same configuration as these tests, built first if need be.</summary>
        private static string NetStandardCorePath()
        {
            // bin/<Configuration>/net10.0/ of the test project.
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string configuration = output.Parent!.Name;
            DirectoryInfo? root = output;
            while (root != null && !File.Exists(Path.Combine(root.FullName, "StreamFiles.sln")))
            {
                root = root.Parent;
            }

            Assert.NotNull(root);
            string project = Path.Combine(root!.FullName, "src", "StreamFiles.Core", "StreamFiles.Core.csproj");
            string bin = Path.Combine(root.FullName, "src", "StreamFiles.Core", "bin", configuration);
            string dll = Path.Combine(bin, "netstandard2.0", "StreamFiles.Core.dll");
            string net8 = Path.Combine(bin, "net8.0", "StreamFiles.Core.dll");
            if (!File.Exists(dll) || File.GetLastWriteTimeUtc(dll) < File.GetLastWriteTimeUtc(net8))
            {
                // Building the solution makes it; building only the tests makes just the net8.0 engine.
                var build = Process.Start(new ProcessStartInfo("dotnet", $"build \"{project}\" -f netstandard2.0 -c {configuration} -nologo -v quiet") { UseShellExecute = false })!;
                build.WaitForExit();
                Assert.Equal(0, build.ExitCode);
            }

            return dll;
        }
    }
}
