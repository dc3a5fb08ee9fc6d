using System;
using System.Collections.Generic;
using System.Text;

namespace StreamFiles.Core.Storage.Http
{
    /// <summary>
    /// Reads the file name a server suggests in Content-Disposition (RFC 6266): filename*=charset'lang'pct-encoded
    /// (RFC 8187/5987) wins over filename="quoted" or filename=token. The name comes back raw, exactly as
    /// the server sent it; DownloadFileName decides whether it is safe to use.
    /// </summary>
    public static class ContentDisposition
    {
        public static string? FileName(string? header)
        {
            if (string.IsNullOrWhiteSpace(header))
            {
                return null;
            }

            Dictionary<string, string> parameters = Parameters(header!);
            if (parameters.TryGetValue("filename*", out string? extended))
            {
                string? decoded = DecodeExtended(extended);
                if (!string.IsNullOrEmpty(decoded))
                {
                    return decoded;
                }
            }

            // An empty name (filename="") suggests nothing: the URL's own name is used, as with no header.
            return parameters.TryGetValue("filename", out string? plain) && plain.Length > 0 ? plain : null;
        }

        private static Dictionary<string, string> Parameters(string header)
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            int i = header.IndexOf(';');
            while (i >= 0 && i < header.Length)
            {
                i++; // past ';'
                while (i < header.Length && (header[i] == ' ' || header[i] == '\t'))
                {
                    i++;
                }

                int equals = header.IndexOf('=', i);
                if (equals < 0)
                {
                    break;
                }

                string name = header.Substring(i, equals - i).Trim();
                i = equals + 1;
                while (i < header.Length && (header[i] == ' ' || header[i] == '\t'))
                {
                    i++;
                }

                string value;
                if (i < header.Length && header[i] == '"')
                {
                    var text = new StringBuilder();
                    i++;
                    while (i < header.Length && header[i] != '"')
                    {
                        if (header[i] == '\\' && i + 1 < header.Length)
                        {
                            i++;
                        }

                        text.Append(header[i]);
                        i++;
                    }

                    value = text.ToString();
                    i = header.IndexOf(';', Math.Min(i + 1, header.Length));
                }
                else
                {
                    int end = header.IndexOf(';', i);
                    value = (end < 0 ? header.Substring(i) : header.Substring(i, end - i)).Trim();
                    i = end;
                }

                // The first occurrence counts; a second filename is a sign of a confused or hostile server.
                if (name.Length > 0 && !result.ContainsKey(name))
                {
                    result[name] = value;
                }
            }

            return result;
        }

        /// <summary>charset'language'percent-encoded, with UTF-8 or ISO-8859-1 as RFC 8187 allows; null when malformed.</summary>
        private static string? DecodeExtended(string value)
        {
            int first = value.IndexOf('\'');
            int second = first < 0 ? -1 : value.IndexOf('\'', first + 1);
            if (second < 0)
            {
                return null;
            }

            string charset = value.Substring(0, first);
            Encoding encoding;
            if (charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase))
            {
                encoding = new UTF8Encoding(false, throwOnInvalidBytes: true);
            }
            else if (charset.Equals("ISO-8859-1", StringComparison.OrdinalIgnoreCase))
            {
                encoding = Encoding.GetEncoding("ISO-8859-1");
            }
            else
            {
                return null;
            }

            string encoded = value.Substring(second + 1);
            var bytes = new List<byte>(encoded.Length);
            for (int i = 0; i < encoded.Length; i++)
            {
                char c = encoded[i];
                if (c == '%')
                {
                    if (i + 2 >= encoded.Length || !IsHex(encoded[i + 1]) || !IsHex(encoded[i + 2]))
                    {
                        return null;
                    }

                    bytes.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
                    i += 2;
                }
                else if (c > ' ' && c < 127)
                {
                    bytes.Add((byte)c);
                }
                else
                {
                    return null;
                }
            }

            try
            {
                return encoding.GetString(bytes.ToArray());
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }

        private static bool IsHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
