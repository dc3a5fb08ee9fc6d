using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace StreamFiles.Core.Tests.Faults
{
    /// <summary>What the proxy does to one request and its response.</summary>
    public enum FaultKind
    {
        /// <summary>Forwarded untouched.</summary>
        None,

        /// <summary>The request head and some of its body reach the server, then both connections are reset (RST).</summary>
        ResetRequest,

        /// <summary>The request is forwarded; the client gets part of the response, then a reset.</summary>
        ResetResponse,

        /// <summary>The client gets the response head and part of the body, then a clean close (FIN): a short body.</summary>
        TruncateResponse,

        /// <summary>The proxy answers 500 InternalError itself; the server never sees the request.</summary>
        ServerError,

        /// <summary>The proxy answers 503 with S3's SlowDown body and Retry-After: 1, in bursts.</summary>
        SlowDown,

        /// <summary>The response head is held back for a while, then everything flows.</summary>
        Latency,

        /// <summary>Part of the response body flows, then nothing for longer than the client's stall timeout, then a reset.</summary>
        Stall,

        /// <summary>
        /// The response head announces half its Content-Length (its Content-Range unchanged), that many body bytes flow,
        /// then a clean close: a response that is whole by its own framing but short of the range it answers.
        /// </summary>
        ShortLength,

        /// <summary>
        /// The response's framing and length are kept, but every '&lt;' of its body becomes '{': an XML answer that
        /// arrives whole and cannot be read (a success the client cannot tell from a failure).
        /// </summary>
        GarbledResponse,

        /// <summary>The proxy answers 501 with S3's NotImplemented body, as a store does for a header it does not support.</summary>
        NotImplemented,
    }

    /// <summary>One request as the proxy saw it (for counting part uploads and fetched ranges).</summary>
    public sealed record ProxiedRequest(string Method, string Target, FaultKind Fault, long? ContentLength, string? Range, string? IfNoneMatch = null)
    {
        /// <summary>The value of a query parameter of the target (partNumber, uploadId), or null.</summary>
        public string? Query(string name)
        {
            int q = Target.IndexOf('?');
            if (q < 0)
            {
                return null;
            }

            foreach (string pair in Target.Substring(q + 1).Split('&'))
            {
                int eq = pair.IndexOf('=');
                string key = eq < 0 ? pair : pair.Substring(0, eq);
                if (string.Equals(key, name, StringComparison.Ordinal))
                {
                    return eq < 0 ? string.Empty : Uri.UnescapeDataString(pair.Substring(eq + 1));
                }
            }

            return null;
        }
    }

    /// <summary>
    /// A loopback HTTP/1.1 proxy for fault tests: listens on 127.0.0.1:0, forwards every connection to one upstream
    /// server, and applies a fault to some requests — chosen by a seeded random generator (Probability of the
    /// configured Kind), or by a script for exact scenarios. It follows keep-alive connections by parsing request and
    /// response framing (Content-Length, chunked, 100-continue), which is all the HTTP it needs to answer a request
    /// itself instead of forwarding it. Faults are counted by kind; Describe() names the seed so a run can be replayed.
    /// </summary>
    public sealed class FaultProxy : IDisposable
    {
        private const string SlowDownBody =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>";

        private const string NotImplementedBody =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented.</Message><RequestId>fault-proxy</RequestId></Error>";

        private const string InternalErrorBody =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>fault-proxy</RequestId></Error>";

        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly IPEndPoint _upstream;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Random _random;
        private readonly object _gate = new object();
        private readonly int[] _injected = new int[Enum.GetValues(typeof(FaultKind)).Length];
        private readonly ConcurrentQueue<ProxiedRequest> _requests = new ConcurrentQueue<ProxiedRequest>();
        private readonly ConcurrentDictionary<Socket, byte> _open = new ConcurrentDictionary<Socket, byte>();
        private int _burstLeft;
        private long _responseBodyBytes;
        private long _requestBodyBytes;

        public FaultProxy(Uri upstream, FaultKind kind = FaultKind.None, double probability = 0, int seed = 0)
        {
            _upstream = new IPEndPoint(IPAddress.Parse(upstream.Host == "localhost" ? "127.0.0.1" : upstream.Host), upstream.Port);
            Kind = kind;
            Probability = probability;
            Seed = seed;
            _random = new Random(seed);
            _listener.Start(512);
            _ = AcceptAsync();
        }

        public FaultKind Kind { get; set; }

        /// <summary>The chance that one request gets the fault (a SlowDown starts a burst of 1 to 4 requests).</summary>
        public double Probability { get; set; }

        public int Seed { get; }

        /// <summary>Overrides the random choice: returns the fault for a request, or null to let the dice decide.</summary>
        public Func<ProxiedRequest, FaultKind?>? Script { get; set; }

        /// <summary>How long Latency holds a response head back.</summary>
        public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(300);

        /// <summary>How long a Stall keeps the connection silent before resetting it.</summary>
        public TimeSpan StallFor { get; set; } = TimeSpan.FromSeconds(4);

        /// <summary>At most this many faults are injected (then everything is forwarded), so every run can finish.</summary>
        public int MaxFaults { get; set; } = int.MaxValue;

        public string Endpoint => "http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

        public Uri Rewrite(Uri upstreamUrl) => new UriBuilder(upstreamUrl) { Port = ((IPEndPoint)_listener.LocalEndpoint).Port }.Uri;

        public IReadOnlyList<ProxiedRequest> Requests => _requests.ToArray();

        /// <summary>Response body bytes the client was sent (what a download fetched through the proxy).</summary>
        public long ResponseBodyBytes => Interlocked.Read(ref _responseBodyBytes);

        /// <summary>Request body bytes forwarded to the server (what an upload sent through the proxy).</summary>
        public long RequestBodyBytes => Interlocked.Read(ref _requestBodyBytes);

        public int Injected(FaultKind kind) => Volatile.Read(ref _injected[(int)kind]);

        public int TotalInjected => Enumerable.Range(1, _injected.Length - 1).Sum(i => Volatile.Read(ref _injected[i]));

        public string Describe() =>
            $"FaultProxy seed={Seed} kind={Kind} p={Probability.ToString(CultureInfo.InvariantCulture)}: "
            + string.Join(", ", Enumerable.Range(1, _injected.Length - 1).Where(i => _injected[i] > 0).Select(i => $"{(FaultKind)i}={_injected[i]}"))
            + $", {_requests.Count} requests";

        /// <summary>
        /// Waits until no connection is open, so that what a killed client's connections still carried has been
        /// counted before the next run's bytes are; false when some is still open after the timeout.
        /// </summary>
        public bool WaitUntilIdle(TimeSpan timeout)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!_open.IsEmpty)
            {
                if (clock.Elapsed > timeout)
                {
                    return false;
                }

                Thread.Sleep(10);
            }

            return true;
        }

        /// <summary>Resets every open connection (what a crashed server or a cut cable looks like to the client).</summary>
        public void ResetAll()
        {
            foreach (Socket socket in _open.Keys)
            {
                Reset(socket);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            ResetAll();
        }

        private FaultKind Decide(ProxiedRequest head)
        {
            lock (_gate)
            {
                if (TotalInjected >= MaxFaults)
                {
                    return FaultKind.None;
                }

                FaultKind? scripted = Script?.Invoke(head);
                if (scripted.HasValue)
                {
                    return scripted.Value;
                }

                if (_burstLeft > 0)
                {
                    _burstLeft--;
                    return FaultKind.SlowDown;
                }

                if (Kind == FaultKind.None || _random.NextDouble() >= Probability)
                {
                    return FaultKind.None;
                }

                if (Kind == FaultKind.SlowDown)
                {
                    _burstLeft = _random.Next(0, 4);
                }

                return Kind;
            }
        }

        /// <summary>Where in a message of total bytes (null: unknown) a fault strikes: anywhere in it, the first 256 KiB when unknown.</summary>
        private long CutPoint(long? total)
        {
            lock (_gate)
            {
                return total is long known ? (known <= 0 ? 0 : _random.NextInt64(0, known)) : _random.Next(0, 256 * 1024);
            }
        }

        private void Count(FaultKind kind)
        {
            if (kind != FaultKind.None)
            {
                Interlocked.Increment(ref _injected[(int)kind]);
            }
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    return;
                }

                _ = Task.Run(() => ServeAsync(client));
            }
        }

        private async Task ServeAsync(Socket client)
        {
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _open[client] = 0;
            _open[server] = 0;
            client.NoDelay = true;
            server.NoDelay = true;
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            try
            {
                await server.ConnectAsync(_upstream, connection.Token).ConfigureAwait(false);
                var pending = Channel.CreateUnbounded<(ProxiedRequest Request, FaultKind Fault)>();
                var clientWire = new Wire(new NetworkStream(client, ownsSocket: false));
                var serverWire = new Wire(new NetworkStream(server, ownsSocket: false));
                Task up = PumpRequestsAsync(clientWire, serverWire, client, server, pending.Writer, connection.Token);
                Task down = PumpResponsesAsync(serverWire, clientWire, client, server, pending.Reader, connection.Token);
                await Task.WhenAny(up, down).ConfigureAwait(false);
                if (up.IsCompletedSuccessfully && !down.IsCompleted)
                {
                    // The client closed its side cleanly: let the last response finish, then close.
                    await Task.WhenAny(down, Task.Delay(TimeSpan.FromSeconds(30), connection.Token)).ConfigureAwait(false);
                }
            }
            catch (Exception)
            {
                // A closed connection on either side ends this one; the client sees what it sees.
            }
            finally
            {
                connection.Cancel();
                _open.TryRemove(client, out _);
                _open.TryRemove(server, out _);
                Close(client);
                Close(server);
            }
        }

        private async Task PumpRequestsAsync(Wire from, Wire to, Socket client, Socket server, ChannelWriter<(ProxiedRequest, FaultKind)> pending, CancellationToken cancellationToken)
        {
            while (true)
            {
                string? head = await from.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
                if (head is null)
                {
                    Shutdown(server);
                    return;
                }

                var headers = ParseHeaders(head, out string startLine);
                string[] parts = startLine.Split(' ');
                long? length = headers.TryGetValue("content-length", out string? cl) ? long.Parse(cl, CultureInfo.InvariantCulture) : (long?)null;
                bool chunked = headers.TryGetValue("transfer-encoding", out string? te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase);
                bool expectContinue = headers.TryGetValue("expect", out string? expect) && expect.Contains("100-continue", StringComparison.OrdinalIgnoreCase);
                headers.TryGetValue("range", out string? range);
                headers.TryGetValue("if-none-match", out string? ifNoneMatch);
                var request = new ProxiedRequest(parts[0], parts.Length > 1 ? parts[1] : "/", FaultKind.None, length, range, ifNoneMatch);
                FaultKind fault = Decide(request);
                request = request with { Fault = fault };
                _requests.Enqueue(request);
                Count(fault);

                if (fault == FaultKind.ServerError || fault == FaultKind.SlowDown || fault == FaultKind.NotImplemented)
                {
                    if (!expectContinue && !chunked && length is long drain && drain > 0)
                    {
                        await from.CopyAsync(Stream.Null, drain, cancellationToken).ConfigureAwait(false);
                    }

                    string body = fault == FaultKind.SlowDown ? SlowDownBody : fault == FaultKind.NotImplemented ? NotImplementedBody : InternalErrorBody;
                    string status = fault == FaultKind.SlowDown ? "503 Slow Down" : fault == FaultKind.NotImplemented ? "501 Not Implemented" : "500 Internal Server Error";
                    string retryAfter = fault == FaultKind.SlowDown ? "Retry-After: 1\r\n" : string.Empty;
                    string response = $"HTTP/1.1 {status}\r\nContent-Type: application/xml\r\n{retryAfter}Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
                    await from.Stream.WriteAsync(Encoding.UTF8.GetBytes(response), cancellationToken).ConfigureAwait(false);
                    Shutdown(client);
                    throw new IOException("answered by the proxy; connection closed");
                }

                await pending.WriteAsync((request, fault), cancellationToken).ConfigureAwait(false);
                await to.Stream.WriteAsync(Encoding.Latin1.GetBytes(head), cancellationToken).ConfigureAwait(false);
                long cut = fault == FaultKind.ResetRequest ? CutPoint(chunked ? null : length ?? 0) : long.MaxValue;
                long sent = chunked
                    ? await from.CopyChunkedAsync(to.Stream, cut, cancellationToken).ConfigureAwait(false)
                    : await from.CopyAsync(to.Stream, Math.Min(length ?? 0, cut), cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref _requestBodyBytes, sent);
                if (fault == FaultKind.ResetRequest)
                {
                    Reset(client);
                    Reset(server);
                    throw new IOException("reset mid-request");
                }
            }
        }

        private async Task PumpResponsesAsync(Wire from, Wire to, Socket client, Socket server, ChannelReader<(ProxiedRequest, FaultKind)> pending, CancellationToken cancellationToken)
        {
            while (true)
            {
                string? head = await from.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
                if (head is null)
                {
                    Shutdown(client);
                    return;
                }

                if (head.StartsWith("HTTP/1.1 1", StringComparison.Ordinal))
                {
                    await to.Stream.WriteAsync(Encoding.Latin1.GetBytes(head), cancellationToken).ConfigureAwait(false);
                    continue; // interim (100 Continue): the final response follows for the same request
                }

                (ProxiedRequest request, FaultKind fault) = await pending.ReadAsync(cancellationToken).ConfigureAwait(false);
                var headers = ParseHeaders(head, out string statusLine);
                int status = int.Parse(statusLine.Split(' ')[1], CultureInfo.InvariantCulture);
                bool noBody = request.Method == "HEAD" || status == 204 || status == 304;
                bool chunked = !noBody && headers.TryGetValue("transfer-encoding", out string? te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase);
                long? length = noBody ? 0 : headers.TryGetValue("content-length", out string? cl) ? long.Parse(cl, CultureInfo.InvariantCulture) : (long?)null;

                if (fault == FaultKind.Latency)
                {
                    await Task.Delay(Latency, cancellationToken).ConfigureAwait(false);
                }

                if (fault == FaultKind.ShortLength && length is long full && full > 1 && !chunked)
                {
                    long half = full / 2;
                    string shortened = string.Join("\r\n", head.Split("\r\n").Select(line =>
                        line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase) ? "Content-Length: " + half.ToString(CultureInfo.InvariantCulture) : line));
                    await to.Stream.WriteAsync(Encoding.Latin1.GetBytes(shortened), cancellationToken).ConfigureAwait(false);
                    Interlocked.Add(ref _responseBodyBytes, await from.CopyAsync(to.Stream, half, cancellationToken).ConfigureAwait(false));
                    Shutdown(client);
                    throw new IOException("short length");
                }

                if (fault == FaultKind.GarbledResponse && !noBody && (chunked || length.HasValue))
                {
                    using var body = new MemoryStream();
                    long taken = chunked
                        ? await from.CopyChunkedAsync(body, long.MaxValue, cancellationToken).ConfigureAwait(false)
                        : await from.CopyAsync(body, length!.Value, cancellationToken).ConfigureAwait(false);
                    byte[] garbled = body.ToArray();
                    for (int i = 0; i < garbled.Length; i++)
                    {
                        garbled[i] = garbled[i] == (byte)'<' ? (byte)'{' : garbled[i];
                    }

                    await to.Stream.WriteAsync(Encoding.Latin1.GetBytes(head), cancellationToken).ConfigureAwait(false);
                    await to.Stream.WriteAsync(garbled, cancellationToken).ConfigureAwait(false);
                    Interlocked.Add(ref _responseBodyBytes, taken);
                    continue;
                }

                byte[] headBytes = Encoding.Latin1.GetBytes(head);
                bool cuts = fault == FaultKind.ResetResponse || fault == FaultKind.TruncateResponse || fault == FaultKind.Stall;
                long cut = cuts ? CutPoint(chunked || length is null ? (long?)null : headBytes.Length + length.Value) : long.MaxValue;
                long copied = 0;
                if (cut < headBytes.Length)
                {
                    await to.Stream.WriteAsync(headBytes.AsMemory(0, (int)cut), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await to.Stream.WriteAsync(headBytes, cancellationToken).ConfigureAwait(false);
                    long bodyCut = cut == long.MaxValue ? cut : cut - headBytes.Length;
                    copied = chunked
                        ? await from.CopyChunkedAsync(to.Stream, bodyCut, cancellationToken).ConfigureAwait(false)
                        : await from.CopyAsync(to.Stream, Math.Min(length ?? long.MaxValue, bodyCut), cancellationToken).ConfigureAwait(false);
                    Interlocked.Add(ref _responseBodyBytes, copied);
                }

                switch (fault)
                {
                    case FaultKind.ResetResponse:
                        Reset(client);
                        throw new IOException("reset mid-response");
                    case FaultKind.TruncateResponse:
                        Shutdown(client);
                        throw new IOException("truncated");
                    case FaultKind.Stall:
                        await to.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                        await Task.Delay(StallFor, cancellationToken).ConfigureAwait(false);
                        Reset(client);
                        throw new IOException("stalled");
                }

                if (length is null && !chunked)
                {
                    Shutdown(client); // the body ran to the server's close
                    return;
                }
            }
        }

        private static Dictionary<string, string> ParseHeaders(string head, out string firstLine)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string[] lines = head.Split("\r\n");
            firstLine = lines[0];
            foreach (string line in lines.Skip(1))
            {
                int colon = line.IndexOf(':');
                if (colon > 0)
                {
                    headers[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
                }
            }

            return headers;
        }

        private static void Reset(Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (Exception)
            {
                // Already closed.
            }
        }

        private static void Shutdown(Socket socket)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception)
            {
                // Already closed.
            }
        }

        private static void Close(Socket socket)
        {
            try
            {
                socket.Close();
            }
            catch (Exception)
            {
                // Already closed.
            }
        }

        /// <summary>A buffered reader of one side of a connection that can copy exact byte counts and chunked bodies.</summary>
        private sealed class Wire
        {
            private readonly byte[] _buffer = new byte[64 * 1024];
            private int _start;
            private int _end;

            public Wire(NetworkStream stream) => Stream = stream;

            public NetworkStream Stream { get; }

            private int Buffered => _end - _start;

            /// <summary>Reads up to and including the blank line; null at a clean end of stream before any byte.</summary>
            public async Task<string?> ReadHeadAsync(CancellationToken cancellationToken)
            {
                var head = new StringBuilder();
                while (true)
                {
                    if (Buffered == 0 && !await FillAsync(cancellationToken).ConfigureAwait(false))
                    {
                        if (head.Length == 0)
                        {
                            return null;
                        }

                        throw new IOException("connection closed inside a message head");
                    }

                    while (_start < _end)
                    {
                        head.Append((char)_buffer[_start++]);
                        if (head.Length >= 4 && head[head.Length - 1] == '\n' && head[head.Length - 2] == '\r' && head[head.Length - 3] == '\n' && head[head.Length - 4] == '\r')
                        {
                            return head.ToString();
                        }
                    }

                    if (head.Length > 64 * 1024)
                    {
                        throw new IOException("message head too long");
                    }
                }
            }

            /// <summary>Copies count bytes (fewer if the stream ends); returns how many were copied.</summary>
            public async Task<long> CopyAsync(Stream to, long count, CancellationToken cancellationToken)
            {
                long copied = 0;
                while (copied < count)
                {
                    if (Buffered == 0 && !await FillAsync(cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }

                    int take = (int)Math.Min(Buffered, count - copied);
                    await to.WriteAsync(_buffer.AsMemory(_start, take), cancellationToken).ConfigureAwait(false);
                    _start += take;
                    copied += take;
                }

                return copied;
            }

            /// <summary>Copies a chunked body through its last chunk and trailers, or until limit bytes of it were copied.</summary>
            public async Task<long> CopyChunkedAsync(Stream to, long limit, CancellationToken cancellationToken)
            {
                long copied = 0;
                while (copied < limit)
                {
                    string line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                    byte[] lineBytes = Encoding.Latin1.GetBytes(line);
                    await to.WriteAsync(lineBytes, cancellationToken).ConfigureAwait(false);
                    copied += lineBytes.Length;
                    string sizeText = line.Trim().Split(';')[0];
                    long size = long.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (size == 0)
                    {
                        while (true)
                        {
                            string trailer = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                            await to.WriteAsync(Encoding.Latin1.GetBytes(trailer), cancellationToken).ConfigureAwait(false);
                            if (trailer == "\r\n")
                            {
                                return copied;
                            }
                        }
                    }

                    long take = Math.Min(size + 2, limit - copied);
                    long n = await CopyAsync(to, take, cancellationToken).ConfigureAwait(false);
                    copied += n;
                    if (n < size + 2)
                    {
                        break;
                    }
                }

                return copied;
            }

            private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
            {
                var line = new StringBuilder();
                while (true)
                {
                    if (Buffered == 0 && !await FillAsync(cancellationToken).ConfigureAwait(false))
                    {
                        throw new IOException("connection closed inside a chunked body");
                    }

                    char c = (char)_buffer[_start++];
                    line.Append(c);
                    if (c == '\n')
                    {
                        return line.ToString();
                    }
                }
            }

            private async Task<bool> FillAsync(CancellationToken cancellationToken)
            {
                _start = 0;
                _end = 0;
                int read = await Stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
                _end = read;
                return read > 0;
            }
        }
    }
}
