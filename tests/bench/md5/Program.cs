using System;
using System.Diagnostics;
using System.Linq;
using System.Security.Cryptography;
using StreamFiles.Core.Hashing;


namespace StreamFiles.Bench
{
    /// <summary>
    /// MD5 throughput per core: .NET's MD5 (OpenSSL here) on one stream against the multi-buffer MD5 with 1-16 lanes fed
    /// 64 KiB pieces at a time, as a download's parts arrive. CPU time of this process, not wall time.
    /// </summary>
    internal static class Program
    {
        private const int Piece = 64 * 1024;

        private static void Main(string[] args)
        {
            long total = (args.Length > 0 ? long.Parse(args[0]) : 512) * 1024 * 1024;
            byte[][] buffers = Enumerable.Range(0, 16).Select(i => { var b = new byte[Piece]; new Random(i).NextBytes(b); return b; }).ToArray();
            Console.WriteLine($"vectorized: {Md5Blocks.IsVectorized}, {total >> 20} MiB per run");
            for (int round = 0; round < 2; round++)
            {
                Report("IncrementalHash MD5 (1 stream)", total, () =>
                {
                    using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
                    for (long done = 0; done < total; done += Piece)
                    {
                        md5.AppendData(buffers[0]);
                    }

                    md5.GetHashAndReset();
                });
                foreach ((int lanes, int width) in new[] { (1, 0), (2, 0), (3, 16), (3, 8), (4, 16), (4, 8), (6, 16), (6, 8), (8, 16), (8, 8), (16, 0) })
                {
                    if (width > Md5Blocks.Width)
                    {
                        continue;
                    }

                    Report($"multi-buffer, {lanes} lanes" + (width > 0 ? $", {width}-lane kernel" : string.Empty), total, () =>
                    {
                        var state = Enumerable.Range(0, lanes).Select(_ => new Md5Lane()).ToArray();
                        var pieces = Enumerable.Range(0, lanes).Select(i => new ArraySegment<byte>(buffers[i])).ToArray();
                        for (long done = 0; done < total; done += (long)Piece * lanes)
                        {
                            if (width > 0)
                            {
                                Md5MultiBuffer.Append(state, pieces, width);
                            }
                            else
                            {
                                Md5MultiBuffer.Append(state, pieces);
                            }
                        }

                        foreach (Md5Lane lane in state)
                        {
                            lane.FinishAndReset();
                        }
                    });
                }
            }
        }

        private static void Report(string name, long bytes, Action run)
        {
            var process = Process.GetCurrentProcess();
            process.Refresh();
            TimeSpan before = process.TotalProcessorTime;
            run();
            process.Refresh();
            double cpu = (process.TotalProcessorTime - before).TotalSeconds;
            Console.WriteLine($"{name,-34} {bytes / cpu / 1e6,8:0} MB/s per core  ({cpu:0.00} s CPU, {cpu / (bytes / 1073741824.0):0.00} s/GiB)");
        }
    }
}
