using System;
using System.IO;

namespace StreamFiles.Core.Tests.Support
{
    /// <summary>A directory of its own for one test, removed afterwards.</summary>
    public sealed class TempDirectory : IDisposable
    {
        public TempDirectory()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "streamfiles-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        /// <summary>Writes deterministic pseudo-random bytes (seeded) and returns the path.</summary>
        public string RandomFile(string name, long length, int seed = 1)
        {
            string path = File(name);
            var random = new Random(seed);
            var buffer = new byte[Math.Min(length, 1 << 20)];
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
            long left = length;
            while (left > 0)
            {
                random.NextBytes(buffer);
                int n = (int)Math.Min(left, buffer.Length);
                stream.Write(buffer, 0, n);
                left -= n;
            }

            return path;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // A file still open by a killed child process: the OS temp cleaner takes it later.
            }
        }
    }
}
