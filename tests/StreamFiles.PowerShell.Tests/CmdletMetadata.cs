using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace StreamFiles.PowerShell.Tests
{
    /// <summary>
    /// The cmdlet assembly as PowerShell would see it, read with MetadataLoadContext: no PowerShell runtime
    /// is loaded, so this runs anywhere .NET does.
    /// </summary>
    public sealed class CmdletMetadata : IDisposable
    {
        public const string AutomationNamespace = "System.Management.Automation";

        private readonly MetadataLoadContext _context;

        public CmdletMetadata()
        {
            string here = AppContext.BaseDirectory;
            string automation = Path.Combine(here, "psref", "System.Management.Automation.dll");
            var paths = new List<string>(Directory.GetFiles(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "*.dll"))
            {
                automation,
            };
            paths.AddRange(Directory.GetFiles(here, "StreamFiles.*.dll").Where(p => !p.EndsWith(".Tests.dll", StringComparison.Ordinal)));
            paths.AddRange(Directory.GetFiles(here, "AWSSDK.*.dll"));
            paths.AddRange(Directory.GetFiles(here, "Polly*.dll"));
            _context = new MetadataLoadContext(new PathAssemblyResolver(paths.Distinct(StringComparer.OrdinalIgnoreCase)), "System.Private.CoreLib");
            Module = _context.LoadFromAssemblyPath(Path.Combine(here, "StreamFiles.PowerShell.dll"));
            Core = _context.LoadFromAssemblyPath(Path.Combine(here, "StreamFiles.Core.dll"));
            Automation = _context.LoadFromAssemblyPath(automation);
            RepositoryRoot = FindRepositoryRoot(here);
        }

        public Assembly Module { get; }

        public Assembly Core { get; }

        public Assembly Automation { get; }

        public string RepositoryRoot { get; }

        public IReadOnlyList<CmdletInfo> Cmdlets =>
            Module.GetTypes()
                .Select(t => (Type: t, Attribute: t.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == AutomationNamespace + ".CmdletAttribute")))
                .Where(x => x.Attribute != null)
                .Select(x => new CmdletInfo(x.Type, x.Attribute!))
                .OrderBy(c => c.Name, StringComparer.Ordinal)
                .ToList();

        public CmdletInfo Cmdlet(string name) => Cmdlets.Single(c => c.Name == name);

        /// <summary>Every verb PowerShell approves: the constants of the Verbs* classes.</summary>
        public ISet<string> ApprovedVerbs =>
            new HashSet<string>(
                Automation.GetTypes()
                    .Where(t => t.Namespace == AutomationNamespace && t.Name.StartsWith("Verbs", StringComparison.Ordinal))
                    .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
                    .Where(f => f.IsLiteral)
                    .Select(f => (string)f.GetRawConstantValue()!),
                StringComparer.Ordinal);

        public string ReadRepositoryFile(params string[] parts) => File.ReadAllText(Path.Combine(new[] { RepositoryRoot }.Concat(parts).ToArray()));

        public void Dispose() => _context.Dispose();

        private static string FindRepositoryRoot(string start)
        {
            for (DirectoryInfo? dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "StreamFiles.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("StreamFiles.sln not found above " + start);
        }
    }

    public sealed class CmdletInfo
    {
        public CmdletInfo(Type type, CustomAttributeData cmdlet)
        {
            Type = type;
            Verb = (string)cmdlet.ConstructorArguments[0].Value!;
            Noun = (string)cmdlet.ConstructorArguments[1].Value!;
            Named = cmdlet.NamedArguments.ToDictionary(a => a.MemberName, a => a.TypedValue.Value);
        }

        public Type Type { get; }

        public string Verb { get; }

        public string Noun { get; }

        public string Name => Verb + "-" + Noun;

        public IReadOnlyDictionary<string, object?> Named { get; }

        public IReadOnlyList<ParameterInfo> Parameters =>
            Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(p => new ParameterInfo(p))
                .Where(p => p.Sets.Count > 0)
                .ToList();

        public ParameterInfo Parameter(string name) => Parameters.Single(p => p.Name == name);

        public IReadOnlyList<string> OutputTypes =>
            Type.GetCustomAttributesData()
                .Where(a => a.AttributeType.FullName == CmdletMetadata.AutomationNamespace + ".OutputTypeAttribute")
                .SelectMany(a => a.ConstructorArguments)
                .SelectMany(arg => arg.Value is IEnumerable<CustomAttributeTypedArgument> many ? many.Select(m => m.Value) : new[] { arg.Value })
                .Select(v => v is Type t ? t.FullName! : v?.ToString() ?? string.Empty)
                .ToList();
    }

    /// <summary>One parameter: its [Parameter] attributes (one per set), aliases and validation.</summary>
    public sealed class ParameterInfo
    {
        public ParameterInfo(PropertyInfo property)
        {
            Property = property;
            Attributes = property.GetCustomAttributesData();
            Sets = Attributes
                .Where(a => a.AttributeType.FullName == CmdletMetadata.AutomationNamespace + ".ParameterAttribute")
                .Select(a => new ParameterSetEntry(a.NamedArguments.ToDictionary(n => n.MemberName, n => n.TypedValue.Value)))
                .ToList();
        }

        public PropertyInfo Property { get; }

        public IList<CustomAttributeData> Attributes { get; }

        public string Name => Property.Name;

        public string TypeName => Property.PropertyType.FullName!;

        public IReadOnlyList<ParameterSetEntry> Sets { get; }

        public IReadOnlyList<string> Aliases =>
            Attributes.Where(a => a.AttributeType.FullName == CmdletMetadata.AutomationNamespace + ".AliasAttribute")
                .SelectMany(a => a.ConstructorArguments)
                .SelectMany(arg => arg.Value is IEnumerable<CustomAttributeTypedArgument> many ? many.Select(m => (string)m.Value!) : new[] { (string)arg.Value! })
                .ToList();

        public bool Has(string attributeName) =>
            Attributes.Any(a => a.AttributeType.FullName == CmdletMetadata.AutomationNamespace + "." + attributeName);

        public IReadOnlyList<string> ValidateSetValues =>
            Attributes.Where(a => a.AttributeType.FullName == CmdletMetadata.AutomationNamespace + ".ValidateSetAttribute")
                .SelectMany(a => a.ConstructorArguments)
                .SelectMany(arg => ((IEnumerable<CustomAttributeTypedArgument>)arg.Value!).Select(m => (string)m.Value!))
                .ToList();
    }

    public sealed class ParameterSetEntry
    {
        public ParameterSetEntry(IReadOnlyDictionary<string, object?> named) => Named = named;

        public IReadOnlyDictionary<string, object?> Named { get; }

        public string SetName => Named.TryGetValue("ParameterSetName", out object? v) && v is string s ? s : "__AllParameterSets";

        public bool Mandatory => Flag("Mandatory");

        public int? Position => Named.TryGetValue("Position", out object? v) && v is int i && i != int.MinValue ? i : null;

        public bool FromPipeline => Flag("ValueFromPipeline");

        public bool FromPipelineByPropertyName => Flag("ValueFromPipelineByPropertyName");

        private bool Flag(string name) => Named.TryGetValue(name, out object? v) && v is bool b && b;
    }
}
