using System.Linq;

namespace StreamFiles.PowerShell.Tests
{
    /// <summary>The parameter surface of ConvertTo-StreamBase64, pinned: changing it breaks users' scripts.</summary>
    public sealed class ConvertToStreamBase64ContractTests : IClassFixture<MetadataFixture>
    {
        private readonly CmdletInfo _cmdlet;

        public ConvertToStreamBase64ContractTests(MetadataFixture fixture) => _cmdlet = fixture.Metadata.Cmdlet("ConvertTo-StreamBase64");

        [Fact]
        public void ParametersHaveTheDocumentedNamesAndTypes()
        {
            Assert.Equal(
                new[]
                {
                    "AsString:System.Management.Automation.SwitchParameter", "LineLength:System.Int32", "LiteralPath:System.String[]", "OutFile:System.String",
                    "PassThru:System.Management.Automation.SwitchParameter", "Path:System.String[]", "UrlSafe:System.Management.Automation.SwitchParameter",
                },
                _cmdlet.Parameters.Select(p => p.Name + ":" + p.TypeName).OrderBy(s => s, System.StringComparer.Ordinal));
        }

        [Fact]
        public void PathIsPositionalWildcardInputInTheDefaultSetAndWithOutFile()
        {
            Assert.Equal("Path", _cmdlet.Named["DefaultParameterSetName"]);
            Assert.Equal(new[] { "Path", "PathOutFile" }, _cmdlet.Parameter("Path").Sets.Select(s => s.SetName).OrderBy(s => s, System.StringComparer.Ordinal));
            Assert.All(_cmdlet.Parameter("Path").Sets, s =>
            {
                Assert.True(s.Mandatory);
                Assert.Equal(0, s.Position);
                Assert.True(s.FromPipeline);
                Assert.True(s.FromPipelineByPropertyName);
            });
        }

        [Fact]
        public void LiteralPathHasItsOwnSetsBoundByPropertyName()
        {
            Assert.Equal(new[] { "LiteralPath", "LiteralPathOutFile" }, _cmdlet.Parameter("LiteralPath").Sets.Select(s => s.SetName).OrderBy(s => s, System.StringComparer.Ordinal));
            Assert.All(_cmdlet.Parameter("LiteralPath").Sets, s => Assert.Null(s.Position));
        }

        [Fact]
        public void OutFileAndAsStringNeverMeet()
        {
            Assert.Equal(new[] { "LiteralPathOutFile", "PathOutFile" }, _cmdlet.Parameter("OutFile").Sets.Select(s => s.SetName).OrderBy(s => s, System.StringComparer.Ordinal));
            Assert.All(_cmdlet.Parameter("OutFile").Sets, s => Assert.True(s.Mandatory));
            Assert.All(_cmdlet.Parameter("OutFile").Sets, s => Assert.Null(s.Position));
            Assert.Equal(new[] { "LiteralPath", "Path" }, _cmdlet.Parameter("AsString").Sets.Select(s => s.SetName).OrderBy(s => s, System.StringComparer.Ordinal));
            Assert.Equal(new[] { "LiteralPathOutFile", "PathOutFile" }, _cmdlet.Parameter("PassThru").Sets.Select(s => s.SetName).OrderBy(s => s, System.StringComparer.Ordinal));
        }

        [Fact]
        public void LineLengthIsRangeValidatedAndWritingFilesSupportsWhatIf()
        {
            Assert.True(_cmdlet.Parameter("LineLength").Has("ValidateRangeAttribute"));
            Assert.Equal(true, _cmdlet.Named["SupportsShouldProcess"]);
        }

        [Fact]
        public void OutputsStringsOrTheFile()
        {
            Assert.Equal(new[] { "System.IO.FileInfo", "System.String" }, _cmdlet.OutputTypes.OrderBy(s => s, System.StringComparer.Ordinal));
        }
    }
}
