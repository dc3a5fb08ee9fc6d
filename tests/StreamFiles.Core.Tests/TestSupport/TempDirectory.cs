using System;
using System.IO;

namespace StreamFiles.Core.Tests.TestSupport
{
    /// <summary>A private directory under the system temp folder, deleted with everything in it on dispose.</summary>
    public sealed class TempDirectory : IDisposable
    {
        public TempDirectory()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "streamfiles-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        /// <summary>Writes reproducible pseudo-random bytes (the seed and the size pick the content).</summary>
        public string WriteRandom(string name, long length, int seed = 1)
        {
            string path = File(name);
            var random = new Random(seed ^ (int)length);
            var buffer = new byte[(int)Math.Min(length, 1 << 20)];
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            long left = length;
            while (left > 0)
            {
                int n = (int)Math.Min(left, buffer.Length);
                random.NextBytes(buffer.AsSpan(0, n));
                stream.Write(buffer, 0, n);
                left -= n;
            }

            return path;
        }

        /// <summary>A file of the given length with no data blocks: instant to make, still read in full.</summary>
        public string WriteSparse(string name, long length)
        {
            string path = File(name);
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            stream.SetLength(length);
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
                // A file still open by a cancelled worker; the temp folder is cleaned by the OS eventually.
            }
        }
    }
}
