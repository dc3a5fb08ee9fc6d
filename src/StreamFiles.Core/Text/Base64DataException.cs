using System;
using System.Globalization;

namespace StreamFiles.Core.Text
{
    /// <summary>What is wrong with base64 text at the offset a <see cref="Base64DataException"/> names.</summary>
    public enum Base64Problem
    {
        /// <summary>A character outside the alphabet (or of the other alphabet).</summary>
        InvalidCharacter,

        /// <summary>'=' where padding cannot be: the first or second character of a 4-character group.</summary>
        MisplacedPadding,

        /// <summary>Text after the '=' padding that ends the data.</summary>
        DataAfterPadding,

        /// <summary>The text ends inside a 4-character group (cut short, or missing its padding).</summary>
        Truncated,
    }

    /// <summary>
    /// Base64 text that cannot be decoded, with the offset of the first byte that makes it so (for
    /// <see cref="Base64Problem.Truncated"/>, the length of the text). Offsets count bytes of the input
    /// as given to the decoder; hosts translate them to positions their users know.
    /// </summary>
    public sealed class Base64DataException : FormatException
    {
        public Base64DataException(Base64Problem problem, long offset, int? character, bool urlSafe, bool characterIsText = false)
            : base(Describe(problem, offset, character, urlSafe, characterIsText))
        {
            Problem = problem;
            Offset = offset;
            Character = character;
            UrlSafe = urlSafe;
            CharacterIsText = characterIsText;
        }

        public Base64Problem Problem { get; }

        /// <summary>Offset of the first bad byte (for Truncated: the end of the text).</summary>
        public long Offset { get; }

        /// <summary>The offending character (a byte value, or a UTF-16 code unit for text), or null at the end.</summary>
        public int? Character { get; }

        public bool UrlSafe { get; }

        /// <summary>Whether <see cref="Character"/> is a UTF-16 code unit of a string rather than a byte.</summary>
        public bool CharacterIsText { get; }

        /// <summary>What is wrong, without the offset: "invalid character '*' (0x2A)".</summary>
        public string Reason => DescribeProblem(Problem, Character, UrlSafe, CharacterIsText);

        /// <summary>The same problem at another offset or character: for inputs that were transcoded on the way.</summary>
        public Base64DataException Relocate(long offset, int? character, bool characterIsText = false) =>
            new Base64DataException(Problem, offset, character, UrlSafe, characterIsText);

        private static string Describe(Base64Problem problem, long offset, int? character, bool urlSafe, bool characterIsText) =>
            DescribeProblem(problem, character, urlSafe, characterIsText) + " at offset " + offset.ToString(CultureInfo.InvariantCulture);

        private static string DescribeProblem(Base64Problem problem, int? character, bool urlSafe, bool characterIsText)
        {
            switch (problem)
            {
                case Base64Problem.InvalidCharacter:
                    string hint = urlSafe && (character == '+' || character == '/')
                        ? " (is it standard base64? then decode it without the URL-safe option)"
                        : !urlSafe && (character == '-' || character == '_')
                            ? " (is it URL-safe base64? then decode it with the URL-safe option)"
                            : string.Empty;
                    return "invalid character " + Show(character, characterIsText) + (urlSafe ? " for URL-safe base64" : string.Empty) + hint;
                case Base64Problem.MisplacedPadding:
                    return "padding '=' in the first half of a 4-character group";
                case Base64Problem.DataAfterPadding:
                    return "text " + Show(character, characterIsText) + " after the '=' padding that ends the data (are two base64 texts joined together?)";
                case Base64Problem.Truncated:
                    return urlSafe
                        ? "the text ends with a single character of a group (it is cut short)"
                        : "the text ends inside a 4-character group (it is cut short, or lacks its '=' padding)";
                default:
                    return problem.ToString();
            }
        }

        private static string Show(int? character, bool isText)
        {
            if (!character.HasValue)
            {
                return "(end of text)";
            }

            int c = character.Value;
            string code = isText || c > 0xFF ? "U+" + c.ToString("X4", CultureInfo.InvariantCulture) : "0x" + c.ToString("X2", CultureInfo.InvariantCulture);
            bool printable = (c >= 0x21 && c <= 0x7E) || (isText && c >= 0xA1 && !char.IsControl((char)c) && !char.IsSurrogate((char)c) && !char.IsWhiteSpace((char)c));
            return printable ? "'" + (char)c + "' (" + code + ")" : code;
        }
    }
}
