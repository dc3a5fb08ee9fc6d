using System;
using System.Net.Http.Headers;
using System.Text;

namespace StreamFiles.Core.Storage.Http
{
    /// <summary>A user name and password for HTTP Basic authentication. ToString never shows the password.</summary>
    public sealed class HttpCredential
    {
        public HttpCredential(string userName, string password)
        {
            if (string.IsNullOrEmpty(userName) || userName.IndexOf(':') >= 0)
            {
                throw new ArgumentException("A user name is required and cannot contain ':'.", nameof(userName));
            }

            UserName = userName;
            Password = password ?? throw new ArgumentNullException(nameof(password));
        }

        public string UserName { get; }

        public string Password { get; }

        internal AuthenticationHeaderValue ToBasicHeader() =>
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(UserName + ":" + Password)));

        public override string ToString() => UserName;
    }
}
