using System;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography;
using System.Threading.Tasks;
using StreamFiles.Core.Hashing;

// Throughput of the hashing engine on this machine. Not a test: numbers vary with the host.
internal static class Program
{
    private delegate uint CrcUpdate(uint crc, ReadOnlySpan<byte> data);

    private delegate ulong Crc64Update(ulong crc, ReadOnlySpan<byte> data);

    private static async Task<int> Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "crc";
        switch (mode)
        {
            case "crc":
                Crc();
                return 0;
            case "digest":
                Digests();
                return 0;
            case "file" when args.Length >= 2:
                await File(args[1], args.Length >= 3 ? args[2] : "sha256", args.Length >= 4 ? int.Parse(args[3]) : 3);
                return 0;
            default:
                Console.Error.WriteLine("usage: HashBench crc | digest | file <path> [algorithms] [runs]");
                return 2;
        }
    }

    private static void Crc()
    {
        var data = new byte[1 << 20];
        new Random(1).NextBytes(data);
        Type crc = typeof(Crc32);
        Type tables = crc.Assembly.GetType("StreamFiles.Core.Hashing.Crc32Tables")!;
        uint[] ieee = (uint[])tables.GetField("Ieee")!.GetValue(null)!;
        MethodInfo tableUpdate = tables.GetMethod("Update", BindingFlags.Public | BindingFlags.Static)!;
        var castagnoliPortable = (CrcUpdate)crc.GetMethod("UpdateCastagnoliPortable", BindingFlags.NonPublic | BindingFlags.Static)!.CreateDelegate(typeof(CrcUpdate));
        var ieeeTable = (CrcUpdate)Delegate.CreateDelegate(typeof(CrcUpdate), ieee, tableUpdate);

        Measure("CRC32  (public)", data, d => Crc32.Compute(d, castagnoli: false));
        Measure("CRC32  (tables)", data, d => ieeeTable(0xFFFFFFFF, d));
        foreach (int size in new[] { 64, 96, 128, 256, 4096, 65536 })
        {
            byte[] small = data.AsSpan(0, size).ToArray();
            Measure($"CRC32  (public, {size} B)", small, d => Crc32.Compute(d, castagnoli: false));
            Measure($"CRC32  (tables, {size} B)", small, d => ieeeTable(0xFFFFFFFF, d));
        }

        Measure("CRC32C (public)", data, d => Crc32.Compute(d, castagnoli: true));
        Measure("CRC32C (tables)", data, d => castagnoliPortable(0xFFFFFFFF, d));

        var crc64Portable = (Crc64Update)typeof(Crc64).GetMethod("UpdatePortable", BindingFlags.NonPublic | BindingFlags.Static)!.CreateDelegate(typeof(Crc64Update));
        Measure("CRC64NVME (public)", data, d => (uint)Crc64.Compute(d));
        Measure("CRC64NVME (tables)", data, d => (uint)crc64Portable(ulong.MaxValue, d));
    }

    private static void Digests()
    {
        var data = new byte[1 << 20];
        new Random(1).NextBytes(data);
        foreach (HashAlgorithmName name in new[] { HashAlgorithmName.SHA256, HashAlgorithmName.SHA1, HashAlgorithmName.MD5, HashAlgorithmName.SHA384, HashAlgorithmName.SHA512 })
        {
            using var hash = IncrementalHash.CreateHash(name);
            Measure(name.Name!.PadRight(15), data, d => { hash.AppendData(d); return 0; });
        }
    }

    private delegate uint Work(ReadOnlySpan<byte> data);

    private static void Measure(string label, byte[] data, Work work)
    {
        for (int i = 0; i < 50; i++)
        {
            work(data);
        }

        double best = 0;
        for (int round = 0; round < 5; round++)
        {
            long bytes = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < 0.4)
            {
                work(data);
                bytes += data.Length;
            }

            best = Math.Max(best, bytes / clock.Elapsed.TotalSeconds / 1e9);
        }

        Console.WriteLine($"{label}: {best:0.00} GB/s");
    }

    private static async Task File(string path, string algorithms, int runs)
    {
        var settings = new HashSettings(ChecksumAlgorithms.ParseList(algorithms));
        var hasher = new ChunkedHasher(settings);
        long length = new System.IO.FileInfo(path).Length;
        for (int run = 0; run < runs; run++)
        {
            var clock = Stopwatch.StartNew();
            FileHashResult result = await hasher.HashFileAsync(path);
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"{algorithms}: {seconds:0.000} s  {length / seconds / 1e9:0.00} GB/s  {string.Join(" ", result.Hashes.Select(h => h.Key + "=" + h.Value.ToLowerInvariant()))}");
        }
    }
}
