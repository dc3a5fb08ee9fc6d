using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace StreamFiles.Core.Files
{
    /// <summary>
    /// Where a path lies within its file system, as the kernel's mount table says (Linux: /proc/self/mountinfo): the
    /// device of the mount that holds it and the path below that file system's own root. Two paths under bind mounts
    /// of one file system compare there as they are on the disk: `mount --bind src/in/deep view` puts view/x inside
    /// src, which no path, link or walk before it reaches src/in/deep can tell (a probe: files copied into the source
    /// before the walk found it). Null where it cannot be told (not Linux, no mount table, a path no mount holds).
    /// </summary>
    internal static class MountedPath
    {
        private const string MountTable = "/proc/self/mountinfo";

        /// <summary>
        /// Whether <paramref name="path"/> is <paramref name="directory"/> or lies below it on the same file system, or
        /// below what a mount inside the directory shows there: `mount --bind other src/mnt` puts other/out inside src
        /// as src/mnt/out (a probe: a copy of src to other/out nested until PathTooLong).
        /// </summary>
        public static bool IsAtOrBelow(string directory, string path)
        {
            if (!OperatingSystemIsLinux() || !File.Exists(MountTable))
            {
                return false;
            }

            List<Mount> mounts;
            try
            {
                mounts = ReadMounts();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false;
            }

            string realDirectory = RealPath.Of(directory);
            (string Device, string Path)? outer = Locate(realDirectory, mounts);
            (string Device, string Path)? inner = Locate(RealPath.Of(path), mounts);
            if (!inner.HasValue)
            {
                return false;
            }

            if (outer.HasValue && outer.Value.Device == inner.Value.Device && IsSameOrBelow(outer.Value.Path, inner.Value.Path))
            {
                return true;
            }

            foreach (Mount mount in mounts)
            {
                if (IsSameOrBelow(realDirectory, mount.Point) && mount.Device == inner.Value.Device && IsSameOrBelow(mount.Root, inner.Value.Path))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool OperatingSystemIsLinux() =>
            System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux);

        private static bool IsSameOrBelow(string directory, string path) =>
            path == directory || directory == "/" || path.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal);

        /// <summary>The device and the path within the file system of the mount that holds <paramref name="real"/> (the last one mounted where several are).</summary>
        private static (string Device, string Path)? Locate(string real, List<Mount> mounts)
        {
            Mount? holder = null;
            foreach (Mount mount in mounts)
            {
                if (IsSameOrBelow(mount.Point, real) && (holder is null || mount.Point.Length >= holder.Point.Length))
                {
                    holder = mount;
                }
            }

            if (holder is null)
            {
                return null;
            }

            string below = holder.Point == "/" ? real.TrimStart('/') : real.Substring(holder.Point.Length).TrimStart('/');
            string within = holder.Root.TrimEnd('/') + "/" + below;
            return (holder.Device, within.Length > 1 ? within.TrimEnd('/') : "/");
        }

        /// <summary>Each line: ID, parent ID, major:minor, root, mount point, then options; the paths escape space, tab, newline and '\' as octal.</summary>
        private static List<Mount> ReadMounts()
        {
            var mounts = new List<Mount>();
            foreach (string line in File.ReadLines(MountTable))
            {
                string[] fields = line.Split(' ');
                if (fields.Length > 4)
                {
                    mounts.Add(new Mount(fields[2], Unescape(fields[3]), Unescape(fields[4])));
                }
            }

            return mounts;
        }

        private static string Unescape(string field)
        {
            if (field.IndexOf('\\') < 0)
            {
                return field;
            }

            var bytes = new List<byte>(field.Length);
            for (int i = 0; i < field.Length; i++)
            {
                if (field[i] == '\\' && IsOctal(field, i + 1))
                {
                    bytes.Add((byte)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                    i += 3;
                }
                else
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
                }
            }

            return Encoding.UTF8.GetString(bytes.ToArray());
        }

        private static bool IsOctal(string text, int at) =>
            at + 3 <= text.Length && text[at] >= '0' && text[at] <= '3' && text[at + 1] >= '0' && text[at + 1] <= '7' && text[at + 2] >= '0' && text[at + 2] <= '7';

        private sealed class Mount
        {
            public Mount(string device, string root, string point)
            {
                Device = device;
                Root = root;
                Point = point;
            }

            public string Device { get; }

            public string Root { get; }

            public string Point { get; }
        }
    }
}
