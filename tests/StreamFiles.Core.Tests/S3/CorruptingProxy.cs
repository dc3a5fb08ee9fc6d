using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// A loopback HTTP/1.1 proxy in front of the S3 server that flips one byte in the middle of every GET response
    /// body: bytes damaged between the store and the client, which only an end-to-end check can catch. It follows
    /// keep-alive connections by reading each response's Content-Length; requests pass through untouched.
    /// </summary>
    internal sealed class CorruptingProxy : LoopbackServer
    {
        private readonly Uri _upstream;
        private int _corrupted;

        public CorruptingProxy(Uri upstream)
        {
            _upstream = upstream;
            Start();
        }

        public string Endpoint => Address("http");

        /// <summary>How many response bodies were damaged.</summary>
        public int Corrupted => Volatile.Read(ref _corrupted);

        protected override async Task ServeAsync(TcpClient client)
        {
            using (client)
            using (var server = new TcpClient())
            {
                try
                {
                    await server.ConnectAsync(_upstream.Host, _upstream.Port, Stopping);
                    var methods = new ConcurrentQueue<string>();
                    Task up = PumpRequestsAsync(client.GetStream(), server.GetStream(), methods);
                    Task down = PumpResponsesAsync(server.GetStream(), client.GetStream(), methods);
                    await Task.WhenAny(up, down);
                }
                catch (Exception)
                {
                    // A closed connection on either side ends this one; the client sees what it sees.
                }
            }
        }

        /// <summary>Copies requests and notes each one's method (requests with bodies are copied through as they are).</summary>
        private async Task PumpRequestsAsync(NetworkStream from, NetworkStream to, ConcurrentQueue<string> methods)
        {
            var buffer = new byte[64 * 1024];
            var pending = new StringBuilder();
            int read;
            while ((read = await from.ReadAsync(buffer, Stopping)) > 0)
            {
                pending.Append(Encoding.Latin1.GetString(buffer, 0, read));
                string text = pending.ToString();
                int end;
                while ((end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    methods.Enqueue(text.Substring(0, text.IndexOf(' ')));
                    text = text.Substring(end + 4);
                }

                pending.Clear().Append(text.Length > 8192 ? string.Empty : text);
                await to.WriteAsync(buffer.AsMemory(0, read), Stopping);
            }
        }

        private async Task PumpResponsesAsync(NetworkStream from, NetworkStream to, ConcurrentQueue<string> methods)
        {
            var buffer = new byte[64 * 1024];
            var header = new StringBuilder();
            long bodyLeft = 0;
            long flipAt = -1;
            bool passThrough = false;
            int read;
            while ((read = await from.ReadAsync(buffer, Stopping)) > 0)
            {
                int i = 0;
                while (i < read && !passThrough)
                {
                    if (bodyLeft > 0)
                    {
                        int take = (int)Math.Min(bodyLeft, read - i);
                        if (flipAt >= 0 && flipAt < take)
                        {
                            buffer[i + flipAt] ^= 0xFF;
                            Interlocked.Increment(ref _corrupted);
                            flipAt = -1;
                        }
                        else if (flipAt >= 0)
                        {
                            flipAt -= take;
                        }

                        bodyLeft -= take;
                        i += take;
                        continue;
                    }

                    header.Append((char)buffer[i++]);
                    if (header.Length >= 4 && header[header.Length - 1] == '\n' && header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
                    {
                        string text = header.ToString();
                        header.Clear();
                        methods.TryDequeue(out string? method);
                        if (text.StartsWith("HTTP/1.1 100", StringComparison.Ordinal))
                        {
                            continue;
                        }

                        if (text.IndexOf("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase) >= 0)
                        {
                            passThrough = true; // cannot follow this connection any further; leave it alone
                            break;
                        }

                        long length = ContentLength(text);
                        bodyLeft = method == "HEAD" ? 0 : length;
                        bool ok = text.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) || text.StartsWith("HTTP/1.1 206", StringComparison.Ordinal);
                        flipAt = method == "GET" && ok && length > 1 && text.IndexOf("application/xml", StringComparison.OrdinalIgnoreCase) < 0 ? length / 2 : -1;
                    }
                }

                await to.WriteAsync(buffer.AsMemory(0, read), Stopping);
            }
        }

        private static long ContentLength(string headers)
        {
            foreach (string line in headers.Split("\r\n"))
            {
                if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))
                {
                    return long.Parse(line.Substring(15).Trim(), CultureInfo.InvariantCulture);
                }
            }

            return 0;
        }
    }
}
