using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace StreamFiles.PowerShell
{
    /// <summary>
    /// Path completion for parameters taken literally (-Destination, -OutFile). PowerShell's own completion, which
    /// such a parameter would otherwise get, escapes '[', ']', '*' and '?' with backticks as for a wildcard -Path:
    /// accepting './d`[x`]' then named a new file of that name instead of the directory d[x].
    /// </summary>
    public sealed class LiteralPathCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult>? CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Complete(wordToComplete);

        /// <summary>PowerShell's path completions without their wildcard escapes; null when there are none, so its fallback still runs.</summary>
        internal static IEnumerable<CompletionResult>? Complete(string wordToComplete)
        {
            var results = new List<CompletionResult>();
            try
            {
                foreach (CompletionResult path in CompletionCompleters.CompleteFilename(wordToComplete))
                {
                    results.Add(new CompletionResult(WithoutWildcardEscapes(path.CompletionText), path.ListItemText, path.ResultType, path.ToolTip));
                }
            }
            catch (Exception)
            {
                return null; // no runspace to complete in: PowerShell's own completion instead
            }

            return results.Count == 0 ? null : results;
        }

        /// <summary>Removes the backticks that escape wildcard characters (doubled inside double quotes, where one alone is PowerShell's own escape).</summary>
        internal static string WithoutWildcardEscapes(string completionText)
        {
            string escape = completionText.StartsWith("\"", StringComparison.Ordinal) ? "``" : "`";
            foreach (string special in new[] { "[", "]", "*", "?" })
            {
                completionText = completionText.Replace(escape + special, special);
            }

            return completionText;
        }
    }
}
