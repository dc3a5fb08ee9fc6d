using System;
using System.Globalization;

namespace StreamFiles.Core
{
    /// <summary>Byte sizes as people write and read them: "8MiB", "64KiB", "1048576", "1.5 GiB".</summary>
    public static class ByteSize
    {
        private static readonly string[] Units = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };

        /// <summary>
        /// Parses a size. Suffixes are binary whatever their spelling (K, KB, KiB = 1024), as in PowerShell's
        /// 1MB; a bare number is bytes.
        /// </summary>
        public static bool TryParse(string? text, out long bytes)
        {
            bytes = 0;
            if (string.IsNullOrWhiteSpace(text))
            {
                return false;
            }

            string s = text!.Trim();
            int end = 0;
            while (end < s.Length && (char.IsDigit(s[end]) || s[end] == '.'))
            {
                end++;
            }

            if (end == 0 || !decimal.TryParse(s.Substring(0, end), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number))
            {
                return false;
            }

            string unit = s.Substring(end).Trim().ToUpperInvariant();
            int power = unit switch
            {
                "" or "B" => 0,
                "K" or "KB" or "KIB" => 1,
                "M" or "MB" or "MIB" => 2,
                "G" or "GB" or "GIB" => 3,
                "T" or "TB" or "TIB" => 4,
                _ => -1,
            };
            if (power < 0)
            {
                return false;
            }

            decimal value = number;
            for (int i = 0; i < power; i++)
            {
                // Stop before decimal itself overflows (it would throw, and TryParse must not).
                if (value > long.MaxValue)
                {
                    return false;
                }

                value *= 1024;
            }

            if (value != decimal.Truncate(value) || value > long.MaxValue)
            {
                return false;
            }

            bytes = (long)value;
            return true;
        }

        public static long Parse(string text, string what)
        {
            if (!TryParse(text, out long bytes))
            {
                throw new FormatException($"{what} '{text}' is not a size. Write bytes (1048576) or a number with KiB, MiB, GiB or TiB (8MiB).");
            }

            return bytes;
        }

        /// <summary>Formats with binary units and three significant digits: "0 B", "512 B", "1.50 MiB", "12.3 GiB".</summary>
        public static string Format(long bytes)
        {
            if (bytes < 1024)
            {
                return bytes.ToString(CultureInfo.InvariantCulture) + " B";
            }

            double value = bytes;
            int unit = 0;
            while (value >= 1024 && unit < Units.Length - 1)
            {
                value /= 1024;
                unit++;
            }

            string number = value >= 100 ? value.ToString("0", CultureInfo.InvariantCulture)
                : value >= 10 ? value.ToString("0.0", CultureInfo.InvariantCulture)
                : value.ToString("0.00", CultureInfo.InvariantCulture);
            return number + " " + Units[unit];
        }

        public static string FormatRate(double bytesPerSecond) =>
            double.IsNaN(bytesPerSecond) || double.IsInfinity(bytesPerSecond) || bytesPerSecond < 0
                ? "-"
                : Format((long)bytesPerSecond) + "/s";

        public static string FormatDuration(TimeSpan span)
        {
            if (span.TotalHours >= 1)
            {
                return ((int)span.TotalHours).ToString(CultureInfo.InvariantCulture) + span.ToString(@"\:mm\:ss", CultureInfo.InvariantCulture);
            }

            return span.ToString(@"m\:ss", CultureInfo.InvariantCulture);
        }
    }
}
