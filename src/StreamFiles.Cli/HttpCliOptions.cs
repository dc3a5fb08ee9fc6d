using System;
using System.Collections.Generic;
using System.CommandLine;
using StreamFiles.Core.Storage.Http;

namespace StreamFiles.Cli
{
    /// <summary>
    /// The HTTP(S) options of `streamfiles send` and `streamfiles receive`: extra headers, Basic credentials,
    /// and (send) the Content-Type and upload checksum of a PUT. They turn into one HttpSettings.
    /// </summary>
    internal sealed class HttpCliOptions
    {
        /// <summary>Where --user NAME finds the password, so it never has to be on the command line.</summary>
        public const string PasswordVariable = "STREAMFILES_HTTP_PASSWORD";

        private readonly Option<string[]> _headers = new Option<string[]>("--header", "-H")
        {
            Description = "An extra HTTP request header, 'Name: value' (repeatable), e.g. 'Authorization: Bearer TOKEN'. Never shown in output.",
            HelpName = "HEADER",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };

        private readonly Option<string?> _user = new Option<string?>("--user", "-u")
        {
            Description = $"HTTP Basic authentication over HTTPS only: NAME, with the password in ${PasswordVariable}, or NAME:PASSWORD.",
            HelpName = "NAME[:PASSWORD]",
        };

        private readonly Option<string?> _contentType = new Option<string?>("--content-type")
        {
            Description = "Content-Type of the uploaded objects: for an HTTP(S) URL (default application/octet-stream; none for a Signature Version 2 presigned URL) or S3 (default from the name's extension).",
            HelpName = "TYPE",
        };

        private readonly Option<string?> _uploadChecksum = new Option<string?>("--upload-checksum")
        {
            Description = "Send an HTTP(S) upload with Content-MD5 (md5) or x-amz-checksum-sha256 (sha256), computed in a pre-pass, so the server refuses damaged bytes.",
            HelpName = "md5|sha256",
        };

        private readonly bool _send;

        public HttpCliOptions(bool send) => _send = send;

        public void AddTo(Command command)
        {
            command.Options.Add(_headers);
            command.Options.Add(_user);
            if (_send)
            {
                command.Options.Add(_contentType);
                command.Options.Add(_uploadChecksum);
            }
        }

        /// <summary>The settings the options ask for; a CliUsageException names a malformed one.</summary>
        public HttpSettings Settings(ParseResult parse, Func<string, string?> environment)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string text in parse.GetValue(_headers) ?? Array.Empty<string>())
            {
                KeyValuePair<string, string> header;
                try
                {
                    header = HttpSettings.ParseHeader(text);
                }
                catch (ArgumentException e)
                {
                    throw new CliUsageException("--header: " + Plain(e), InvalidHttpOption);
                }

                headers[header.Key] = header.Value;
            }

            HttpCredential? credential = null;
            string? user = parse.GetValue(_user);
            if (user != null)
            {
                int colon = user.IndexOf(':');
                string name = colon < 0 ? user : user.Substring(0, colon);
                string? password = colon < 0 ? environment(PasswordVariable) : user.Substring(colon + 1);
                if (password is null)
                {
                    throw new CliUsageException($"--user {name}: no password. Set {PasswordVariable}, or write --user {name}:PASSWORD (which other users of this machine may see in the process list).", InvalidHttpOption);
                }

                try
                {
                    credential = new HttpCredential(name, password);
                }
                catch (ArgumentException e)
                {
                    throw new CliUsageException("--user: " + Plain(e), InvalidHttpOption);
                }
            }

            UploadChecksum checksum = (parse.GetValue(_uploadChecksum) ?? "none").ToLowerInvariant() switch
            {
                "none" => UploadChecksum.None,
                "md5" => UploadChecksum.Md5,
                "sha256" => UploadChecksum.Sha256,
                string other => throw new CliUsageException($"--upload-checksum '{other}' is not known. Use md5 or sha256."),
            };

            try
            {
                return new HttpSettings(headers: headers, credential: credential, contentType: parse.GetValue(_contentType), uploadChecksum: checksum);
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(Plain(e), InvalidHttpOption);
            }
        }

        /// <summary>The condition the cmdlets give a header or credential they cannot use (about_StreamFiles_Http).</summary>
        private const string InvalidHttpOption = "InvalidHttpOption";

        private static string Plain(ArgumentException e) => Core.Operations.HostWording.ForCli(e.Message.Split(new[] { " (Parameter" }, StringSplitOptions.None)[0]);
    }
}
