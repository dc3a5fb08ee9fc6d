using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Resume;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Http;
using StreamFiles.Core.Storage.Local;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Tests.Http;
using StreamFiles.Core.Tests.S3;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Transfers;
using Xunit.Abstractions;

namespace StreamFiles.Core.Tests.Faults
{
    /// <summary>
    /// Every network fault class against every kind of transfer, through FaultProxy: N transfers of random sizes
    /// each, and every one must end byte-identical (SHA256 of the source against the destination, an S3 object read
    /// straight from the server, not through the proxy) or as a reported failure that left nothing half-written
    /// under the final name, its resume state when Resume was asked for (and a rerun that then completes), and no
    /// multipart upload otherwise. STREAMFILES_TEST_FULL=1 runs more and larger transfers; STREAMFILES_FAULT_SEED
    /// replays a run; STREAMFILES_FAULT_REPORT names a file the counts are appended to (docs/reliability.md).
    /// </summary>
    /// <remarks>
    /// One class per kind of transfer (below), so the four run side by side: as one class, run one test at a time, the
    /// matrix was the suite's longest stretch, over two minutes, and decided its end when it started late.
    /// </remarks>
    public abstract class NetworkFaultMatrixTests : IAsyncLifetime
    {
        private const long MiB = 1024 * 1024;
        private static readonly bool Full = Environment.GetEnvironmentVariable("STREAMFILES_TEST_FULL") == "1";
        private static readonly int BaseSeed = int.TryParse(Environment.GetEnvironmentVariable("STREAMFILES_FAULT_SEED"), out int seed) ? seed : Environment.TickCount & 0xFFFF;
        private static readonly object ReportGate = new object();

        private readonly ITestOutputHelper _output;
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _prefix = S3TestServer.NewPrefix();
        private readonly S3ClientPool _pool = new S3ClientPool();
        private HttpTestServer _http = null!;

        protected NetworkFaultMatrixTests(ITestOutputHelper output) => _output = output;

        public enum TransferKind
        {
            S3Upload,
            S3Download,
            HttpDownload,
            HttpUpload,
        }

        private static int Count => Full ? 10 : 5;

        private static long MaxSize => Full ? 40 * MiB : 16 * MiB;

        /// <summary>
        /// Every fault class of the network, for each kind of transfer's theory. Not GarbledResponse: it changes the
        /// bytes of a body delivered whole, which only an end-to-end digest can catch, and an HTTP server may offer
        /// none (S3ResponseFaultTests uses it on the answers of S3, and S3TransferTests' CorruptingProxy damages bodies).
        /// Not NotImplemented either: a store's lasting answer to a header, not a fault of the network (S3NewKeyTests).
        /// </summary>
        public static IEnumerable<object[]> Faults() =>
            from FaultKind kind in Enum.GetValues(typeof(FaultKind))
            where kind != FaultKind.None && kind != FaultKind.GarbledResponse && kind != FaultKind.NotImplemented
            select new object[] { kind };

        public async Task InitializeAsync() => _http = await HttpTestServer.StartAsync();

        public async Task DisposeAsync()
        {
            await _http.DisposeAsync();
            _pool.Dispose();
            _temp.Dispose();
            S3TestServer.DeletePrefix(_prefix);
        }

        /// <summary>The kind of transfer this class runs the fault classes against.</summary>
        protected abstract TransferKind Transfer { get; }

        [S3Theory]
        [MemberData(nameof(Faults), MemberType = typeof(NetworkFaultMatrixTests))]
        public Task EveryTransferEndsIdenticalOrReportedWithNothingLost(FaultKind kind) => RunAsync(kind, Transfer);

