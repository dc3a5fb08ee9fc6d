using System;
using System.Text;

namespace StreamFiles.Core.Text
{
    /// <summary>
    /// A command argument as typed at a PowerShell prompt while it is being completed: its text without the
    /// quote it may have been opened with, and how a completion is written back so that PowerShell reads it as
    /// one argument with exactly that text. A pure text rule (no PowerShell types), so it lives here where
    /// xunit can test it; the cmdlets' argument completers use it.
    /// </summary>
    public readonly struct PowerShellWord
    {
        // PowerShell reads the typographic quotes as the ASCII ones, so they open, close and must be escaped alike.
        private const string SingleQuotes = "'\u2018\u2019\u201A\u201B";
        private const string DoubleQuotes = "\"\u201C\u201D\u201E";

        // Characters that end a bare argument or change its meaning (variables, escapes, statement and
        // pipeline separators, arrays, redirection, grouping); with any of them the completion is quoted.
        private const string Special = "`$;,|&<>(){}@#" + SingleQuotes + DoubleQuotes;

        private PowerShellWord(string text, char quote)
        {
            Text = text;
            Quote = quote;
        }

        /// <summary>What the argument says, quotes and escapes removed.</summary>
        public string Text { get; }

        /// <summary>The quote the word was opened with: '\'', '"', or '\0' for a bare word.</summary>
        public char Quote { get; }

        /// <summary>
        /// Reads what the user typed so far: "s3://b", "'s3://my b", "\"s3://b" (PowerShell passes the opening
        /// quote to completers, and the closing one too when the editor inserted it).
        /// </summary>
        public static PowerShellWord Parse(string? typed)
        {
            if (string.IsNullOrEmpty(typed))
            {
                return new PowerShellWord(string.Empty, '\0');
            }

            string word = typed!;
            if (SingleQuotes.IndexOf(word[0]) >= 0)
            {
                string body = word.Substring(1);
                if (body.Length > 0 && SingleQuotes.IndexOf(body[body.Length - 1]) >= 0 && !EndsInsideDoubledQuote(body))
                {
                    body = body.Substring(0, body.Length - 1);
                }

                return new PowerShellWord(UnescapeSingle(body), '\'');
            }

            if (DoubleQuotes.IndexOf(word[0]) >= 0)
            {
                string body = word.Substring(1);
                if (body.Length > 0 && DoubleQuotes.IndexOf(body[body.Length - 1]) >= 0 && !IsEscaped(body, body.Length - 1))
                {
                    body = body.Substring(0, body.Length - 1);
                }

                return new PowerShellWord(UnescapeDouble(body), '"');
            }

            return new PowerShellWord(word, '\0');
        }

        /// <summary>Whether the text can stand as a bare argument, unquoted.</summary>
        public static bool NeedsQuotes(string text)
        {
            if (text is null)
            {
                throw new ArgumentNullException(nameof(text));
            }

            if (text.Length == 0)
            {
                return true;
            }

            foreach (char c in text)
            {
                if (char.IsWhiteSpace(c) || char.IsControl(c) || Special.IndexOf(c) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// The completion text for a value: in the quotes the user opened, else single-quoted when it needs
        /// quoting, else bare.
        /// </summary>
        public string Write(string value)
        {
            if (value is null)
            {
                throw new ArgumentNullException(nameof(value));
            }

            if (Quote == '"')
            {
                return "\"" + EscapeDouble(value) + "\"";
            }

            if (Quote == '\'' || NeedsQuotes(value))
            {
                return "'" + EscapeSingle(value) + "'";
            }

            return value;
        }

        /// <summary>Single-quoted content: every single-quote character doubled.</summary>
        public static string EscapeSingle(string value)
        {
            var text = new StringBuilder(value.Length + 2);
            foreach (char c in value)
            {
                text.Append(c);
                if (SingleQuotes.IndexOf(c) >= 0)
                {
                    text.Append(c);
                }
            }

            return text.ToString();
        }

        /// <summary>Double-quoted content: backtick, dollar and double quotes escaped with a backtick.</summary>
        public static string EscapeDouble(string value)
        {
            var text = new StringBuilder(value.Length + 2);
            foreach (char c in value)
            {
                if (c == '`' || c == '$' || DoubleQuotes.IndexOf(c) >= 0)
                {
                    text.Append('`');
                }

                text.Append(c);
            }

            return text.ToString();
        }

        private static string UnescapeSingle(string body)
        {
            var text = new StringBuilder(body.Length);
            for (int i = 0; i < body.Length; i++)
            {
                text.Append(body[i]);
                if (SingleQuotes.IndexOf(body[i]) >= 0 && i + 1 < body.Length && SingleQuotes.IndexOf(body[i + 1]) >= 0)
                {
                    i++;
                }
            }

            return text.ToString();
        }

        private static string UnescapeDouble(string body)
        {
            var text = new StringBuilder(body.Length);
            for (int i = 0; i < body.Length; i++)
            {
                char c = body[i];
                if (c == '`' && i + 1 < body.Length)
                {
                    text.Append(body[++i]);
                    continue;
                }

                text.Append(c);
                if (DoubleQuotes.IndexOf(c) >= 0 && i + 1 < body.Length && DoubleQuotes.IndexOf(body[i + 1]) >= 0)
                {
                    i++;
                }
            }

            return text.ToString();
        }

        /// <summary>Whether the last quote of an opened single-quoted body is half of a doubled ('') quote rather than the closing one.</summary>
        private static bool EndsInsideDoubledQuote(string body)
        {
            int run = 0;
            for (int i = body.Length - 1; i >= 0 && SingleQuotes.IndexOf(body[i]) >= 0; i--)
            {
                run++;
            }

            // Pairs are escaped quotes; an odd run ends with the closing quote.
            return run % 2 == 0;
        }

        private static bool IsEscaped(string body, int index)
        {
            int backticks = 0;
            for (int i = index - 1; i >= 0 && body[i] == '`'; i--)
            {
                backticks++;
            }

            return backticks % 2 == 1;
        }
    }
}
