#if NET8_0_OR_GREATER
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// On PowerShell 7 the engine (StreamFiles.Core) and everything it depends on (AWSSDK, Polly, …) live in
    /// bin/net8.0/deps and load into a private AssemblyLoadContext. The default context only ever asks for
    /// StreamFiles.Core, by a name no other module uses; from there on the private context resolves the
    /// engine's dependencies itself, so another module (AWS.Tools.S3) can load its own AWSSDK versions into
    /// the session, before or after this one.
    /// <para>PowerShell resolves type names ([StreamFiles.Core.Transfers.TransferResult], -is, -as, Pester's
    /// -BeOfType) only in the default context, so the engine's public types are registered as type accelerators under
    /// their own full names: a script can name the types of the objects the cmdlets output.</para>
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private const string EngineAssembly = "StreamFiles.Core";

        private static readonly string DependencyDirectory =
            Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "deps");

        private static readonly DependencyLoadContext Dependencies = new DependencyLoadContext(DependencyDirectory);

        private static readonly List<string> RegisteredTypeNames = new List<string>();

        public void OnImport()
        {
            // Importing twice (Import-Module -Force) must not register twice.
            AssemblyLoadContext.Default.Resolving -= ResolveEngine;
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
            RegisterEngineTypeNames();
        }

        public void OnRemove(PSModuleInfo psModuleInfo) => UnregisterEngineTypeNames();

        /// <summary>The engine's public types as accelerators named by their full names; a failure only costs the names.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void RegisterEngineTypeNames()
        {
            try
            {
                MethodInfo? add = Accelerators()?.GetMethod("Add", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string), typeof(Type) }, null);
                if (add is null)
                {
                    return;
                }

                Type[] types;
                try
                {
                    types = Dependencies.LoadFromAssemblyName(new AssemblyName(EngineAssembly)).GetExportedTypes();
                }
                catch (ReflectionTypeLoadException e)
                {
                    types = e.Types.Where(t => t != null && t.IsPublic).ToArray()!;
                }

                lock (RegisteredTypeNames)
                {
                    foreach (Type type in types)
                    {
                        if (type.FullName is string name && !type.IsGenericTypeDefinition)
                        {
                            add.Invoke(null, new object[] { name, type });
                            RegisteredTypeNames.Add(name);
                        }
                    }
                }
            }
            catch (Exception)
            {
                // An engine without its accelerators still works; only naming its types in scripts does not.
            }
        }

        private static void UnregisterEngineTypeNames()
        {
            try
            {
                MethodInfo? remove = Accelerators()?.GetMethod("Remove", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null);
                lock (RegisteredTypeNames)
                {
                    foreach (string name in RegisteredTypeNames)
                    {
                        remove?.Invoke(null, new object[] { name });
                    }

                    RegisteredTypeNames.Clear();
                }
            }
            catch (Exception)
            {
                // Removing the module still succeeds; the names stay until the session ends.
            }
        }

        /// <summary>System.Management.Automation.TypeAccelerators: an internal class whose public Add and Remove modules commonly call.</summary>
        private static Type? Accelerators() => typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators");

        private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name) =>
            name.Name == EngineAssembly ? Dependencies.LoadFromAssemblyName(name) : null;

        private sealed class DependencyLoadContext : AssemblyLoadContext
        {
            private readonly string _directory;

            public DependencyLoadContext(string directory)
                : base("StreamFiles", isCollectible: false) => _directory = directory;

            protected override Assembly? Load(AssemblyName name)
            {
                // Ours first; null falls back to the default context (the framework, System.Management.Automation).
                string path = Path.Combine(_directory, name.Name + ".dll");
                return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
            }
        }
    }
}
#else
using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// Windows PowerShell 5.1 runs modules without binding redirects, so two of our dependencies that were built
    /// against different versions of a shared library (System.Memory, System.Runtime.CompilerServices.Unsafe,
    /// Microsoft.Bcl.AsyncInterfaces …) would fail to load. This hands the copy in the module's folder to any
    /// request for an assembly of the same simple name that the default probing did not find.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string ModuleDirectory =
            Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? string.Empty;

        public void OnImport()
        {
            AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromModuleDirectory;
            AppDomain.CurrentDomain.AssemblyResolve += ResolveFromModuleDirectory;
        }

        public void OnRemove(PSModuleInfo psModuleInfo) =>
            AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromModuleDirectory;

        private static Assembly? ResolveFromModuleDirectory(object? sender, ResolveEventArgs args)
        {
            string? name = new AssemblyName(args.Name).Name;
            if (string.IsNullOrEmpty(name))
            {
                return null;
            }

            string path = Path.Combine(ModuleDirectory, name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }
    }
}
#endif