        private async Task RunAsync(FaultKind kind, TransferKind transfer)
        {
            int seed = BaseSeed * 100 + ((int)kind * 10) + (int)transfer;
            var random = new Random(seed);
            using var proxy = new FaultProxy(transfer is TransferKind.HttpDownload ? _http.BaseUri : new Uri(S3TestServer.Endpoint!), kind, Probability(kind), seed)
            {
                // For HTTP, longer than its stall timeout (1.5 s), so that fires first. The S3 client (a 60 s stall
                // timeout) sees the reset, which may as well come after 1 s: each stall costs this much wall time, and
                // this matrix is the longest class of the suite.
                StallFor = transfer is TransferKind.HttpDownload or TransferKind.HttpUpload ? TimeSpan.FromSeconds(2.5) : TimeSpan.FromSeconds(1),
            };
            var tally = new Tally();
            var problems = new List<string>();
            for (int i = 0; i < Count; i++)
            {
                long size = RandomSize(random);
                bool resume = transfer != TransferKind.HttpUpload && random.Next(2) == 0;
                string name = $"f{i}-{size}.bin";
                int before = proxy.TotalInjected;
                int requestsBefore = proxy.Requests.Count;
                tally.LastError = null;
                string? problem = transfer switch
                {
                    TransferKind.S3Upload => await S3UploadAsync(proxy, name, size, resume, seed + i, tally),
                    TransferKind.S3Download => await S3DownloadAsync(proxy, name, size, resume, seed + i, tally),
                    TransferKind.HttpDownload => await HttpDownloadAsync(proxy, name, size, resume, seed + i, tally),
                    _ => await HttpUploadAsync(proxy, name, size, seed + i, tally),
                };
                tally.Tried++;
                _output.WriteLine($"{name} resume={resume} faults={proxy.TotalInjected - before}: {problem ?? "ok"}{(tally.LastError is null ? string.Empty : " (reported: " + tally.LastError + ")")}");
                if (problem != null)
                {
                    tally.Lost++;
                    problems.Add($"{name}: {problem}");
                    foreach (ProxiedRequest request in proxy.Requests.Skip(requestsBefore))
                    {
                        _output.WriteLine($"   {request.Method} {request.Target} fault={request.Fault}");
                    }
                }
            }

            tally.Faults = proxy.TotalInjected;
            string line = string.Join("\t", kind, transfer, tally.Tried, tally.Faults, tally.Completed, tally.Failed, tally.Lost, tally.Reruns);
            _output.WriteLine("class\ttransfer\ttried\tfaults\tcompleted\tfailed\tlost\treruns-after-failure");
            _output.WriteLine(line);
            _output.WriteLine(proxy.Describe());
            Report(line);
            Assert.True(problems.Count == 0, $"{proxy.Describe()} (replay with STREAMFILES_FAULT_SEED={BaseSeed}):\n" + string.Join("\n", problems));
        }

        private static double Probability(FaultKind kind) => kind switch
        {
            FaultKind.Latency => 0.5,
            FaultKind.SlowDown => 0.15,
            _ => 0.25,
        };

        /// <summary>Empty, tiny, a single request, or several 5 MiB parts.</summary>
        private static long RandomSize(Random random) => random.Next(8) switch
        {
            0 => 0,
            1 => random.Next(1, 64 * 1024),
            2 or 3 => random.Next(64 * 1024, (int)(5 * MiB)),
            _ => random.NextInt64(5 * MiB, MaxSize),
        };

        private static TransferOptions Options(bool resume) =>
            new TransferOptions(concurrency: 3, partSize: 5 * MiB, resume: resume, overwrite: true, maxAttempts: 4, retryDelay: TimeSpan.FromMilliseconds(50));

        private S3Storage ProxiedS3(FaultProxy proxy) =>
            new S3Storage(new S3Connection(region: S3TestServer.Region, endpointUrl: proxy.Endpoint, credentials: S3TestServer.Credentials), _pool);

        private static HttpSettings HttpSettings() =>
            new HttpSettings(responseTimeout: TimeSpan.FromSeconds(10), stallTimeout: TimeSpan.FromSeconds(1.5), maxRetries: 4, retryDelay: TimeSpan.FromMilliseconds(50), maxRetryAfter: TimeSpan.FromSeconds(2));

        private string S3Url(string name) => "s3://" + S3TestServer.Bucket + "/" + _prefix + name;

        private async Task<string?> S3UploadAsync(FaultProxy proxy, string name, long size, bool resume, int seed, Tally tally)
        {
            string source = _temp.RandomFile(name, size, seed);
            string expected = Sha256(source);
            var registry = StorageRegistry.CreateDefault().Register(LocationKind.S3, ProxiedS3(proxy));
            var run = S3TransferTests.Run(TransferDirection.Send, S3Url(name), new[] { source }, Options(resume), registry: registry);
            string journal = ResumeJournal.PathFor(Location.Parse(S3Url(name)));
            try
            {
                string? stored = await S3TestTransfers.StoredSha256Async(_prefix + name);
                var uploads = (await S3TestServer.UploadsUnderAsync(_prefix + name)).Where(u => u.Key == _prefix + name).ToList();
                if (Outcome(run, tally) is string wrong)
                {
                    return wrong;
                }

                if (run.Errors.Count == 0)
                {
                    return stored != expected ? $"completed, but the object's SHA256 is {stored ?? "missing"}, not {expected}"
                        : uploads.Count > 0 ? "completed, but left a multipart upload" : null;
                }

                if (stored != null && stored != expected)
                {
                    return $"failed, and left an object with the wrong content ({stored})";
                }

                bool multipart = size > 5 * MiB;
                if (!resume || !multipart)
                {
                    return uploads.Count > 0 ? "failed without resume and left a multipart upload" : File.Exists(journal) ? "failed without resume and left a journal" : null;
                }

                if (uploads.Count > 1)
                {
                    return $"failed and left {uploads.Count} multipart uploads";
                }

                // The resume state must be usable: a rerun without faults completes.
                tally.Reruns++;
                var rerun = S3TransferTests.Run(TransferDirection.Send, S3Url(name), new[] { source }, Options(resume), registry: StorageRegistry.CreateDefault().Register(LocationKind.S3, S3TestServer.Storage()));
                string? again = await S3TestTransfers.StoredSha256Async(_prefix + name);
                return rerun.Errors.Count > 0 ? "the rerun failed: " + rerun.Errors[0].Message
                    : again != expected ? "the rerun completed with the wrong content"
                    : (await S3TestServer.UploadsUnderAsync(_prefix + name)).Any(u => u.Key == _prefix + name) ? "the rerun left a multipart upload" : null;
            }
            finally
            {
                ResumeJournal.Delete(journal);
                File.Delete(source);
            }
        }

