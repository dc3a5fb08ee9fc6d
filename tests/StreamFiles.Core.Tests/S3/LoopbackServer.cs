using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// What the test proxies share: a listener on 127.0.0.1 with a port of its own, an accept loop that hands every
    /// connection to ServeAsync, and a stop that ends both. Subclasses call Start once they are ready to serve.
    /// </summary>
    internal abstract class LoopbackServer : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        protected CancellationToken Stopping => _stop.Token;

        protected string Address(string scheme) =>
            scheme + "://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

        protected void Start()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        protected abstract Task ServeAsync(TcpClient client);

        public virtual void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception)
                {
                    return;
                }

                _ = ServeAsync(client);
            }
        }
    }
}
