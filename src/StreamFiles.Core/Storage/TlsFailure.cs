using System;
using System.Security.Authentication;

namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// A connection that failed in its TLS handshake, for HTTP and S3 alike: either the server's certificate was
    /// refused, or no handshake came about at all, as when an https:// URL names a port where the server speaks plain
    /// HTTP (a probe: that was told to install a CA, with .NET's "Cannot determine the frame size" in brackets).
    /// </summary>
    internal static class TlsFailure
    {
        public static bool Is(Exception exception) => Find(exception) != null;

        /// <summary>Whether the server's certificate was what was refused (.NET names it in the message).</summary>
        public static bool CertificateRefused(Exception exception) =>
            Find(exception) is AuthenticationException found && found.Message.IndexOf("certificate", StringComparison.OrdinalIgnoreCase) >= 0;

        private static AuthenticationException? Find(Exception exception)
        {
            for (Exception? e = exception; e != null; e = e.InnerException)
            {
                if (e is AuthenticationException authentication)
                {
                    return authentication;
                }
            }

            return null;
        }
    }
}
