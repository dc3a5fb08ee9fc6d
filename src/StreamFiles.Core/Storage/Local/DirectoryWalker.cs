using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Storage.Local
{
    /// <summary>
    /// Lists the files under a directory in a stable (ordinal) order with '/'-separated relative paths.
    /// Hidden files are included; symbolic links to directories are not followed (no loops, no escaping the
    /// tree), links to files are copied as files. A directory that cannot be read becomes an error entry.
    /// When recursing, every subdirectory is listed itself, as a container entry, as soon as its parent has been read
    /// (before the parent's files and its own contents), and so is the root when it holds nothing: a copy recreates
    /// the directories, empty ones too, as cp -r and rsync -r do, and makes them before the files that go in them.
    /// Making a level's directories together before their files is also what keeps the copy cheap on ext4: made one
    /// at a time between the files, a 10,000-file tree cost twice the kernel time in inode allocation (measured
    /// with a plain Python copy loop as well as the CLI: tests/bench/local.sh's tree, destination just deleted).
    /// </summary>
    internal static class DirectoryWalker
    {
        /// <summary>An entry listed that cannot be read by its name: one that is not valid UTF-8, or one deleted since.</summary>
        private static CommandError UnreadableEntry(FileSystemInfo entry, Exception? cause = null) =>
            entry.Name.IndexOf('\uFFFD') >= 0
                ? new CommandError("SourceNotFound", FailureCategory.ObjectNotFound, entry.FullName, $"Cannot read '{entry.FullName}': its name is not valid UTF-8, and .NET cannot open {(entry is DirectoryInfo ? "a directory, or anything in it," : "a file")} by such a name. Rename it (for example with convmv) to copy it.", cause)
                : new CommandError("SourceNotFound", FailureCategory.ObjectNotFound, entry.FullName, $"'{entry.FullName}' was listed but is gone (deleted or renamed while its directory was being read).", cause);

        public static IEnumerable<ListedObject> Walk(FileLocation root, bool recurse, CancellationToken cancellationToken)
        {
            var pending = new Stack<(DirectoryInfo Directory, string Relative)>();
            pending.Push((new DirectoryInfo(root.Path), string.Empty));
            while (pending.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                (DirectoryInfo directory, string relative) = pending.Pop();
                List<FileSystemInfo> entries;
                CommandError? error = null;
                try
                {
                    entries = directory.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    entries = new List<FileSystemInfo>();
                    error = FileErrors.Describe(e, directory.FullName);
                }

                if (error != null)
                {
                    yield return new ListedObject(error, relative);
                    continue;
                }

                var subdirectories = new List<(DirectoryInfo, string)>();
                bool listedAny = false;
                if (recurse)
                {
                    foreach (FileSystemInfo entry in entries)
                    {
                        if (entry is DirectoryInfo unnamed && !unnamed.Exists)
                        {
                            // Its name is not valid UTF-8 (or it is gone): .NET cannot open it by the name it read, and
                            // its attributes read as all set (-1), which made it look like a link, passed over silently.
                            yield return new ListedObject(UnreadableEntry(unnamed), relative.Length == 0 ? entry.Name : relative + "/" + entry.Name);
                        }
                        else if (entry is DirectoryInfo link && (link.Attributes & FileAttributes.ReparsePoint) != 0)
                        {
                            yield return ListedObject.Skipped(
                                "a link to a directory (a symbolic link or a junction), which is not followed: no loops, and nothing from outside the tree. Name the directory it points to as a source of its own to copy it.",
                                relative.Length == 0 ? entry.Name : relative + "/" + entry.Name);
                        }
                        else if (entry is DirectoryInfo sub)
                        {
                            string path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
                            subdirectories.Add((sub, path));
                            yield return new ListedObject(
                                new ObjectInfo(FileLocation.FromPath(sub.FullName), null, new DateTimeOffset(sub.LastWriteTimeUtc), isContainer: true),
                                path);
                        }
                    }
                }

                foreach (FileSystemInfo entry in entries)
                {
                    if (entry is DirectoryInfo)
                    {
                        continue;
                    }

                    string path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;

                    // A link is described by the file it points to (its size and time, not the link's), under the
                    // link's own name and path; one that is dangling, loops or points at a directory is skipped.
                    ListedObject listed;
                    try
                    {
                        FileInfo? file = Files.LinkedFile.Target((FileInfo)entry);

                        // FIFOs, sockets and devices report no size: only such entries cost the extra stat.
                        string? special = file is null || file.Length != 0 ? null : Files.SpecialFile.KindOf(file.FullName);
                        listed = file is null
                            ? ListedObject.Skipped("a symbolic link that leads to no file (it is dangling, part of a loop, or leads to a directory): it is not copied", path)
                            : special != null
                            ? ListedObject.Skipped(special + ", not a regular file: it is not copied (a FIFO would wait for a writer forever)", path)
                            : new ListedObject(LocalStorage.Describe(FileLocation.FromPath(entry.FullName), file), path);
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        // Deleted after the directory was listed, or a name that is not valid UTF-8 (.NET reads it with
                        // U+FFFD in it and cannot open it by that name): this file's error; the walk goes on.
                        listed = new ListedObject(UnreadableEntry(entry, e), path);
                    }

                    listedAny |= listed.Info != null;
                    yield return listed;
                }

                if (recurse && relative.Length == 0 && !listedAny && subdirectories.Count == 0)
                {
                    yield return new ListedObject(
                        new ObjectInfo(FileLocation.FromPath(directory.FullName), null, new DateTimeOffset(directory.LastWriteTimeUtc), isContainer: true),
                        relative);
                }

                for (int i = subdirectories.Count - 1; i >= 0; i--)
                {
                    pending.Push(subdirectories[i]);
                }
            }
        }
    }
}
