using System;
using System.Linq;

namespace StreamFiles.Core.Locations
{
    /// <summary>An HTTP or HTTPS URL. Display never shows its query string or user information.</summary>
    public sealed class HttpLocation : Location
    {
        public HttpLocation(Uri uri)
        {
            Uri = uri ?? throw new ArgumentNullException(nameof(uri));
        }

        public override LocationKind Kind => LocationKind.Http;

        /// <summary>The full URL, query and credentials included: for requests only, never for display.</summary>
        public Uri Uri { get; }

        public override bool IsContainer => Uri.AbsolutePath.EndsWith("/", StringComparison.Ordinal);

        public override string Display => UriRedaction.Redact(Uri);

        public override string Name
        {
            get
            {
                string path = Uri.AbsolutePath.TrimEnd('/');
                return Uri.UnescapeDataString(path.Substring(path.LastIndexOf('/') + 1));
            }
        }

        public override Location Child(string relativePath)
        {
            if (relativePath is null)
            {
                throw new ArgumentNullException(nameof(relativePath));
            }

            string[] names = relativePath.Split('/');
            if (relativePath.Length == 0 || names.Any(n => n.Length == 0 || n == "." || n == ".."))
            {
                throw Unsafe(this, relativePath, "it is empty or climbs with '.' or '..'");
            }

            var builder = new UriBuilder(Uri);
            string basePath = builder.Path.EndsWith("/", StringComparison.Ordinal) ? builder.Path : builder.Path + "/";
            builder.Path = basePath + string.Join("/", names.Select(Uri.EscapeDataString));
            return new HttpLocation(builder.Uri);
        }

        internal static Location ParseUri(string text)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || string.IsNullOrEmpty(uri.Host))
            {
                throw LocationFormatException.Invalid(text, "it is not a valid URL", "Write http(s)://host/path, with any special characters percent-encoded.");
            }

            return new HttpLocation(uri);
        }
    }
}
