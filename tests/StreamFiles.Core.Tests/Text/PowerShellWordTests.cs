using StreamFiles.Core.Text;

namespace StreamFiles.Core.Tests.Text
{
    /// <summary>How completions are written back at a PowerShell prompt, and how what was typed is read.</summary>
    public sealed class PowerShellWordTests
    {
        [Theory]
        [InlineData("s3://bucket/key.txt", "s3://bucket/key.txt")]
        [InlineData("s3://bucket/dir/", "s3://bucket/dir/")]
        [InlineData("s3://bucket/a-b_c.d~e+f=g%h*i?[j]", "s3://bucket/a-b_c.d~e+f=g%h*i?[j]")]
        [InlineData("s3://bucket/ünïcödé", "s3://bucket/ünïcödé")]
        [InlineData("s3://bucket/my file.txt", "'s3://bucket/my file.txt'")]
        [InlineData("s3://bucket/tab\tname", "'s3://bucket/tab\tname'")]
        [InlineData("s3://bucket/it's", "'s3://bucket/it''s'")]
        [InlineData("s3://bucket/it\u2019s", "'s3://bucket/it\u2019\u2019s'")]
        [InlineData("s3://bucket/''", "'s3://bucket/'''''")]
        [InlineData("s3://bucket/\"q\"", "'s3://bucket/\"q\"'")]
        [InlineData("s3://bucket/$HOME", "'s3://bucket/$HOME'")]
        [InlineData("s3://bucket/a`b", "'s3://bucket/a`b'")]
        [InlineData("s3://bucket/a;b", "'s3://bucket/a;b'")]
        [InlineData("s3://bucket/a,b", "'s3://bucket/a,b'")]
        [InlineData("s3://bucket/a|b", "'s3://bucket/a|b'")]
        [InlineData("s3://bucket/a&b", "'s3://bucket/a&b'")]
        [InlineData("s3://bucket/a>b", "'s3://bucket/a>b'")]
        [InlineData("s3://bucket/(a)", "'s3://bucket/(a)'")]
        [InlineData("s3://bucket/{a}", "'s3://bucket/{a}'")]
        public void BareWordsAreSingleQuotedOnlyWhenTheyNeedIt(string value, string expected) =>
            Assert.Equal(expected, PowerShellWord.Parse("s3://").Write(value));

        [Theory]
        [InlineData("s3://bucket/key.txt", "'s3://bucket/key.txt'")]
        [InlineData("s3://bucket/it's", "'s3://bucket/it''s'")]
        public void AWordOpenedWithASingleQuoteStaysSingleQuoted(string value, string expected) =>
            Assert.Equal(expected, PowerShellWord.Parse("'s3://").Write(value));

        [Theory]
        [InlineData("s3://bucket/key.txt", "\"s3://bucket/key.txt\"")]
        [InlineData("s3://bucket/my file", "\"s3://bucket/my file\"")]
        [InlineData("s3://bucket/$HOME", "\"s3://bucket/`$HOME\"")]
        [InlineData("s3://bucket/a`b", "\"s3://bucket/a``b\"")]
        [InlineData("s3://bucket/\"q\"", "\"s3://bucket/`\"q`\"\"")]
        [InlineData("s3://bucket/it's", "\"s3://bucket/it's\"")]
        public void AWordOpenedWithADoubleQuoteStaysDoubleQuotedWithBacktickEscapes(string value, string expected) =>
            Assert.Equal(expected, PowerShellWord.Parse("\"s3://").Write(value));

        [Theory]
        [InlineData(null, "", '\0')]
        [InlineData("", "", '\0')]
        [InlineData("s3://b/k", "s3://b/k", '\0')]
        [InlineData("'s3://b/my k", "s3://b/my k", '\'')]
        [InlineData("'s3://b/my k'", "s3://b/my k", '\'')]
        [InlineData("'s3://b/it''s", "s3://b/it's", '\'')]
        [InlineData("'s3://b/it''", "s3://b/it'", '\'')]
        [InlineData("'s3://b/it'''", "s3://b/it'", '\'')]
        [InlineData("\u2018s3://b/k\u2019", "s3://b/k", '\'')]
        [InlineData("\"s3://b/my k", "s3://b/my k", '"')]
        [InlineData("\"s3://b/my k\"", "s3://b/my k", '"')]
        [InlineData("\"s3://b/`$x", "s3://b/$x", '"')]
        [InlineData("\"s3://b/a`\"", "s3://b/a\"", '"')]
        [InlineData("\"s3://b/a\"\"b", "s3://b/a\"b", '"')]
        public void TypedWordsAreReadWithoutTheirQuotes(string? typed, string text, char quote)
        {
            PowerShellWord word = PowerShellWord.Parse(typed);
            Assert.Equal(text, word.Text);
            Assert.Equal(quote, word.Quote);
        }

        [Theory]
        [InlineData("s3://bucket/it's $x `y \"z\" \u2018w\u2019")]
        [InlineData("s3://bucket/plain")]
        [InlineData("s3://bucket/a''b")]
        public void WhatIsWrittenReadsBackAsTheSameText(string value)
        {
            foreach (string opened in new[] { "s3://", "'s3://", "\"s3://" })
            {
                string written = PowerShellWord.Parse(opened).Write(value);
                Assert.Equal(value, PowerShellWord.Parse(written).Text);
            }
        }

        [Fact]
        public void EmptyTextNeedsQuotes() => Assert.True(PowerShellWord.NeedsQuotes(string.Empty));
    }
}
