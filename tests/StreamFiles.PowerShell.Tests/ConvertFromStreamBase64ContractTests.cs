using System.Linq;

namespace StreamFiles.PowerShell.Tests
{
    /// <summary>The parameter surface of ConvertFrom-StreamBase64, pinned: changing it breaks users' scripts.</summary>
    public sealed class ConvertFromStreamBase64ContractTests : IClassFixture<MetadataFixture>
    {
        private readonly CmdletInfo _cmdlet;

        public ConvertFromStreamBase64ContractTests(MetadataFixture fixture) => _cmdlet = fixture.Metadata.Cmdlet("ConvertFrom-StreamBase64");

        [Fact]
        public void ParametersHaveTheDocumentedNamesAndTypes()
        {
            Assert.Equal(
                new[]
                {
                    "InputObject:System.String[]", "LiteralPath:System.String[]", "OutFile:System.String", "PassThru:System.Management.Automation.SwitchParameter",
                    "Path:System.String[]", "UrlSafe:System.Management.Automation.SwitchParameter",
                },
                _cmdlet.Parameters.Select(p => p.Name + ":" + p.TypeName).OrderBy(s => s, System.StringComparer.Ordinal));
        }

        [Fact]
        public void PipedStringsAreTextNotPaths()
        {
            Assert.Equal("Path", _cmdlet.Named["DefaultParameterSetName"]);
            ParameterSetEntry path = Assert.Single(_cmdlet.Parameter("Path").Sets);
            Assert.Equal(0, path.Position);
            Assert.False(path.FromPipeline);
            Assert.True(path.FromPipelineByPropertyName);

            ParameterSetEntry text = Assert.Single(_cmdlet.Parameter("InputObject").Sets);
            Assert.Equal("InputObject", text.SetName);
            Assert.True(text.Mandatory);
            Assert.True(text.FromPipeline);
            Assert.False(text.FromPipelineByPropertyName);
            Assert.True(_cmdlet.Parameter("InputObject").Has("AllowEmptyStringAttribute"));
        }

        [Fact]
        public void OutFileIsRequiredEverywhereAndNamed()
        {
            ParameterSetEntry outFile = Assert.Single(_cmdlet.Parameter("OutFile").Sets);
            Assert.Equal("__AllParameterSets", outFile.SetName);
            Assert.True(outFile.Mandatory);
            Assert.Null(outFile.Position);
            Assert.Equal(true, _cmdlet.Named["SupportsShouldProcess"]);
        }

        [Fact]
        public void OutputsTheFile() => Assert.Equal(new[] { "System.IO.FileInfo" }, _cmdlet.OutputTypes);
    }
}
