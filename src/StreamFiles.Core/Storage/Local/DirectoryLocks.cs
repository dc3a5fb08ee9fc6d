using System;
using System.IO;
using System.Runtime.InteropServices;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// Serialises this process's creates and renames within one directory. The kernel holds a directory's lock
    /// while it creates or renames an entry in it (and creating can take a while: ext4 without a journal scans past
    /// recently deleted inodes), so parallel transfers into the same directory only spun on that lock, burning
    /// the CPU the other transfers needed. Waiting here costs nothing while the lock's holder works. Only on Linux,
    /// where the VFS takes that lock for every file system; elsewhere <see cref="For"/> returns a fresh object.
    /// </summary>
    internal static class DirectoryLocks
    {
        private static readonly object[] Stripes = CreateStripes(64);

        /// <summary>The lock for the directory that holds <paramref name="path"/>.</summary>
        public static object For(string path)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                return new object();
            }

            string directory = Path.GetDirectoryName(path) ?? string.Empty;
            int hash = StringComparer.Ordinal.GetHashCode(directory) & int.MaxValue;
            return Stripes[hash % Stripes.Length];
        }

        private static object[] CreateStripes(int count)
        {
            var stripes = new object[count];
            for (int i = 0; i < count; i++)
            {
                stripes[i] = new object();
            }

            return stripes;
        }
    }
}
