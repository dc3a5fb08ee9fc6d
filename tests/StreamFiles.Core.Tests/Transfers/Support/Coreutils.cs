using StreamFiles.Core.Tests.Support;

namespace StreamFiles.Core.Tests.Transfers.Support
{
    /// <summary>Content checks by independent tools: sha256sum, cmp, diff.</summary>
    public static class Coreutils
    {
        public static string Sha256Sum(string path) => ProcessRunner.Shell("sha256sum -b " + Quote(path)).Split(' ')[0].ToUpperInvariant();

        public static bool Same(string a, string b) => ProcessRunner.Run("cmp", new[] { "-s", a, b }).ExitCode == 0;

        /// <summary>Whether diff -r finds two trees identical (names and contents).</summary>
        public static bool SameTree(string a, string b) => ProcessRunner.Run("diff", new[] { "-r", a, b }).ExitCode == 0;

        public static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";
    }
}
