using System;
using System.IO;
using System.Runtime.InteropServices;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// Whether a path lies on a network file system: a Windows share (UNC or a mapped drive), or a mount of NFS,
    /// SMB/CIFS and the like (DriveInfo reads the file system's type with statfs on Unix). Reading back what was
    /// written there goes over the network again, so the engine's read-back hashers stay away from it.
    /// </summary>
    internal static class NetworkPath
    {
        public static bool Holds(string path)
        {
            try
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    if (path.StartsWith(@"\\", StringComparison.Ordinal) || path.StartsWith("//", StringComparison.Ordinal))
                    {
                        return true;
                    }

                    string? root = Path.GetPathRoot(Path.GetFullPath(path));
                    return !string.IsNullOrEmpty(root) && new DriveInfo(root).DriveType == DriveType.Network;
                }

                // On Unix DriveInfo takes any path on the mount and asks statfs about it.
                return new DriveInfo(path).DriveType == DriveType.Network;
            }
            catch (Exception e) when (e is ArgumentException || e is IOException || e is UnauthorizedAccessException)
            {
                return false; // not known to be remote: treated as local, as before
            }
        }
    }
}
