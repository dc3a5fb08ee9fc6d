using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using StreamFiles.Core.Storage.S3;
using StreamFiles.Core.Text;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// Tab completion of s3:// words (Send-StreamFile -Destination, Receive-StreamFile -Source): bucket names, then
    /// prefixes and keys, listed with the connection the command line names so far (-ProfileName, -Region,
    /// -EndpointUrl, -ForcePathStyle, else the standard chain). Any other word gets null: PowerShell falls back to
    /// its own (path) completion only when a completer returns null, not an empty list. An s3:// word that cannot be
    /// listed (no credentials, no network, a malformed -EndpointUrl) gets an empty list: quietly nothing.
    /// </summary>
    public sealed class S3LocationCompleter : IArgumentCompleter
    {
        private static readonly CompletionResult[] Nothing = new CompletionResult[0];

        public IEnumerable<CompletionResult>? CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            PowerShellWord word = PowerShellWord.Parse(wordToComplete);
            if (!S3Completion.IsS3Word(word.Text))
            {
                return string.Equals(parameterName, "Destination", StringComparison.OrdinalIgnoreCase) ? LiteralPathCompleter.Complete(wordToComplete) : null;
            }

            try
            {
                IDictionary? defaults = DefaultParameterValues();
                var connection = new S3Connection(
                    Text(fakeBoundParameters, "ProfileName") ?? DefaultText(defaults, commandName, "ProfileName"),
                    Text(fakeBoundParameters, "Region") ?? DefaultText(defaults, commandName, "Region"),
                    Text(fakeBoundParameters, "EndpointUrl") ?? DefaultText(defaults, commandName, "EndpointUrl"),
                    IsSet(fakeBoundParameters, "ForcePathStyle") || DefaultIsSet(defaults, commandName, "ForcePathStyle"));
                var results = new List<CompletionResult>();
                foreach (string location in S3Completion.Shared.Complete(word.Text, connection))
                {
                    results.Add(new CompletionResult(word.Write(location), location, CompletionResultType.ParameterValue, location));
                }

                return results;
            }
            catch (Exception)
            {
                // A malformed -EndpointUrl or anything else: completion stays silent; the command itself reports it.
                return Nothing;
            }
        }

        /// <summary>
        /// The session's $PSDefaultParameterValues: the command will take -EndpointUrl and the rest from it when they are
        /// not typed (an admin's $PROFILE sets 'Send-StreamFile:EndpointUrl'), so completion lists the same store. Null
        /// when it cannot be read.
        /// </summary>
        private static IDictionary? DefaultParameterValues()
        {
            try
            {
                using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
                shell.AddScript("$PSDefaultParameterValues");
                foreach (PSObject value in shell.Invoke())
                {
                    if (value?.BaseObject is IDictionary table)
                    {
                        return table;
                    }
                }
            }
            catch (Exception)
            {
                // No runspace here, or one that is busy: no defaults.
            }

            return null;
        }

        /// <summary>A default for this command and parameter ('Send-StreamFile:EndpointUrl', '*-StreamFile:EndpointUrl', '*:Region'), as text.</summary>
        private static object? FindDefault(IDictionary? defaults, string commandName, string name)
        {
            if (defaults is null || (Find(defaults, "Disabled") is object disabled && LanguagePrimitives.IsTrue(disabled)))
            {
                return null;
            }

            // As PowerShell binds them: several keys that match with different values are all ignored.
            object? found = null;
            foreach (DictionaryEntry entry in defaults)
            {
                if (!(entry.Key is string key) || key.IndexOf(':') <= 0)
                {
                    continue;
                }

                string command = key.Substring(0, key.IndexOf(':')).Trim();
                string parameter = key.Substring(key.IndexOf(':') + 1).Trim();
                if (WildcardPattern.Get(command, WildcardOptions.IgnoreCase).IsMatch(commandName)
                    && WildcardPattern.Get(parameter, WildcardOptions.IgnoreCase).IsMatch(name))
                {
                    object? value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
                    if (found != null && !Equals(found, value))
                    {
                        return null;
                    }

                    found = value;
                }
            }

            return found;
        }

        private static string? DefaultText(IDictionary? defaults, string commandName, string name) =>
            FindDefault(defaults, commandName, name) is string text && !string.IsNullOrWhiteSpace(text) ? text : null;

        private static bool DefaultIsSet(IDictionary? defaults, string commandName, string name)
        {
            object? value = FindDefault(defaults, commandName, name);
            return value != null && !(value is ScriptBlock) && LanguagePrimitives.IsTrue(value);
        }

        /// <summary>A parameter already on the command line, as text; null when absent or not a plain value.</summary>
        private static string? Text(IDictionary? bound, string name)
        {
            object? value = Find(bound, name);
            if (value is PSObject wrapped)
            {
                value = wrapped.BaseObject;
            }

            return value is string text && !string.IsNullOrWhiteSpace(text) ? text : null;
        }

        private static bool IsSet(IDictionary? bound, string name)
        {
            object? value = Find(bound, name);
            return value != null && LanguagePrimitives.IsTrue(value);
        }

        private static object? Find(IDictionary? bound, string name)
        {
            if (bound is null)
            {
                return null;
            }

            foreach (DictionaryEntry entry in bound)
            {
                if (string.Equals(entry.Key as string, name, StringComparison.OrdinalIgnoreCase))
                {
                    return entry.Value;
                }
            }

            return null;
        }
    }
}
