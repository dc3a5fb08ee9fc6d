namespace StreamFiles.PowerShell
{
    /// <summary>
    /// Sizes and rates for the format views. The views call this class rather than the engine's: on
    /// PowerShell 7 the engine lives in a private load context that PowerShell's type names do not reach.
    /// </summary>
    public static class SizeFormat
    {
        public static string Size(long bytes) => Core.ByteSize.Format(bytes);

        public static string Rate(double bytesPerSecond) => Core.ByteSize.FormatRate(bytesPerSecond);
    }
}
