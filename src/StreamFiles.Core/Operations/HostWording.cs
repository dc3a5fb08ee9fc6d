using System.Text.RegularExpressions;

namespace StreamFiles.Core.Operations
{
    /// <summary>
    /// The engine's messages name a switch for both hosts, "-Force (--force)", since the engine does not know which one
    /// shows them. Each host keeps its own half: a shell user is told "--force", a PowerShell user "-Force".
    /// </summary>
    public static class HostWording
    {
        /// <summary>
        /// "-Name [value] (--name [value])" or "(CLI: --name [value])": a cmdlet parameter, then the CLI option in
        /// parentheses; "(-Credential, --user)" too; and a cmdlet with its CLI verb, "Send-StreamFile (streamfiles send)".
        /// </summary>
        private static readonly Regex BothHosts = new Regex(
            @"(?<cmdlet>-[A-Z][A-Za-z]+(?: [^\s()]+)?) \((?:CLI: )?(?<cli>--[a-z][a-z0-9-]*(?: [^\s()]+)?)\)|(?<=\()(?<cmdlet>-[A-Z][A-Za-z]+), (?<cli>--[a-z][a-z0-9-]*)(?=\))"
            + @"|(?<cmdlet>\b[A-Z][a-z]+-StreamFile) \((?<cli>streamfiles [a-z0-9]+)\)",
            RegexOptions.CultureInvariant);

        public static string ForCli(string message) =>
            string.IsNullOrEmpty(message) ? message : BothHosts.Replace(message, "${cli}");

        public static string ForPowerShell(string message) =>
            string.IsNullOrEmpty(message) ? message : BothHosts.Replace(message, "${cmdlet}");

        /// <summary>The same error, its message in PowerShell's words (the error itself when nothing changes).</summary>
        public static CommandError ForPowerShell(CommandError error)
        {
            string message = ForPowerShell(error.Message);
            return message == error.Message ? error : new CommandError(error.Condition, error.Category, error.Target, message, error.Exception);
        }

        /// <summary>
        /// The same result, its Error in PowerShell's words, as the error record written beside it (a probe: the
        /// record said "-Force", the result's .Error.Message "-Force (--force)").
        /// Its Error carries no exception either: the error record written beside it has that. The live exception (an
        /// SDK's, with its request, response and client) made `$result | ConvertTo-Json -Depth 10` of one failed upload
        /// run for minutes into gigabytes (a probe), where Get-FileHash's and Copy-Item's objects stay small.
        /// </summary>
        public static Transfers.TransferResult ForPowerShell(Transfers.TransferResult result)
        {
            if (result.Error is null)
            {
                return result;
            }

            CommandError error = ForPowerShell(result.Error);
            return result.WithError(new CommandError(error.Condition, error.Category, error.Target, error.Message));
        }
    }
}
