using System;

namespace StreamFiles.Core.Locations
{
    /// <summary>
    /// Makes URIs safe to show: query strings (signatures, tokens), fragments and user information
    /// (passwords) are dropped, scheme, host, port and path are kept. Everything displayed — progress,
    /// errors, results, verbose text — goes through here.
    /// </summary>
    public static class UriRedaction
    {
        public static string Redact(Uri uri)
        {
            if (uri is null)
            {
                throw new ArgumentNullException(nameof(uri));
            }

            if (!uri.IsAbsoluteUri)
            {
                return StripQuery(uri.OriginalString);
            }

            // SchemeAndServer leaves out user information; the default port is left out as well.
            return uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        }

        /// <summary>Redacts text that may be a URI; anything else (a path) comes back unchanged.</summary>
        public static string RedactText(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return string.Empty;
            }

            int colon = text!.IndexOf(':');
            if (colon < 2 || !IsSchemeName(text.Substring(0, colon)))
            {
                return text; // a path (a drive letter is one character)
            }

            int scheme = text.IndexOf("://", StringComparison.Ordinal);
            if (scheme != colon)
            {
                return StripQuery(text); // "s3:/bucket?x": malformed, still redacted
            }

            if (Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return Redact(uri);
            }

            // Not a URI we understand: still never show what could be credentials or a signature.
            string stripped = StripQuery(text);
            int at = stripped.IndexOf('@');
            int pathStart = stripped.IndexOf('/', scheme + 3);
            if (at > scheme && (pathStart < 0 || at < pathStart))
            {
                stripped = stripped.Substring(0, scheme + 3) + stripped.Substring(at + 1);
            }

            return stripped;
        }

        private static bool IsSchemeName(string name)
        {
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                if (!(letter || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))))
                {
                    return false;
                }
            }

            return true;
        }

        private static string StripQuery(string text)
        {
            int cut = text.IndexOfAny(new[] { '?', '#' });
            return cut < 0 ? text : text.Substring(0, cut);
        }
    }
}
