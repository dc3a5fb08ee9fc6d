using System;

namespace StreamFiles.PowerShell
{
    /// <summary>What the file-only cmdlets say of a path that is a URL (PowerShell would read "s3:" as a drive).</summary>
    internal static class LocalPaths
    {
        /// <summary>"an S3 URL" or "an HTTP URL" for such a path; otherwise null.</summary>
        public static string? UrlKind(string path)
        {
            if (path.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
            {
                return "an S3 URL";
            }

            return path.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || path.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                ? "an HTTP URL"
                : null;
        }
    }
}
