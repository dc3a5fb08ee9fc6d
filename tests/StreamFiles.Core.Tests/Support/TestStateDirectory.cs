using System;
using System.IO;
using System.Runtime.CompilerServices;
using StreamFiles.Core.Resume;

namespace StreamFiles.Core.Tests.Support
{
    /// <summary>
    /// Resume journals of remote destinations go under STREAMFILES_STATE_DIR, read afresh by every transfer. It is set
    /// once, as the test assembly loads, so no test writes into the user's own state directory, and no test finds the
    /// variable changed between two runs of one transfer (a class that set it in its constructor made an S3 resume
    /// test look for its journal in another directory than the one it was written to).
    /// </summary>
    internal static class TestStateDirectory
    {
        public static string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "streamfiles-tests", "state");

        [ModuleInitializer]
        internal static void Set() => Environment.SetEnvironmentVariable(ResumeJournal.StateDirectoryVariable, Path);
    }
}
