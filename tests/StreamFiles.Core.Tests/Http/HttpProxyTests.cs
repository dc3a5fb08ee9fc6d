using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using StreamFiles.Core.Tests.Support;

namespace StreamFiles.Core.Tests.Http
{
    /// <summary>
    /// The system proxy is honoured: on Linux that is HTTP_PROXY/HTTPS_PROXY/NO_PROXY, read once per process,
    /// so the download runs in a child process (the streamfiles CLI) whose proxy is the test's Kestrel.
    /// </summary>
    public sealed class HttpProxyTests : IAsyncLifetime
    {
        private readonly TempDirectory _temp = new TempDirectory();
        private HttpTestServer _proxy = null!;

        public async Task InitializeAsync() => _proxy = await HttpTestServer.StartAsync();

        public async Task DisposeAsync()
        {
            await _proxy.DisposeAsync();
            _temp.Dispose();
        }

        [Fact]
        public void Requests_go_through_the_proxy_from_the_environment()
        {
            byte[] content = HttpTestServer.RandomBytes(3 * 1024 * 1024);
            _proxy.Add("/via-proxy.bin", content);
            ProcessStartInfo start = ProcessRunner.CliStart(null, new[] { "receive", "--no-progress", "http://files.example.invalid/via-proxy.bin", _temp.File("via-proxy.bin") });

            start.Environment["HTTP_PROXY"] = _proxy.BaseUri.ToString();
            start.Environment["http_proxy"] = _proxy.BaseUri.ToString();
            start.Environment.Remove("NO_PROXY");
            start.Environment.Remove("no_proxy");
            using Process child = Process.Start(start)!;
            string output = child.StandardOutput.ReadToEnd();
            string error = child.StandardError.ReadToEnd();
            Assert.True(child.WaitForExit(60_000));

            Assert.True(child.ExitCode == 0, output + error);
            Assert.Equal(content, File.ReadAllBytes(_temp.File("via-proxy.bin")));
            Assert.All(_proxy.RequestsTo("/via-proxy.bin"), r => Assert.Equal("files.example.invalid", r.Header("Host")));
            Assert.True(_proxy.RequestsTo("/via-proxy.bin").Count >= 2);
        }
    }
}
