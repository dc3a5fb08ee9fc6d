using System.Linq;

namespace StreamFiles.PowerShell.Tests
{
    /// <summary>The parameter surface of Get-FileHashChunked, pinned: changing it breaks users' scripts.</summary>
    public sealed class GetFileHashChunkedContractTests : IClassFixture<MetadataFixture>
    {
        private readonly CmdletInfo _cmdlet;

        public GetFileHashChunkedContractTests(MetadataFixture fixture) => _cmdlet = fixture.Metadata.Cmdlet("Get-FileHashChunked");

        [Fact]
        public void ParametersHaveTheDocumentedNamesAndTypes()
        {
            Assert.Equal(
                new[] { "Algorithm:System.String[]", "ChunkSize:System.Int64", "IncludeChunkHash:System.Management.Automation.SwitchParameter", "LiteralPath:System.String[]", "Path:System.String[]", "ThrottleLimit:System.Int32" },
                _cmdlet.Parameters.Select(p => p.Name + ":" + p.TypeName).OrderBy(s => s, System.StringComparer.Ordinal));
        }

        [Fact]
        public void PathIsPositionalWildcardInputAndTheDefaultSet()
        {
            Assert.Equal("Path", _cmdlet.Named["DefaultParameterSetName"]);
            ParameterSetEntry path = Assert.Single(_cmdlet.Parameter("Path").Sets);
            Assert.Equal("Path", path.SetName);
            Assert.True(path.Mandatory);
            Assert.Equal(0, path.Position);
            Assert.True(path.FromPipeline);
            Assert.True(path.FromPipelineByPropertyName);
        }

        [Fact]
        public void LiteralPathIsItsOwnSetBoundByPropertyName()
        {
            ParameterSetEntry literal = Assert.Single(_cmdlet.Parameter("LiteralPath").Sets);
            Assert.Equal("LiteralPath", literal.SetName);
            Assert.True(literal.Mandatory);
            Assert.Null(literal.Position);
        }

        [Fact]
        public void AlgorithmIsSecondPositionAndValidated()
        {
            ParameterInfo algorithm = _cmdlet.Parameter("Algorithm");
            Assert.Equal(1, Assert.Single(algorithm.Sets).Position);
            Assert.Equal(new[] { "SHA256", "SHA1", "SHA384", "SHA512", "MD5", "CRC32", "CRC32C", "CRC64NVME", "S3ETag" }, algorithm.ValidateSetValues);
        }

        [Fact]
        public void NumbersAreRangeValidated()
        {
            Assert.True(_cmdlet.Parameter("ChunkSize").Has("ValidateRangeAttribute"));
            Assert.True(_cmdlet.Parameter("ThrottleLimit").Has("ValidateRangeAttribute"));
        }

        [Fact]
        public void OutputsFileHashResult() =>
            Assert.Equal(new[] { "StreamFiles.Core.Hashing.FileHashResult" }, _cmdlet.OutputTypes);

        [Fact]
        public void HashingChangesNothingSoItAsksNothing() =>
            Assert.False(_cmdlet.Named.TryGetValue("SupportsShouldProcess", out object? value) && value is true);
    }
}
