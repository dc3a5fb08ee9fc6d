using System;
using System.Linq;
using System.Reflection;

namespace StreamFiles.PowerShell.Tests
{
    /// <summary>The parameter surface of Send-StreamFile and Receive-StreamFile, pinned: changing it breaks users' scripts.</summary>
    public sealed class TransferCmdletContractTests : IClassFixture<MetadataFixture>
    {
        private static readonly string[] SharedParameters =
        {
            "Checksum:System.String", "Compare:System.String", "Credential:System.Management.Automation.PSCredential", "Headers:System.Collections.IDictionary", "Concurrency:System.Int32", "Destination:System.String",
            "Force:System.Management.Automation.SwitchParameter", "MaxMemory:System.Int64", "PartSize:System.Int64",
            "Recurse:System.Management.Automation.SwitchParameter", "Resume:System.Management.Automation.SwitchParameter",
            "SkipUnchanged:System.Management.Automation.SwitchParameter", "ThrottleLimit:System.Int32", "Verify:System.Management.Automation.SwitchParameter",

            // S3 connection (issue 4), named as AWS.Tools names them.
            "ChecksumMode:System.String", "EndpointUrl:System.String", "ForcePathStyle:System.Management.Automation.SwitchParameter",
            "PartChecksum:System.String", "ProfileName:System.String", "Region:System.String",
        };

        private readonly CmdletMetadata _metadata;

        public TransferCmdletContractTests(MetadataFixture fixture) => _metadata = fixture.Metadata;

        private CmdletInfo Send => _metadata.Cmdlet("Send-StreamFile");

        private CmdletInfo Receive => _metadata.Cmdlet("Receive-StreamFile");

        [Fact]
        public void SendTakesPathsAndTheSharedOptions() =>
            Assert.Equal(
                SharedParameters.Concat(new[] { "ContentType:System.String", "LiteralPath:System.String[]", "Path:System.String[]", "UploadChecksum:System.String" }).OrderBy(s => s, System.StringComparer.Ordinal),
                Send.Parameters.Select(p => p.Name + ":" + p.TypeName).OrderBy(s => s, System.StringComparer.Ordinal));

        [Fact]
        public void ReceiveTakesSourcesAndTheSharedOptions() =>
            Assert.Equal(
                SharedParameters.Concat(new[] { "BucketName:System.String", "Key:System.String", "LiteralPath:System.String[]", "Source:System.String[]" }).OrderBy(s => s, System.StringComparer.Ordinal),
                Receive.Parameters.Select(p => p.Name + ":" + p.TypeName).OrderBy(s => s, System.StringComparer.Ordinal));

        [Fact]
        public void SendPathIsPositionalWildcardInputAndTheDefaultSet()
        {
            Assert.Equal("Path", Send.Named["DefaultParameterSetName"]);
            ParameterSetEntry path = Assert.Single(Send.Parameter("Path").Sets);
            Assert.True(path.Mandatory);
            Assert.Equal(0, path.Position);
            Assert.True(path.FromPipeline);
            Assert.True(path.FromPipelineByPropertyName);
            ParameterSetEntry literal = Assert.Single(Send.Parameter("LiteralPath").Sets);
            Assert.Equal("LiteralPath", literal.SetName);
            Assert.Null(literal.Position);
        }

        [Fact]
        public void ReceiveSourceIsPositionalInputAndTheDefaultSet()
        {
            Assert.Equal("Source", Receive.Named["DefaultParameterSetName"]);
            ParameterSetEntry source = Assert.Single(Receive.Parameter("Source").Sets);
            Assert.True(source.Mandatory);
            Assert.Equal(0, source.Position);
            Assert.True(source.FromPipeline);
            Assert.Contains("Path", Receive.Parameter("Source").Aliases);
        }

        [Fact]
        public void ReceiveBindsS3ObjectsFromThePipelineByBucketNameAndKey()
        {
            foreach (string name in new[] { "BucketName", "Key" })
            {
                ParameterSetEntry entry = Assert.Single(Receive.Parameter(name).Sets);
                Assert.Equal("S3Object", entry.SetName);
                Assert.True(entry.Mandatory);
                Assert.True(entry.FromPipelineByPropertyName);
                Assert.False(entry.FromPipeline);
                Assert.Null(entry.Position);
            }
        }

        [Theory]
        [InlineData("Send-StreamFile")]
        [InlineData("Receive-StreamFile")]
        public void DestinationIsTheSecondPositionAndNeverFromThePipeline(string name)
        {
            ParameterSetEntry destination = Assert.Single(_metadata.Cmdlet(name).Parameter("Destination").Sets);
            Assert.True(destination.Mandatory);
            Assert.Equal(1, destination.Position);
            Assert.False(destination.FromPipeline || destination.FromPipelineByPropertyName);
        }

