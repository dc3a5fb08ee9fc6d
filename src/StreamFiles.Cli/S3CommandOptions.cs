using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.S3;

namespace StreamFiles.Cli
{
    /// <summary>
    /// The S3 connection options of `streamfiles send` and `receive`, with the names the aws cli uses: --profile,
    /// --region, --endpoint-url, plus --path-style, --checksum-mode and --part-checksum. Anything left out comes from
    /// the standard AWS chain (environment, ~/.aws files, instance and container roles; AWS_ENDPOINT_URL_S3 and
    /// AWS_ENDPOINT_URL for the endpoint).
    /// </summary>
    internal sealed class S3CommandOptions
    {
        public Option<string?> Profile { get; } = new Option<string?>("--profile")
        {
            Description = "AWS profile of the shared config and credentials files (default: AWS_PROFILE, else the default chain).",
            HelpName = "NAME",
        };

        public Option<string?> Region { get; } = new Option<string?>("--region")
        {
            Description = "Region to sign S3 requests for (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, else us-east-1).",
            HelpName = "REGION",
        };

        public Option<string?> EndpointUrl { get; } = new Option<string?>("--endpoint-url")
        {
            Description = "S3-compatible endpoint (MinIO, R2, Ceph RGW, …) (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url, else Amazon S3).",
            HelpName = "URL",
        };

        public Option<bool> PathStyle { get; } = new Option<bool>("--path-style")
        {
            Description = "Address buckets as https://host/bucket/key rather than https://bucket.host/key (always so for IP addresses and localhost).",
        };

        public Option<string> ChecksumMode { get; } = new Option<string>("--checksum-mode")
        {
            Description = "auto: checksums as plain headers, accepted by every S3 store; when-required: no x-amz-checksum-* headers; when-supported: the AWS SDK's trailing checksums (Amazon S3 only).",
            DefaultValueFactory = _ => "auto",
            HelpName = "MODE",
        };

        public Option<string> PartChecksum { get; } = new Option<string>("--part-checksum")
        {
            Description = "Checksum each uploaded part carries: crc32c or sha256.",
            DefaultValueFactory = _ => "crc32c",
            HelpName = "ALG",
        };

        public IEnumerable<Option> All => new Option[] { Profile, Region, EndpointUrl, PathStyle, ChecksumMode, PartChecksum };

        public void AddTo(Command command)
        {
            foreach (Option option in All)
            {
                command.Options.Add(option);
            }
        }

        /// <summary>Adds S3, with the connection these options describe, to the backends of a transfer.</summary>
        public StorageRegistry RegisterInto(StorageRegistry registry, ParseResult parse, string? contentType = null)
        {
            S3ChecksumMode mode = ParseChecksumMode(parse.GetValue(ChecksumMode));
            ChecksumAlgorithm partChecksum = ParsePartChecksum(parse.GetValue(PartChecksum));
            S3Connection connection;
            try
            {
                connection = new S3Connection(
                    profileName: parse.GetValue(Profile),
                    region: parse.GetValue(Region),
                    endpointUrl: parse.GetValue(EndpointUrl),
                    forcePathStyle: parse.GetValue(PathStyle),
                    checksumMode: mode);
            }
            catch (ArgumentException e)
            {
                bool region = e.ParamName == "region";
                throw new CliUsageException((region ? "--region: " : "--endpoint-url: ") + e.Message.Split(new[] { " (Parameter" }, StringSplitOptions.None)[0], region ? "InvalidRegion" : "InvalidEndpointUrl");
            }

            try
            {
                return registry.RegisterS3(connection, partChecksum, contentType: contentType);
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException("--content-type: " + e.Message.Split(new[] { " (Parameter" }, StringSplitOptions.None)[0]);
            }
        }

        internal static S3ChecksumMode ParseChecksumMode(string? text)
        {
            switch ((text ?? "auto").Trim().ToLowerInvariant())
            {
                case "auto":
                    return S3ChecksumMode.Auto;
                case "when-required":
                case "whenrequired":
                    return S3ChecksumMode.WhenRequired;
                case "when-supported":
                case "whensupported":
                    return S3ChecksumMode.WhenSupported;
                default:
                    throw new CliUsageException($"--checksum-mode '{text}' is not a mode. Use auto, when-required or when-supported.");
            }
        }

        internal static ChecksumAlgorithm ParsePartChecksum(string? text)
        {
            if (ChecksumAlgorithms.TryParse(text, out ChecksumAlgorithm algorithm) && (algorithm == ChecksumAlgorithm.CRC32C || algorithm == ChecksumAlgorithm.SHA256))
            {
                return algorithm;
            }

            throw new CliUsageException($"--part-checksum '{text}' is not a part checksum. Use crc32c or sha256.");
        }
    }
}
