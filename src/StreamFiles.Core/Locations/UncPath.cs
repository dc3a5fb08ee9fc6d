using System;
using System.Collections.Generic;
using System.Text;

namespace StreamFiles.Core.Locations
{
    /// <summary>
    /// A Windows share path (\\server\share\dir\file), parsed and normalised the same way on every OS so the
    /// rules can be tested anywhere: both separators accepted, "." and ".." resolved without ever climbing
    /// above the share, repeated separators collapsed, the \\?\UNC\ long-path form understood.
    /// </summary>
    public sealed class UncPath
    {
        private const string LongPrefix = @"\\?\UNC\";

        private UncPath(string server, string share, IReadOnlyList<string> segments, bool trailingSeparator)
        {
            Server = server;
            Share = share;
            Segments = segments;
            HasTrailingSeparator = trailingSeparator;
        }

        public string Server { get; }

        public string Share { get; }

        /// <summary>The directories and file below the share, already normalised.</summary>
        public IReadOnlyList<string> Segments { get; }

        public bool HasTrailingSeparator { get; }

        /// <summary>\\server\share\a\b, the form Windows APIs take.</summary>
        public override string ToString()
        {
            var text = new StringBuilder(@"\\").Append(Server).Append('\\').Append(Share);
            foreach (string segment in Segments)
            {
                text.Append('\\').Append(segment);
            }

            if (HasTrailingSeparator || Segments.Count == 0)
            {
                text.Append('\\');
            }

            return text.ToString();
        }

        /// <summary>Whether the text is written as a UNC path (two leading separators, or the long form).</summary>
        public static bool LooksLikeUnc(string text, bool forwardSlashes)
        {
            if (text.StartsWith(LongPrefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (text.StartsWith(@"\\?\", StringComparison.Ordinal) || text.StartsWith(@"\\.\", StringComparison.Ordinal))
            {
                return false; // a long local path or a device, not a share
            }

            return text.Length >= 2
                && (text.StartsWith(@"\\", StringComparison.Ordinal) || (forwardSlashes && IsSeparator(text[0]) && IsSeparator(text[1])));
        }

        /// <summary>Parses a UNC path; on failure, problem says what is wrong in words a user can act on.</summary>
        public static bool TryParse(string text, out UncPath? path, out string? problem)
        {
            path = null;
            problem = null;
            string rest;
            if (text.StartsWith(LongPrefix, StringComparison.OrdinalIgnoreCase))
            {
                rest = text.Substring(LongPrefix.Length);
            }
            else if (text.Length >= 2 && IsSeparator(text[0]) && IsSeparator(text[1]))
            {
                rest = text.Substring(2);
            }
            else
            {
                problem = "a UNC path starts with two backslashes";
                return false;
            }

            string[] parts = rest.Split('\\', '/');
            var names = new List<string>();
            foreach (string part in parts)
            {
                if (part.Length > 0)
                {
                    names.Add(part);
                }
            }

            if (names.Count < 2 || parts[0].Length == 0)
            {
                problem = @"a UNC path names a server and a share, as in \\server\share\folder\file";
                return false;
            }

            string server = names[0];
            string share = names[1];
            if (server == "." || server == ".." || share == "." || share == ".." || ContainsInvalid(server) || ContainsInvalid(share))
            {
                problem = $"'{server}' and '{share}' must be a server name and a share name";
                return false;
            }

            var segments = new List<string>();
            for (int i = 2; i < names.Count; i++)
            {
                string name = names[i];
                if (name == ".")
                {
                    continue;
                }

                if (name == "..")
                {
                    // Windows resolves ".." lexically and never above the share root.
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }

                    continue;
                }

                if (ContainsInvalid(name))
                {
                    problem = $"'{name}' contains a character Windows does not allow in file names";
                    return false;
                }

                segments.Add(name);
            }

            bool trailing = IsSeparator(text[text.Length - 1]);
            path = new UncPath(server, share, segments, trailing);
            return true;
        }

        private static bool IsSeparator(char c) => c == '\\' || c == '/';

        private static bool ContainsInvalid(string name)
        {
            foreach (char c in name)
            {
                if (c < 32 || c == '<' || c == '>' || c == ':' || c == '"' || c == '|' || c == '?' || c == '*')
                {
                    return true;
                }
            }

            return false;
        }
    }
}