        private async Task<string?> S3DownloadAsync(FaultProxy proxy, string name, long size, bool resume, int seed, Tally tally)
        {
            string source = _temp.RandomFile(name, size, seed);
            string expected = Sha256(source);
            await S3TestTransfers.UploadAsync(S3TestServer.Storage(), source, new StreamFiles.Core.Locations.S3Location(S3TestServer.Bucket, _prefix + name), partSize: 5 * MiB);
            string destination = _temp.File("got-" + name);
            var registry = StorageRegistry.CreateDefault().Register(LocationKind.S3, ProxiedS3(proxy));
            var run = S3TransferTests.Run(TransferDirection.Receive, destination, new[] { S3Url(name) }, Options(resume), registry: registry);
            try
            {
                return Outcome(run, tally) ?? await CheckDownloadAsync(run, destination, expected, resume, tally, () =>
                    S3TransferTests.Run(TransferDirection.Receive, destination, new[] { S3Url(name) }, Options(resume), registry: StorageRegistry.CreateDefault().Register(LocationKind.S3, S3TestServer.Storage())));
            }
            finally
            {
                File.Delete(source);
                DeleteDownload(destination);
            }
        }

        private async Task<string?> HttpDownloadAsync(FaultProxy proxy, string name, long size, bool resume, int seed, Tally tally)
        {
            byte[] content = HttpTestServer.RandomBytes((int)size, seed);
            string expected = Convert.ToHexString(SHA256.HashData(content));
            _http.Add("/" + name, content).ETag = "\"e" + seed.ToString(CultureInfo.InvariantCulture) + "\"";
            string destination = _temp.File("got-" + name);
            string url = proxy.Rewrite(_http.Url("/" + name)).ToString();
            using var http = new HttpStorage(HttpSettings());
            var run = S3TransferTests.Run(TransferDirection.Receive, destination, new[] { url }, Options(resume), registry: StorageRegistry.CreateDefault().Register(LocationKind.Http, http));
            try
            {
                return Outcome(run, tally) ?? await CheckDownloadAsync(run, destination, expected, resume, tally, () =>
                    S3TransferTests.Run(TransferDirection.Receive, destination, new[] { _http.Url("/" + name).ToString() }, Options(resume), registry: StorageRegistry.CreateDefault().Register(LocationKind.Http, http)));
            }
            finally
            {
                DeleteDownload(destination);
            }
        }

        private async Task<string?> HttpUploadAsync(FaultProxy proxy, string name, long size, int seed, Tally tally)
        {
            string source = _temp.RandomFile(name, size, seed);
            string expected = Sha256(source);
            string key = _prefix + name;
            using var signer = new AmazonS3Client(
                S3TestServer.Credentials,
                new AmazonS3Config { ServiceURL = proxy.Endpoint, ForcePathStyle = true, AuthenticationRegion = S3TestServer.Region });
            string url = signer.GetPreSignedURL(new GetPreSignedUrlRequest { BucketName = S3TestServer.Bucket, Key = key, Verb = HttpVerb.PUT, Expires = DateTime.UtcNow.AddMinutes(30), Protocol = Protocol.HTTP });
            using var http = new HttpStorage(HttpSettings());
            var run = S3TransferTests.Run(TransferDirection.Send, url, new[] { source }, Options(false), registry: StorageRegistry.CreateDefault().Register(LocationKind.Http, http));
            try
            {
                string? stored = await S3TestTransfers.StoredSha256Async(key);
                if (Outcome(run, tally) is string wrong)
                {
                    return wrong;
                }

                if (run.Errors.Count == 0)
                {
                    return stored != expected ? $"completed, but the object's SHA256 is {stored ?? "missing"}, not {expected}" : null;
                }

                return stored != null && stored != expected ? $"failed, and left an object with the wrong content ({stored})" : null;
            }
            finally
            {
                File.Delete(source);
            }
        }

