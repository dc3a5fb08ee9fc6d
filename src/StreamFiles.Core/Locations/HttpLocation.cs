using System;
using System.Linq;
using StreamFiles.Core.Storage.Http;

namespace StreamFiles.Core.Locations
{
    /// <summary>An HTTP or HTTPS URL. Display never shows its query string or user information.</summary>
    public sealed class HttpLocation : Location
    {
        private readonly string? _suggestedName;

        public HttpLocation(Uri uri)
            : this(uri, null)
        {
        }

        /// <param name="suggestedName">The file name the server suggested (Content-Disposition), as it sent it.</param>
        public HttpLocation(Uri uri, string? suggestedName)
        {
            Uri = uri ?? throw new ArgumentNullException(nameof(uri));
            _suggestedName = suggestedName;
        }

        public override LocationKind Kind => LocationKind.Http;

        /// <summary>The full URL, query and credentials included: for requests only, never for display.</summary>
        public Uri Uri { get; }

        public override bool IsContainer => Uri.AbsolutePath.EndsWith("/", StringComparison.Ordinal);

        public override string Display => UriRedaction.Redact(Uri);

        /// <summary>
        /// The file name to save it under in a directory: the server's Content-Disposition name when a stat saw
        /// one, else the last segment of the path, made safe by DownloadFileName (directory parts dropped). A
        /// name that cannot be made safe throws LocationFormatException (UnsafeFileName) rather than guessing.
        /// </summary>
        public override string Name => DownloadFileName.Choose(_suggestedName ?? DownloadFileName.FromUrl(Uri), Display, fromServer: _suggestedName != null || Uri.AbsolutePath.EndsWith("/", StringComparison.Ordinal));

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
