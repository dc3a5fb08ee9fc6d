using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Threading;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Text;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// What every StreamFiles cmdlet shares: the cancellation that Ctrl+C triggers, the progress and
    /// status settings read from the session, and file-system path resolution as Get-FileHash does it.
    /// </summary>
    public abstract class StreamFilesCmdlet : PSCmdlet, IDisposable
    {
        private static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(10);
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();
        private readonly List<CmdletSink> _sinks = new List<CmdletSink>();

        /// <summary>The cmdlet's name without the dash: the prefix of its error ids.</summary>
        protected abstract string ErrorIdPrefix { get; }

        protected CancellationToken CancellationToken => _cancellation.Token;

        /// <summary>The condition of the error for a named path that does not exist (after the error id prefix).</summary>
        protected virtual string NotFoundCondition => "FileNotFound";

        protected override void StopProcessing() => _cancellation.Cancel();

        /// <summary>The sink the cmdlet's operation reports through; its progress is closed if the command fails.</summary>
        private protected CmdletSink CreateSink(int activityId, string itemActivity)
        {
            var sink = new CmdletSink(this, ErrorIdPrefix, activityId, itemActivity);
            _sinks.Add(sink);
            return sink;
        }

        /// <summary>
        /// Runs ProcessRecord's or EndProcessing's work; when an error ends the command there (an item's error under
        /// -ErrorAction Stop, a terminating error), the progress records still open get their Completed record first.
        /// </summary>
        protected void RunClosingProgressOnFailure(Action step)
        {
            try
            {
                step();
            }
            catch (Exception)
            {
                foreach (CmdletSink sink in _sinks)
                {
                    sink.CloseOpenProgress();
                }

                throw;
            }
        }

        /// <summary>
        /// A process with nobody at it (PowerShellCommandLine.NobodyAtIt: -NonInteractive, no terminal at standard input
        /// and output, a Windows task outside a session). Its console host shows progress to nobody, so none is made
        /// there and status lines go to the information stream instead; other hosts (a runspace made with
        /// [powershell]::Create(), whose progress stream the caller reads) still get it.
        /// </summary>
        private static readonly Lazy<bool> NoInteractiveProcess = new Lazy<bool>(() =>
            PowerShellCommandLine.NobodyAtIt(
                Environment.GetCommandLineArgs(),
                Console.IsInputRedirected,
                Console.IsOutputRedirected,
                RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && !Environment.UserInteractive));

        /// <summary>
        /// Progress only when somebody may see it; status lines for logs when they asked for -Verbose, and in the
        /// information stream whenever no progress is shown.
        /// </summary>
        protected OperationSettings CreateOperationSettings(int throttleLimit, bool orderedOutput = false)
        {
            bool progress = ProgressWanted()
                && !(NoInteractiveProcess.Value && string.Equals(Host?.Name, "ConsoleHost", StringComparison.Ordinal));
            bool verbose = MyInvocation.BoundParameters.ContainsKey("Verbose")
                ? ((SwitchParameter)MyInvocation.BoundParameters["Verbose"]).IsPresent
                : IsPreference("VerbosePreference", ActionPreference.Continue);
            return new OperationSettings(
                throttleLimit,
                reportProgress: progress,
                statusInterval: verbose || !progress ? StatusInterval : (TimeSpan?)null,
                orderedOutput: orderedOutput)
            {
                FirstErrorEnds = ErrorsStop(),
            };
        }

        /// <summary>
        /// Progress unless it is turned off: by -ProgressAction (PowerShell 7.4's common parameter, which wins for this
        /// command, both ways), else by $ProgressPreference. A probe: -ProgressAction Continue gave no records under
        /// $ProgressPreference = 'SilentlyContinue', where Write-Progress and advanced functions give them.
        /// </summary>
        private bool ProgressWanted()
        {
            if (MyInvocation.BoundParameters.TryGetValue("ProgressAction", out object? bound))
            {
                if (bound is PSObject wrapped)
                {
                    bound = wrapped.BaseObject;
                }

                if (bound is ActionPreference action)
                {
                    return action != ActionPreference.SilentlyContinue && action != ActionPreference.Ignore;
                }
            }

            return !IsPreference("ProgressPreference", ActionPreference.SilentlyContinue)
                && !IsPreference("ProgressPreference", ActionPreference.Ignore);
        }

        /// <summary>Whether an error ends this command: -ErrorAction Stop, or $ErrorActionPreference Stop without -ErrorAction.</summary>
        private bool ErrorsStop()
        {
            if (MyInvocation.BoundParameters.TryGetValue("ErrorAction", out object? bound))
            {
                if (bound is PSObject wrapped)
                {
                    bound = wrapped.BaseObject;
                }

                return bound is ActionPreference action && action == ActionPreference.Stop;
            }

            return IsPreference("ErrorActionPreference", ActionPreference.Stop);
        }

        /// <summary>
        /// Resolves -Path (wildcards) or -LiteralPath to file-system paths. Not-found is reported only for
        /// a path without wildcards; other providers get their own error. Explicit is false for paths a
        /// wildcard matched, so callers can pass over directories quietly.
        /// </summary>
        protected IEnumerable<ResolvedPath> ResolvePaths(string[]? paths, bool literal)
        {
            foreach (string path in paths ?? Array.Empty<string>())
            {
                Collection<string> resolved;
                ProviderInfo provider;
                bool hasWildcards = !literal && WildcardPattern.ContainsWildcardCharacters(path);
                try
                {
                    if (literal)
                    {
                        resolved = new Collection<string> { SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _) };
                    }
                    else
                    {
                        // A path that leaves its drive's root (P:/../x) is refused here as with -LiteralPath: resolved
                        // with wildcards, it gave the drive's root itself (a probe: -Recurse copied the whole drive).
                        SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out _, out _);
                        resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider);
                    }
                }
                catch (ItemNotFoundException e)
                {
                    ReportMissing(path, hasWildcards, e);
                    continue;
                }
                catch (Exception e) when (e is PSArgumentException || e is ProviderInvocationException)
                {
                    // A path that leaves its drive's root (P:/../x on a drive made with New-PSDrive): PowerShell's
                    // provider refuses it; it names nothing there is (a probe: a raw "Argument" error id).
                    ReportMissing(path, hasWildcards, e);
                    continue;
                }
                catch (DriveNotFoundException e) when (literal && WorksOnLocalFilesOnly && Core.Operations.FileErrors.UrlKind(path) is null)
                {
                    // -LiteralPath already: the hint to use it would be no help.
                    WriteError(RecordedItemNotFoundException.Missing($"Cannot find the path '{path}' because it does not exist: {e.Message}", e, ErrorIdPrefix, NotFoundCondition, path));
                    continue;
                }
                catch (DriveNotFoundException e)
                {
                    if (WorksOnLocalFilesOnly && Core.Operations.FileErrors.UrlKind(path) is string url)
                    {
                        // PowerShell reads "s3:" as a drive: the user hears what the path is, not of a missing drive.
                        WriteError(new ErrorRecord(
                            new ArgumentException($"'{path}' is {url}; {MyInvocation.MyCommand.Name} works on local files only. Copy it to a local file first with Receive-StreamFile."),
                            ErrorIdPrefix + "NotFileSystemPath",
                            ErrorCategory.InvalidArgument,
                            path));
                        continue;
                    }

                    ReportMissing(path, pattern: false, e);
                    continue;
                }
                catch (ProviderNotFoundException e)
                {
                    ReportMissing(path, pattern: false, e);
                    continue;
                }

                if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                {
                    ReportNotFileSystem(path, $"'{path}' is a path of the {provider.Name} provider; {MyInvocation.MyCommand.Name} works on files only. Use a file-system path.");
                    continue;
                }

                if (resolved.Count == 0)
                {
                    // The provider returns nothing, without an exception, for a wildcard that matches nothing.
                    ReportMissing(path, hasWildcards, null);
                    continue;
                }

                foreach (string item in resolved)
                {
                    yield return new ResolvedPath(item, !hasWildcards);
                }
            }
        }

        /// <summary>
        /// A path that names nothing: by default an error for a path without wildcards and nothing for a wildcard
        /// that matched nothing, as Get-FileHash does. The transfer cmdlets hand both to their operation instead.
        /// </summary>
        protected virtual void ReportMissing(string path, bool pattern, Exception? cause)
        {
            if (!pattern)
            {
                WriteError(NotFound(path, cause));
            }
            else if (OutputFileNamed is string outFile)
            {
                // The one file the command writes would not appear, with no word why: a script would find it missing later.
                WriteError(RecordedItemNotFoundException.Missing(
                    $"No file matches '{path}', so nothing was written to '{outFile}'. Check the pattern, or use -LiteralPath if the name contains wildcard characters such as [ ].",
                    null,
                    ErrorIdPrefix,
                    NotFoundCondition,
                    path));
            }
        }

        /// <summary>A path of another provider (Env:, Variable:): an error here; the transfer cmdlets give a Failed result too.</summary>
        protected virtual void ReportNotFileSystem(string path, string message) =>
            WriteError(new ErrorRecord(new ArgumentException(message), ErrorIdPrefix + "NotFileSystemPath", ErrorCategory.InvalidArgument, path));

        /// <summary>False for the transfer cmdlets, which take URLs elsewhere and report a path that is not there in their own way.</summary>
        protected virtual bool WorksOnLocalFilesOnly => true;

        /// <summary>The -OutFile the input goes to, when the command has one: a wildcard that matches nothing is then an error.</summary>
        protected virtual string? OutputFileNamed => null;

        private ErrorRecord NotFound(string path, Exception? inner) =>
            RecordedItemNotFoundException.Missing(
                $"Cannot find the path '{path}' because it does not exist. Check the path, or use -LiteralPath if the name contains wildcard characters such as [ ].",
                inner,
                ErrorIdPrefix,
                NotFoundCondition,
                path);

        private bool IsPreference(string variable, ActionPreference value)
        {
            object? current = SessionState.PSVariable.GetValue(variable);
            if (current is PSObject wrapped)
            {
                current = wrapped.BaseObject;
            }

            return current switch
            {
                ActionPreference preference => preference == value,
                string text => Enum.TryParse(text, ignoreCase: true, out ActionPreference parsed) && parsed == value,
                _ => false,
            };
        }

        /// <summary>PowerShell disposes a cmdlet when its pipeline ends, also after a terminating error: stop the work.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
            if (disposing)
            {
                _cancellation.Cancel();
                _cancellation.Dispose();
            }
        }

        protected readonly struct ResolvedPath
        {
            public ResolvedPath(string path, bool isExplicit)
            {
                Path = path;
                IsExplicit = isExplicit;
            }

            public string Path { get; }

            public bool IsExplicit { get; }
        }
    }
}