        /// <summary>A download's outcome: the file identical, or reported with no file under the final name and the right resume state.</summary>
        private async Task<string?> CheckDownloadAsync(S3TransferTests.Sink run, string destination, string expected, bool resume, Tally tally, Func<S3TransferTests.Sink> rerun)
        {
            string partial = destination + LocalObjectWriter.PartialSuffix;
            string journal = ResumeJournal.PathFor(Location.Parse(destination));
            if (run.Errors.Count == 0)
            {
                return !File.Exists(destination) ? "completed, but there is no file"
                    : Sha256(destination) != expected ? "completed, but the file's SHA256 differs"
                    : File.Exists(partial) || File.Exists(journal) ? "completed, but left the partial file or the journal" : null;
            }

            if (File.Exists(destination))
            {
                return "failed, but a file is under the final name";
            }

            if (File.Exists(partial) != File.Exists(journal))
            {
                return $"failed, leaving the partial file ({File.Exists(partial)}) without its journal ({File.Exists(journal)}) or the other way round";
            }

            if (!resume)
            {
                return File.Exists(partial) ? "failed without resume, but left the partial file" : null;
            }

            tally.Reruns++;
            var again = await Task.Run(rerun);
            return again.Errors.Count > 0 ? "the rerun failed: " + again.Errors[0].Message
                : !File.Exists(destination) || Sha256(destination) != expected ? "the rerun did not produce the identical file"
                : File.Exists(partial) || File.Exists(journal) ? "the rerun left the partial file or the journal" : null;
        }

        /// <summary>Counts the outcome; a failure must be reported as exactly one error and a Failed result.</summary>
        private static string? Outcome(S3TransferTests.Sink run, Tally tally)
        {
            if (run.Errors.Count == 0)
            {
                TransferResult? result = run.Transfers.SingleOrDefault();
                if (result is null || (result.Status != TransferStatus.Completed && result.Status != TransferStatus.Resumed))
                {
                    return "no error was reported, but the transfer did not complete: " + (result?.Status.ToString() ?? "no result");
                }

                tally.Completed++;
                return null;
            }

            tally.Failed++;
            tally.LastError = run.Errors[0].Condition + ": " + run.Errors[0].Message;
            if (run.Errors.Count != 1 || string.IsNullOrWhiteSpace(run.Errors[0].Message))
            {
                return $"{run.Errors.Count} errors were reported for one transfer";
            }

            return run.Transfers.Any(t => t.Status != TransferStatus.Failed) ? "an error was reported for a transfer that did not fail" : null;
        }

        private static void DeleteDownload(string destination)
        {
            foreach (string path in new[] { destination, destination + LocalObjectWriter.PartialSuffix, ResumeJournal.PathFor(Location.Parse(destination)) })
            {
                File.Delete(path);
            }
        }

        private static string Sha256(string path)
        {
            using FileStream stream = File.OpenRead(path);
            return Convert.ToHexString(SHA256.HashData(stream));
        }


        private static void Report(string line)
        {
            string? path = Environment.GetEnvironmentVariable("STREAMFILES_FAULT_REPORT");
            if (string.IsNullOrEmpty(path))
            {
                return;
            }

            lock (ReportGate)
            {
                File.AppendAllText(path, line + Environment.NewLine);
            }
        }

        private sealed class Tally
        {
            public int Tried;
            public int Faults;
            public int Completed;
            public int Failed;
            public int Lost;
            public int Reruns;
            public string? LastError;
        }
    }

    public sealed class NetworkFaultMatrixS3UploadTests : NetworkFaultMatrixTests
    {
        public NetworkFaultMatrixS3UploadTests(ITestOutputHelper output)
            : base(output)
        {
        }

        protected override TransferKind Transfer => TransferKind.S3Upload;
    }

    public sealed class NetworkFaultMatrixS3DownloadTests : NetworkFaultMatrixTests
    {
        public NetworkFaultMatrixS3DownloadTests(ITestOutputHelper output)
            : base(output)
        {
        }

        protected override TransferKind Transfer => TransferKind.S3Download;
    }

    public sealed class NetworkFaultMatrixHttpDownloadTests : NetworkFaultMatrixTests
    {
        public NetworkFaultMatrixHttpDownloadTests(ITestOutputHelper output)
            : base(output)
        {
        }

        protected override TransferKind Transfer => TransferKind.HttpDownload;
    }

    public sealed class NetworkFaultMatrixHttpUploadTests : NetworkFaultMatrixTests
    {
        public NetworkFaultMatrixHttpUploadTests(ITestOutputHelper output)
            : base(output)
        {
        }

        protected override TransferKind Transfer => TransferKind.HttpUpload;
    }
}
