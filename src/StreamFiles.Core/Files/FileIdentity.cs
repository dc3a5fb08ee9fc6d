using System;

namespace StreamFiles.Core.Files
{
    /// <summary>A file's device and inode: the same for every name it has.</summary>
    public readonly struct FileIdentity : IEquatable<FileIdentity>
    {
        public FileIdentity(long device, long inode)
        {
            Device = device;
            Inode = inode;
        }

        public long Device { get; }

        public long Inode { get; }

        public bool Equals(FileIdentity other) => Device == other.Device && Inode == other.Inode;

        public override bool Equals(object? obj) => obj is FileIdentity other && Equals(other);

        public override int GetHashCode() => unchecked((Device.GetHashCode() * 397) ^ Inode.GetHashCode());
    }
}
