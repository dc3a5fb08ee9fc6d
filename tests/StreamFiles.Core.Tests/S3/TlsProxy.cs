using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// An https:// endpoint for the S3 test server: a loopback TLS listener with a self-signed certificate (made here,
    /// for 127.0.0.1 and localhost) that forwards the decrypted bytes to the plain-HTTP server and its answers back.
    /// It notes each request's method, target and headers as they pass (bodies are skipped by their
    /// Content-Length), so a test can see what the client put on the wire inside TLS.
    /// </summary>
    internal sealed class TlsProxy : LoopbackServer
    {
        private readonly Uri _upstream;
        private readonly ConcurrentQueue<ProxiedRequest> _requests = new ConcurrentQueue<ProxiedRequest>();

        public TlsProxy(Uri upstream)
        {
            _upstream = upstream;
            Certificate = CreateCertificate();
            Start();
        }

        /// <summary>The server certificate (public part and key); trust it, or not, in the client under test.</summary>
        public X509Certificate2 Certificate { get; }

        public string Endpoint => Address("https");

        /// <summary>The requests that came through TLS, in arrival order per connection.</summary>
        public IReadOnlyList<ProxiedRequest> Requests => _requests.ToArray();

        public override void Dispose()
        {
            base.Dispose();
            Certificate.Dispose();
        }

        protected override async Task ServeAsync(TcpClient client)
        {
            using (client)
            using (var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false))
            using (var server = new TcpClient())
            {
                try
                {
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = Certificate }, Stopping);
                }
                catch (Exception)
                {
                    return; // a client that refused the certificate
                }

                try
                {
                    await server.ConnectAsync(_upstream.Host, _upstream.Port, Stopping);
                    NetworkStream upstream = server.GetStream();
                    Task up = PumpRequestsAsync(tls, upstream);
                    Task down = CopyAsync(upstream, tls);
                    await Task.WhenAny(up, down);
                }
                catch (Exception)
                {
                    // A closed connection on either side ends this one; the client sees what it sees.
                }
            }
        }

        private async Task CopyAsync(System.IO.Stream from, System.IO.Stream to)
        {
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await from.ReadAsync(buffer, Stopping)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), Stopping);
                await to.FlushAsync(Stopping);
            }
        }

        /// <summary>Forwards requests unchanged, parsing each head and skipping its body by Content-Length.</summary>
        private async Task PumpRequestsAsync(System.IO.Stream from, System.IO.Stream to)
        {
            var buffer = new byte[64 * 1024];
            var head = new StringBuilder();
            long bodyLeft = 0;
            int read;
            while ((read = await from.ReadAsync(buffer, Stopping)) > 0)
            {
                int i = 0;
                while (i < read)
                {
                    if (bodyLeft > 0)
                    {
                        int take = (int)Math.Min(bodyLeft, read - i);
                        bodyLeft -= take;
                        i += take;
                        continue;
                    }

                    head.Append((char)buffer[i++]);
                    if (head.Length >= 4 && head[head.Length - 1] == '\n' && head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
                    {
                        ProxiedRequest request = ProxiedRequest.Parse(head.ToString());
                        head.Clear();
                        _requests.Enqueue(request);
                        string? length = request.Header("Content-Length");
                        bodyLeft = length is null ? 0 : long.Parse(length, CultureInfo.InvariantCulture);
                    }
                }

                await to.WriteAsync(buffer.AsMemory(0, read), Stopping);
            }
        }

        private static X509Certificate2 CreateCertificate()
        {
            using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=streamfiles-s3-test", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            using X509Certificate2 created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
            return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
        }
    }

    /// <summary>One request head as it went through the proxy.</summary>
    internal sealed class ProxiedRequest
    {
        private readonly Dictionary<string, string> _headers;

        private ProxiedRequest(string method, string target, Dictionary<string, string> headers)
        {
            Method = method;
            Target = target;
            _headers = headers;
        }

        public string Method { get; }

        /// <summary>The path and query ("/bucket/key?partNumber=2&amp;uploadId=…").</summary>
        public string Target { get; }

        public string? Header(string name) => _headers.TryGetValue(name, out string? value) ? value : null;

        public static ProxiedRequest Parse(string head)
        {
            string[] lines = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            string[] first = lines[0].Split(' ');
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 1; i < lines.Length; i++)
            {
                int colon = lines[i].IndexOf(':');
                if (colon > 0)
                {
                    headers[lines[i].Substring(0, colon).Trim()] = lines[i].Substring(colon + 1).Trim();
                }
            }

            return new ProxiedRequest(first[0], first.Length > 1 ? first[1] : string.Empty, headers);
        }
    }
}
