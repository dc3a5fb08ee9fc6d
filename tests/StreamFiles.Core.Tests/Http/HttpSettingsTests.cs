using System;
using System.Collections.Generic;
using StreamFiles.Core.Storage.Http;

namespace StreamFiles.Core.Tests.Http
{
    public sealed class HttpSettingsTests
    {
        [Theory]
        [InlineData("Authorization: Bearer abc", "Authorization", "Bearer abc")]
        [InlineData("X-Empty:", "X-Empty", "")]
        [InlineData("X-Colons: a:b:c", "X-Colons", "a:b:c")]
        public void Headers_are_read_as_curl_writes_them(string text, string name, string value)
        {
            KeyValuePair<string, string> header = HttpSettings.ParseHeader(text);

            Assert.Equal(name, header.Key);
            Assert.Equal(value, header.Value);
        }

        [Theory]
        [InlineData("no colon")]
        [InlineData(": value")]
        public void Malformed_headers_are_refused(string text)
        {
            Assert.Throws<ArgumentException>(() => HttpSettings.ParseHeader(text));
        }

        [Theory]
        [InlineData("Range")]
        [InlineData("content-length")]
        [InlineData("If-Range")]
        [InlineData("Host")]
        public void Headers_the_backend_sets_itself_cannot_be_given(string name)
        {
            var error = Assert.Throws<ArgumentException>(() => new HttpSettings(headers: new Dictionary<string, string> { [name] = "x" }));

            Assert.Contains("set by StreamFiles", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void A_header_value_with_a_line_break_is_refused_without_echoing_it()
        {
            var error = Assert.Throws<ArgumentException>(() => new HttpSettings(headers: new Dictionary<string, string> { ["X-Token"] = "SECRET\r\nX-Injected: 1" }));

            Assert.DoesNotContain("SECRET", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Credential_and_authorization_header_are_exclusive()
        {
            Assert.Throws<ArgumentException>(() => new HttpSettings(
                headers: new Dictionary<string, string> { ["Authorization"] = "Bearer x" },
                credential: new HttpCredential("u", "p")));
        }

        [Fact]
        public void A_credential_never_shows_its_password()
        {
            Assert.Equal("admin", new HttpCredential("admin", "pa55word").ToString());
        }
    }
}
