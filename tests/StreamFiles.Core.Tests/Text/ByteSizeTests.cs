using System;

namespace StreamFiles.Core.Tests.Text
{
    public sealed class ByteSizeTests
    {
        [Theory]
        [InlineData("8MiB", 8L * 1024 * 1024)]
        [InlineData("64KiB", 64L * 1024)]
        [InlineData("1.5GiB", 1536L * 1024 * 1024)]
        [InlineData("1.5 GiB", 1536L * 1024 * 1024)]
        [InlineData(" 8mb ", 8L * 1024 * 1024)]      // PowerShell's 8MB is binary too
        [InlineData("1048576", 1048576)]
        [InlineData("0", 0)]
        [InlineData("512B", 512)]
        [InlineData("2T", 2L << 40)]
        [InlineData("0.5KiB", 512)]
        public void Parses_sizes_people_write(string text, long expected)
        {
            Assert.True(ByteSize.TryParse(text, out long bytes));
            Assert.Equal(expected, bytes);
            Assert.Equal(expected, ByteSize.Parse(text, "PartSize"));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("MiB")]
        [InlineData("-1")]
        [InlineData("8 XiB")]
        [InlineData("1.5")]                          // no half bytes
        [InlineData("0.1KiB")]                       // 102.4 bytes
        [InlineData("1.2.3MiB")]
        [InlineData("1e6")]
        [InlineData("8 MiB extra")]
        [InlineData("9223372036854775808")]          // long.MaxValue + 1
        [InlineData("8388608TiB")]                   // 2^63 bytes
        [InlineData("99999999999999999999999999TiB")] // beyond what decimal can multiply
        public void Refuses_what_is_not_a_size(string? text)
        {
            Assert.False(ByteSize.TryParse(text, out long bytes));
            Assert.Equal(0, bytes);
        }

        [Fact]
        public void Parse_names_the_setting_in_its_error()
        {
            var error = Assert.Throws<FormatException>(() => ByteSize.Parse("lots", "PartSize"));
            Assert.Contains("PartSize 'lots'", error.Message);
        }

        [Theory]
        [InlineData(0, "0 B")]
        [InlineData(1023, "1023 B")]
        [InlineData(1024, "1.00 KiB")]
        [InlineData(1536L * 1024, "1.50 MiB")]
        [InlineData(8L * 1024 * 1024, "8.00 MiB")]
        [InlineData(12_884_901_888L + 322_122_547, "12.3 GiB")]
        [InlineData(100L * 1024 * 1024 * 1024, "100 GiB")]
        [InlineData(5L << 50, "5.00 PiB")]
        public void Formats_with_binary_units_and_three_digits(long bytes, string expected) =>
            Assert.Equal(expected, ByteSize.Format(bytes));

        [Theory]
        [InlineData(8L * 1024 * 1024)]
        [InlineData(64L * 1024)]
        [InlineData(1536L * 1024 * 1024)]
        public void Formatted_sizes_parse_back(long bytes)
        {
            Assert.True(ByteSize.TryParse(ByteSize.Format(bytes).Replace(" ", string.Empty), out long parsed));
            Assert.Equal(bytes, parsed);
        }

        [Fact]
        public void Rates_and_durations()
        {
            Assert.Equal("1.00 MiB/s", ByteSize.FormatRate(1024 * 1024));
            Assert.Equal("-", ByteSize.FormatRate(double.NaN));
            Assert.Equal("-", ByteSize.FormatRate(-1));
            Assert.Equal("-", ByteSize.FormatRate(double.PositiveInfinity));
            Assert.Equal("0:05", ByteSize.FormatDuration(TimeSpan.FromSeconds(5)));
            Assert.Equal("59:59", ByteSize.FormatDuration(TimeSpan.FromSeconds(3599)));
            Assert.Equal("26:00:01", ByteSize.FormatDuration(TimeSpan.FromSeconds((26 * 3600) + 1)));
        }
    }
}
