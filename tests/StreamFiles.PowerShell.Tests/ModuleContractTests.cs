using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace StreamFiles.PowerShell.Tests
{
    /// <summary>Rules every cmdlet of the module keeps, checked against the compiled assembly.</summary>
    public sealed class ModuleContractTests : IClassFixture<MetadataFixture>
    {
        // Parameters that carry the cmdlet's inputs: the only ones allowed to bind from the pipeline.
        private static readonly HashSet<string> InputParameters = new HashSet<string>(StringComparer.Ordinal)
        {
            "Path", "LiteralPath", "InputObject", "Source", "Uri", "BucketName", "Key",
        };

        private readonly CmdletMetadata _metadata;

        public ModuleContractTests(MetadataFixture fixture) => _metadata = fixture.Metadata;

        public static IEnumerable<object[]> CmdletNames()
        {
            using var metadata = new CmdletMetadata();
            return metadata.Cmdlets.Select(c => new object[] { c.Name }).ToList();
        }

        [Fact]
        public void TheModuleHasCmdlets() => Assert.Contains(_metadata.Cmdlets, c => c.Name == "Get-FileHashChunked");

        /// <summary>
        /// -Path (and Receive's -Source) expand wildcards and say so ([SupportsWildcards], which Get-Help shows as
        /// "Accept wildcard characters: true", as the docs do); -LiteralPath does not (a probe: no parameter had it).
        /// </summary>
        [Theory]
        [MemberData(nameof(CmdletNames))]
        public void WildcardParametersSayThatTheyTakeWildcards(string cmdlet)
        {
            CmdletInfo info = _metadata.Cmdlet(cmdlet);
            string wildcards = info.Parameters.Any(p => p.Name == "Path") ? "Path" : "Source";
            Assert.True(info.Parameter(wildcards).Has("SupportsWildcardsAttribute"), $"{cmdlet} -{wildcards} lacks [SupportsWildcards]");
            Assert.False(info.Parameter("LiteralPath").Has("SupportsWildcardsAttribute"), $"{cmdlet} -LiteralPath has [SupportsWildcards]");
        }

        /// <summary>
        /// On PowerShell 7 the cmdlet assembly loads into the default context and the engine, with the AWS SDK and
        /// Polly, into a private one that hands the default context StreamFiles.Core and nothing else
        /// (ModuleInitializer). A reference from the cmdlet assembly to any other of the engine's dependencies (an
        /// engine method whose signature names AWSCredentials, say) makes the runtime load that dependency into the
        /// default context when the calling method is compiled: it is not there (FileNotFoundException), or it is
        /// AWS.Tools' copy (MissingMethodException), and the cmdlet fails before it does anything.
        /// </summary>
        [Fact]
        public void TheCmdletAssemblyReferencesOnlyTheEngineTheFrameworkAndPowerShell()
        {
            Assert.Contains(
                _metadata.Module.GetCustomAttributesData(),
                a => a.AttributeType.FullName == "System.Runtime.Versioning.TargetFrameworkAttribute"
                    && ((string)a.ConstructorArguments[0].Value!).StartsWith(".NETCoreApp,Version=v8.0", StringComparison.Ordinal));
            string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            List<string> references = _metadata.Module.GetReferencedAssemblies().Select(a => a.Name!).ToList();
            Assert.Contains("StreamFiles.Core", references);
            List<string> outside = references
                .Where(n => n != "StreamFiles.Core" && n != CmdletMetadata.AutomationNamespace && !File.Exists(Path.Combine(framework, n + ".dll")))
                .ToList();
            Assert.True(outside.Count == 0, "The cmdlet assembly references " + string.Join(", ", outside) + ", which PowerShell 7 cannot load for it.");
        }

        [Theory]
        [MemberData(nameof(CmdletNames))]
        public void VerbIsApproved(string name) =>
            Assert.Contains(_metadata.Cmdlet(name).Verb, _metadata.ApprovedVerbs);

        [Theory]
        [MemberData(nameof(CmdletNames))]
        public void CmdletIsSealedAndDeclaresItsOutput(string name)
        {
            CmdletInfo cmdlet = _metadata.Cmdlet(name);
            Assert.True(cmdlet.Type.IsSealed, name + " should be sealed");
            Assert.NotEmpty(cmdlet.OutputTypes);
        }

        [Theory]
        [MemberData(nameof(CmdletNames))]
        public void SwitchesAreNeverPositionalAndOnlyInputsBindFromThePipeline(string name)
        {
            foreach (ParameterInfo parameter in _metadata.Cmdlet(name).Parameters)
            {
                foreach (ParameterSetEntry set in parameter.Sets)
                {
                    if (parameter.TypeName == "System.Management.Automation.SwitchParameter")
                    {
                        Assert.True(set.Position is null, $"{name} -{parameter.Name} is a positional switch");
                    }

                    if (set.FromPipeline || set.FromPipelineByPropertyName)
                    {
                        Assert.True(InputParameters.Contains(parameter.Name), $"{name} -{parameter.Name} binds from the pipeline but is not an input");
                    }
                }
            }
        }

        [Theory]
        [MemberData(nameof(CmdletNames))]
        public void LiteralPathBindsByPropertyNameWithPSPathAlias(string name)
        {
            ParameterInfo? literal = _metadata.Cmdlet(name).Parameters.SingleOrDefault(p => p.Name == "LiteralPath");
            if (literal is null)
            {
                return; // a cmdlet without paths
            }

            Assert.Contains("PSPath", literal.Aliases);
            Assert.Contains("LP", literal.Aliases);
            Assert.All(literal.Sets, s => Assert.True(s.FromPipelineByPropertyName));
            Assert.All(literal.Sets, s => Assert.False(s.FromPipeline));
        }

        [Theory]
        [MemberData(nameof(CmdletNames))]
        public void ParameterTypesNeverComeFromTheEngine(string name)
        {
            // On PowerShell 7 the engine loads into a private context only after import: binding must not need it.
            foreach (ParameterInfo parameter in _metadata.Cmdlet(name).Parameters)
            {
                Type type = parameter.Property.PropertyType;
                Type element = type.HasElementType ? type.GetElementType()! : type;
                Assert.NotEqual("StreamFiles.Core", element.Assembly.GetName().Name);
            }
        }

        [Fact]
        public void PowerShell7BuildIsolatesTheEngineWithAModuleInitializer()
        {
            Type initializer = Assert.Single(_metadata.Module.GetTypes(), t => t.GetInterfaces().Any(i => i.FullName == CmdletMetadata.AutomationNamespace + ".IModuleAssemblyInitializer"));
            Assert.True(initializer.IsPublic);
            Assert.Contains(_metadata.Module.GetReferencedAssemblies(), a => a.Name == "System.Runtime.Loader" || a.Name == "System.Runtime");
        }

        /// <summary>
        /// PowerShell 7 resolves [TypeName], -is, -as and Pester's -BeOfType only in the default load context: the engine's
        /// types, in the private one, are registered under their full names when the module is imported (and removed
        /// with it). What the cmdlets output is among them only if it is an exported engine type.
        /// </summary>
        [Fact]
        public void PowerShell7BuildNamesTheEngineTypesForScriptsAndForgetsThemWithTheModule()
        {
            Type initializer = Assert.Single(_metadata.Module.GetTypes(), t => t.GetInterfaces().Any(i => i.FullName == CmdletMetadata.AutomationNamespace + ".IModuleAssemblyInitializer"));
            Assert.Contains(initializer.GetInterfaces(), i => i.FullName == CmdletMetadata.AutomationNamespace + ".IModuleAssemblyCleanup");

            var exported = new HashSet<string>(_metadata.Core.GetExportedTypes().Select(t => t.FullName!));
            foreach (CmdletInfo cmdlet in _metadata.Cmdlets)
            {
                foreach (string output in cmdlet.OutputTypes.Where(t => t.StartsWith("StreamFiles.Core.", StringComparison.Ordinal)))
                {
                    Assert.Contains(output, exported);
                }
            }

            Assert.Contains("StreamFiles.Core.Transfers.TransferResult", exported);
            Assert.Contains("StreamFiles.Core.Transfers.TransferStatus", exported);
        }

        [Fact]
        public void EveryCmdletHasProgressIdsOfItsOwn()
        {
            // A cmdlet writes its batch record under its activity id and up to four file records under the next
            // four ids; two cmdlets in one pipeline (Send-StreamFile | ConvertFrom-StreamBase64) must not share any.
            var ranges = new List<(string Cmdlet, int First)>();
            foreach (CmdletInfo cmdlet in _metadata.Cmdlets)
            {
                System.Reflection.FieldInfo id = Assert.Single(
                    cmdlet.Type.GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly),
                    f => f.IsLiteral && f.Name.EndsWith("ActivityId", StringComparison.Ordinal));
                ranges.Add((cmdlet.Name, (int)id.GetRawConstantValue()!));
            }

            foreach ((string cmdlet, int first) in ranges)
            {
                Assert.DoesNotContain(ranges, other => other.Cmdlet != cmdlet && Math.Abs(other.First - first) <= 4);
            }
        }

        [Fact]
        public void FormatViewsCallOnlyTypesPowerShellCanNameOnEveryEdition()
        {
            string xml = _metadata.ReadRepositoryFile("module", "StreamFiles", "StreamFiles.Format.ps1xml");
            Assert.DoesNotContain("[StreamFiles.Core.", xml);
            foreach (Match call in Regex.Matches(xml, @"\[(StreamFiles\.[\w.]+)\]::"))
            {
                Assert.NotNull(_metadata.Module.GetType(call.Groups[1].Value));
            }
        }

        /// <summary>
        /// PowerShell loads a format file only when it is well-formed, and shows a blank column, without any error, for a
        /// property the object does not have: every view names only properties of the type it is for.
        /// </summary>
        [Fact]
        public void FormatViewsAreWellFormedAndNameOnlyPropertiesTheirTypesHave()
        {
            var document = System.Xml.Linq.XDocument.Parse(_metadata.ReadRepositoryFile("module", "StreamFiles", "StreamFiles.Format.ps1xml"));
            var views = document.Descendants("View").ToList();
            Assert.NotEmpty(views);
            foreach (System.Xml.Linq.XElement view in views)
            {
                string typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
                Type type = _metadata.Core.GetType(typeName) ?? _metadata.Module.GetType(typeName, throwOnError: true)!;
                var properties = new HashSet<string>(type.GetProperties().Select(p => p.Name), StringComparer.OrdinalIgnoreCase);
                IEnumerable<string> named = view.Descendants("PropertyName").Select(e => e.Value)
                    .Concat(view.Descendants("ScriptBlock").SelectMany(e => Regex.Matches(OutsideForEach(e.Value), @"\$_\.(\w+)").Cast<Match>().Select(m => m.Groups[1].Value)));
                foreach (string property in named)
                {
                    Assert.True(properties.Contains(property), $"{typeName} has no property {property} (view {view.Element("Name")!.Value})");
                }
            }
        }

        // Inside ForEach-Object, $_ is the item of an inner pipeline, not the formatted object.
        private static string OutsideForEach(string script) =>
            Regex.Replace(script, @"ForEach-Object\s*\{(?:[^{}]|\{[^{}]*\})*\}", string.Empty);

        [Fact]
        public void ManifestExportsExactlyTheCmdlets()
        {
            string manifest = _metadata.ReadRepositoryFile("module", "StreamFiles", "StreamFiles.psd1");
            Assert.Equal(
                _metadata.Cmdlets.Select(c => c.Name).OrderBy(n => n, StringComparer.Ordinal),
                ManifestList(manifest, "CmdletsToExport").OrderBy(n => n, StringComparer.Ordinal));
            Assert.Empty(ManifestList(manifest, "FunctionsToExport"));
            Assert.Empty(ManifestList(manifest, "AliasesToExport"));
            Assert.Equal(new[] { "Core", "Desktop" }, ManifestList(manifest, "CompatiblePSEditions").OrderBy(n => n, StringComparer.Ordinal));
            Assert.DoesNotContain(manifest.Split('\n'), line => line.Contains("ToExport") && line.Contains('*'));
        }

        [Fact]
        public void ManifestFormatFilesExistAndNameCoreTypes()
        {
            string manifest = _metadata.ReadRepositoryFile("module", "StreamFiles", "StreamFiles.psd1");
            List<string> formats = ManifestList(manifest, "FormatsToProcess");
            Assert.NotEmpty(formats);
            foreach (string format in formats)
            {
                string xml = _metadata.ReadRepositoryFile("module", "StreamFiles", format);
                foreach (Match typeName in Regex.Matches(xml, "<TypeName>([^<]+)</TypeName>"))
                {
                    Assert.NotNull(_metadata.Core.GetType(typeName.Groups[1].Value) ?? _metadata.Module.GetType(typeName.Groups[1].Value));
                }
            }

            List<string> types = ManifestList(manifest, "TypesToProcess");
            Assert.NotEmpty(types);
            foreach (string file in types)
            {
                var document = System.Xml.Linq.XDocument.Parse(_metadata.ReadRepositoryFile("module", "StreamFiles", file));
                foreach (var name in document.Root!.Elements("Type").Select(t => (string)t.Element("Name")!))
                {
                    Assert.NotNull(_metadata.Core.GetType(name) ?? _metadata.Module.GetType(name));
                }
            }
        }

        [Theory]
        [MemberData(nameof(CmdletNames))]
        public void HelpDocumentsEveryParameterAndNothingElse(string name)
        {
            string path = Path.Combine(_metadata.RepositoryRoot, "docs", name + ".md");
            Assert.True(File.Exists(path), "missing " + path);
            string doc = File.ReadAllText(path);
            List<string> documented = Regex.Matches(doc, @"^### -(\w+)\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
            List<string> actual = _metadata.Cmdlet(name).Parameters.Select(p => p.Name).ToList();
            if (_metadata.Cmdlet(name).Named.TryGetValue("SupportsShouldProcess", out object? should) && should is true)
            {
                actual.Add("WhatIf");
                actual.Add("Confirm");
            }

            Assert.Equal(actual.OrderBy(n => n, StringComparer.Ordinal), documented.OrderBy(n => n, StringComparer.Ordinal));
            Assert.Contains("## SYNOPSIS", doc);
            Assert.Contains("## EXAMPLES", doc);
            Assert.Contains("### CommonParameters", doc);
            Assert.True(Regex.Matches(doc, @"^### Example \d+", RegexOptions.Multiline).Count >= 3, name + " needs at least three examples");
        }

        [Fact]
        public void EveryCoreFailureCategoryIsAPowerShellErrorCategory()
        {
            Type? failure = _metadata.Core.GetType("StreamFiles.Core.Operations.FailureCategory");
            Type errorCategory = _metadata.Automation.GetType(CmdletMetadata.AutomationNamespace + ".ErrorCategory")!;
            Assert.NotNull(failure);
            string[] powerShellNames = errorCategory.GetFields().Where(f => f.IsLiteral).Select(f => f.Name).ToArray();
            foreach (string name in failure!.GetFields().Where(f => f.IsLiteral).Select(f => f.Name))
            {
                Assert.Contains(name, powerShellNames);
            }
        }

        /// <summary>Reads Key = @( 'a', 'b' ) or Key = 'a' out of a psd1.</summary>
        internal static List<string> ManifestList(string manifest, string key)
        {
            Match match = Regex.Match(manifest, key + @"\s*=\s*(@\((?<list>[^)]*)\)|'(?<single>[^']*)')");
            Assert.True(match.Success, key + " is missing from the manifest");
            string body = match.Groups["list"].Success ? match.Groups["list"].Value : "'" + match.Groups["single"].Value + "'";
            return Regex.Matches(body, "'([^']*)'").Select(m => m.Groups[1].Value).ToList();
        }
    }

    public sealed class MetadataFixture : IDisposable
    {
        public CmdletMetadata Metadata { get; } = new CmdletMetadata();

        public void Dispose() => Metadata.Dispose();
    }
}