        [Fact]
        public void S3LocationsCompleteWhereAnS3ValueMakesSense()
        {
            const string completer = "StreamFiles.PowerShell.S3LocationCompleter";
            Assert.Equal(completer, CompleterOf(Send.Parameter("Destination")));
            Assert.Equal(completer, CompleterOf(Receive.Parameter("Source")));

            // Local only, and literal: paths without wildcard escapes. Wildcard parameters keep PowerShell's own.
            Assert.Equal("StreamFiles.PowerShell.LiteralPathCompleter", CompleterOf(Receive.Parameter("Destination")));
            Assert.Null(CompleterOf(Send.Parameter("Path")));
            Assert.Null(CompleterOf(Receive.Parameter("LiteralPath")));
        }

        [Theory]
        [InlineData("StreamFiles.PowerShell.S3LocationCompleter")]
        [InlineData("StreamFiles.PowerShell.LiteralPathCompleter")]
        public void TheCompleterIsWhatPowerShellCanMakeAndCallBeforeTheEngineLoads(string name)
        {
            Type completer = _metadata.Module.GetType(name, throwOnError: true)!;
            Assert.True(completer.IsPublic && completer.IsSealed);
            Assert.Contains(completer.GetInterfaces(), i => i.FullName == CmdletMetadata.AutomationNamespace + ".IArgumentCompleter");
            Assert.NotNull(completer.GetConstructor(Type.EmptyTypes));

            // PowerShell reads the attribute, and so loads this type, when it builds the cmdlets' metadata: on
            // PowerShell 7 nothing it declares may need the engine's assembly.
            foreach (MemberInfo member in completer.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                Type? type = member switch
                {
                    FieldInfo field => field.FieldType,
                    PropertyInfo property => property.PropertyType,
                    MethodInfo method => method.ReturnType,
                    _ => null,
                };
                Type? element = type != null && type.HasElementType ? type.GetElementType() : type;
                Assert.NotEqual("StreamFiles.Core", element?.Assembly.GetName().Name);
                if (member is MethodBase signature)
                {
                    Assert.All(signature.GetParameters(), p => Assert.NotEqual("StreamFiles.Core", p.ParameterType.Assembly.GetName().Name));
                }
            }
        }

        /// <summary>
        /// A -Path PowerShell finds missing, or a wildcard matching nothing, must reach the operation (an error and a
        /// Failed result, as for -LiteralPath) rather than the base class's Get-FileHash behaviour (silence for a
        /// wildcard, an error without a result otherwise).
        /// </summary>
        [Fact]
        public void MissingPathsGoToTheOperationInBothTransferCmdlets()
        {
            Type transfer = _metadata.Module.GetType("StreamFiles.PowerShell.TransferCmdlet", throwOnError: true)!;
            MethodInfo? reportMissing = transfer.GetMethod("ReportMissing", BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly);
            Assert.NotNull(reportMissing);
            Assert.True(reportMissing!.IsVirtual && (reportMissing.Attributes & MethodAttributes.NewSlot) == 0, "ReportMissing overrides the base class's");
            Assert.NotNull(transfer.BaseType!.GetMethod("ReportMissing", BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly));
            Assert.True(Send.Type.IsSubclassOf(transfer));
            Assert.True(Receive.Type.IsSubclassOf(transfer));
        }

        private static string? CompleterOf(ParameterInfo parameter) =>
            parameter.Attributes
                .Where(a => a.AttributeType.FullName == CmdletMetadata.AutomationNamespace + ".ArgumentCompleterAttribute")
                .Select(a => ((Type)a.ConstructorArguments.Single().Value!).FullName)
                .SingleOrDefault();

        [Theory]
        [InlineData("Send-StreamFile")]
        [InlineData("Receive-StreamFile")]
        public void WritingFilesSupportsWhatIfAndNumbersAreValidated(string name)
        {
            CmdletInfo cmdlet = _metadata.Cmdlet(name);
            Assert.Equal(true, cmdlet.Named["SupportsShouldProcess"]);
            foreach (string number in new[] { "ThrottleLimit", "Concurrency", "PartSize", "MaxMemory" })
            {
                Assert.True(cmdlet.Parameter(number).Has("ValidateRangeAttribute"), number);
            }

            Assert.Equal(new[] { "CRC32C", "CRC32", "CRC64NVME", "SHA256", "SHA1", "SHA384", "SHA512", "MD5", "S3ETag" }, cmdlet.Parameter("Checksum").ValidateSetValues);
            Assert.Equal(new[] { "SizeAndHash", "SizeAndTime" }, cmdlet.Parameter("Compare").ValidateSetValues);
            Assert.Equal(new[] { "StreamFiles.Core.Transfers.TransferResult" }, cmdlet.OutputTypes);
        }
    }
}
