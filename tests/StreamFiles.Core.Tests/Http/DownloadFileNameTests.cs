using System;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage.Http;

namespace StreamFiles.Core.Tests.Http
{
    public sealed class DownloadFileNameTests
    {
        [Theory]
        [InlineData("attachment; filename=\"report.pdf\"", "report.pdf")]
        [InlineData("attachment; filename=report.pdf", "report.pdf")]
        [InlineData("attachment;filename=\"a \\\"quoted\\\" name.txt\"", "a \"quoted\" name.txt")]
        [InlineData("attachment; filename=\"fallback.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt", "€ rates.txt")]
        [InlineData("attachment; filename*=UTF-8''na%C3%AFve.txt; filename=\"naive.txt\"", "naïve.txt")]
        [InlineData("attachment; filename*=iso-8859-1'en'%A3%20rates.txt", "£ rates.txt")]
        [InlineData("attachment; FILENAME=\"UPPER.txt\"", "UPPER.txt")]
        [InlineData("inline", null)]
        [InlineData("attachment; filename*=UTF-8''bad%ZZ; filename=\"plain.txt\"", "plain.txt")]
        [InlineData("attachment; filename*=UTF-8''%FF%FE; filename=\"plain.txt\"", "plain.txt")]
        [InlineData("attachment; filename*=KOI8-R''x.txt", null)]
        [InlineData("attachment; filename=\"first.txt\"; filename=\"second.txt\"", "first.txt")]
        [InlineData("attachment; filename=\"\"", null)] // an empty name suggests nothing: the URL's name is used
        [InlineData("attachment; filename*=UTF-8''; filename=\"plain.txt\"", "plain.txt")]
        public void Content_disposition_names_are_read_as_rfc_6266_says(string header, string? expected)
        {
            Assert.Equal(expected, ContentDisposition.FileName(header));
        }

        [Theory]
        [InlineData("report.pdf", "report.pdf")]
        [InlineData("../../etc/passwd", "passwd")]
        [InlineData("..\\..\\Windows\\win.ini", "win.ini")]
        [InlineData("/etc/cron.d/evil", "evil")]
        [InlineData("C:\\Users\\Public\\x.exe", "x.exe")]
        [InlineData("€ rates 2024.txt", "€ rates 2024.txt")]
        [InlineData(".hidden", ".hidden")]
        [InlineData("CONFIG.SYS", "CONFIG.SYS")]
        public void Directory_parts_are_dropped(string suggested, string expected)
        {
            Assert.Equal(expected, DownloadFileName.Choose(suggested, "https://h/x"));
        }

        [Theory]
        [InlineData("..")]
        [InlineData(".")]
        [InlineData("a/..")]
        [InlineData("dir/")]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("CON")]
        [InlineData("con.txt")]
        [InlineData("NUL")]
        [InlineData("nul.tar.gz")]
        [InlineData("COM1")]
        [InlineData("LPT9.log")]
        [InlineData("AUX .txt")]
        [InlineData("COM\u00B9")]
        [InlineData("bell\u0007.txt")]
        [InlineData("line\nbreak.txt")]
        [InlineData("nul\0byte.txt")]
        [InlineData("evil\u202Etxt.exe")]
        [InlineData("a:b.txt")]
        [InlineData("what?.txt")]
        [InlineData("star*.txt")]
        [InlineData("pipe|.txt")]
        [InlineData("trailing.")]
        [InlineData("trailing ")]
        [InlineData(null)]
        public void Unsafe_names_are_refused_not_guessed(string? suggested)
        {
            var error = Assert.Throws<LocationFormatException>(() => DownloadFileName.Choose(suggested, "https://h/x"));

            Assert.Equal("UnsafeFileName", error.Error.Condition);
            Assert.Equal(FailureCategory.SecurityError, error.Error.Category);
            Assert.Equal("https://h/x", error.Error.Target);
        }

        /// <summary>A name from the URL is called that, not the server's (a probe: `receive http://h/NUL dir/`).</summary>
        [Fact]
        public void A_name_from_the_url_is_called_the_urls()
        {
            var error = Assert.Throws<LocationFormatException>(() => new HttpLocation(new Uri("http://h/files/NUL")).Name);
            Assert.Equal("UnsafeFileName", error.Error.Condition);
            Assert.StartsWith("The file name the URL ends with for 'http://h/files/NUL'", error.Error.Message, StringComparison.Ordinal);

            var server = Assert.Throws<LocationFormatException>(() => DownloadFileName.Choose("NUL", "http://h/x"));
            Assert.StartsWith("The server's file name", server.Error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Overlong_names_are_refused()
        {
            Assert.Throws<LocationFormatException>(() => DownloadFileName.Choose(new string('é', 200), "https://h/x"));
            Assert.Equal(new string('a', 255), DownloadFileName.Choose(new string('a', 255), "https://h/x"));
        }

        [Theory]
        [InlineData("https://h/dir/file.iso?X-Amz-Signature=abc", "file.iso")]
        [InlineData("https://h/dir/two%20words.txt", "two words.txt")]
        [InlineData("https://h/dir/..%2F..%2Fetc%2Fpasswd", "../../etc/passwd")]
        [InlineData("https://h/dir/", null)]
        [InlineData("https://h", null)]
        public void Url_names_are_the_decoded_last_segment(string url, string? expected)
        {
            Assert.Equal(expected, DownloadFileName.FromUrl(new Uri(url)));
        }

        [Fact]
        public void An_encoded_traversal_in_the_url_still_lands_in_the_directory()
        {
            string? raw = DownloadFileName.FromUrl(new Uri("https://h/dir/..%2F..%2Fetc%2Fpasswd"));

            Assert.Equal("passwd", DownloadFileName.Choose(raw, "https://h/dir/..%2F..%2Fetc%2Fpasswd"));
        }
    }
}
