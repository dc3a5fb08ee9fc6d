using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using StreamFiles.Core;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Storage;
using StreamFiles.Core.Storage.Http;
using StreamFiles.Core.Transfers;

namespace StreamFiles.Cli
{
    /// <summary>`streamfiles send` and `streamfiles receive`: the command-line face of TransferOperation.</summary>
    internal static class TransferCommand
    {
        public static Command Create(TransferDirection direction, Func<CliContext> context)
        {
            bool send = direction == TransferDirection.Send;
            var throttle = new Option<int>("--throttle-limit")
            {
                Description = "Files transferred at once (1-1024).",
                HelpName = "N",
                DefaultValueFactory = _ => TransferOptions.DefaultThrottleLimit,
            };
            var concurrency = new Option<int>("--concurrency")
            {
                Description = "Parts of one file in flight at once (1-64).",
                HelpName = "N",
                DefaultValueFactory = _ => TransferOptions.DefaultConcurrency,
            };
            var partSize = new Option<string?>("--part-size")
            {
                Description = "Part size, 64KiB to 5GiB (default 8MiB, grown so a file needs at most 10,000 parts" + (send ? "; an S3 upload raises it to 5MiB at least)." : ")."),
                HelpName = "SIZE",
            };
            var maxMemory = new Option<string?>("--max-memory")
            {
                Description = $"Buffer memory shared by all transfers, 64KiB to 16GiB (default {TransferOptions.DefaultMaxMemory / (1024 * 1024)}MiB).",
                HelpName = "SIZE",
            };
            var checksum = new Option<string>("--checksum")
            {
                Description = "Checksum computed while reading: " + string.Join(", ", ChecksumAlgorithms.All.Select(a => a.CliName())) + ".",
                HelpName = "ALG",
                DefaultValueFactory = _ => TransferOptions.DefaultChecksum.CliName(),
            };
            var resume = new Option<bool>("--resume") { Description = "Continue an interrupted transfer of the same source; keep resumable state when this one is interrupted." };
            var skipUnchanged = new Option<bool>("--skip-unchanged") { Description = "Skip files whose destination is already up to date (see --compare); one that differs is replaced only with --force, else refused (DestinationExists)." };
            var compare = new Option<string>("--compare")
            {
                Description = "What --skip-unchanged compares: size-and-hash or size-and-time.",
                HelpName = "HOW",
                DefaultValueFactory = _ => "size-and-hash",
            };
            var verify = new Option<bool>("--verify") { Description = "Read each copy back and compare its checksum before giving it its name." };
            var force = new Option<bool>("--force", "-f") { Description = "Overwrite existing destination files." };
            var recursive = new Option<bool>("--recursive", "-r", "--recurse") { Description = "Copy the files of directory sources, keeping their layout below the destination (empty directories too)." };
            var json = new Option<bool>("--json") { Description = "Write one JSON object per file per line (failures included)." };
            var noProgress = new Option<bool>("--no-progress") { Description = "No progress line on stderr." };
            var paths = new Argument<string[]>("SOURCE... DESTINATION")
            {
                Arity = new ArgumentArity(2, 100_000),
                Description = send
                    ? "Local files or directories, then where they go: a directory (existing, ending in '/', or a new name for several sources), or a file name for a single source."
                    : "Sources, then the local directory (existing, ending in '/', or a new name for several sources) or file name they go to.",
            };
            paths.Validators.Add(CliContext.RejectUnknownOptions);

            var command = new Command(
                send ? "send" : "receive",
                send ? "Send local files to a destination, in parallel parts, with checksums and resume." : "Receive files into a local destination, in parallel parts, with checksums and resume.")
            {
                throttle, concurrency, partSize, maxMemory, checksum, resume, skipUnchanged, compare, verify, force, recursive, json, noProgress, paths,
            };
            var httpOptions = new HttpCliOptions(send);
            httpOptions.AddTo(command);
            var s3 = new S3CommandOptions();
            // What uploaded parts carry means nothing to a download: accepted (a shared script may pass it), not shown.
            s3.PartChecksum.Hidden = !send;
            s3.AddTo(command);
            command.SetAction(parse =>
            {
                CliContext cli = context();
                TransferOptions options;
                OperationSettings settings;
                Location destination;
                HttpSettings http;
                string[] all = parse.GetValue(paths)!;
                try
                {
                    // '-' is standard input or output to base64 and most tools; here it would be a file named '-'.
                    if (all[all.Length - 1] == "-")
                    {
                        throw new CliUsageException($"'-' as the destination: {command.Name} writes {(send ? "files, objects or URLs" : "files")}, not standard output. Name a file or a directory (./- for a file named '-').");
                    }

                    if (Array.IndexOf(all, "-", 0, all.Length - 1) >= 0)
                    {
                        throw new CliUsageException($"'-' as a source: {command.Name} reads {(send ? "files" : "files, objects and URLs")}, not standard input. Name the files (./- for a file named '-').");
                    }

                    if (!ChecksumAlgorithms.TryParse(parse.GetValue(checksum), out ChecksumAlgorithm algorithm))
                    {
                        throw new CliUsageException($"--checksum '{parse.GetValue(checksum)}' is not an algorithm. Use one of: {string.Join(", ", ChecksumAlgorithms.All.Select(a => a.CliName()))}.");
                    }

                    options = new TransferOptions(
                        concurrency: parse.GetValue(concurrency),
                        partSize: parse.GetValue(partSize) is null ? (long?)null : CliContext.ParseSize(parse.GetValue(partSize), "--part-size", TransferPlan.DefaultPartSize),
                        maxMemory: CliContext.ParseSize(parse.GetValue(maxMemory), "--max-memory", TransferOptions.DefaultMaxMemory),
                        checksum: algorithm,
                        resume: parse.GetValue(resume),
                        skipUnchanged: parse.GetValue(skipUnchanged),
                        compare: ParseCompare(parse.GetValue(compare)!),
                        verify: parse.GetValue(verify),
                        overwrite: parse.GetValue(force));
                    settings = new OperationSettings(parse.GetValue(throttle), reportProgress: cli.ProgressLineUnless(parse.GetValue(noProgress)) != null);
                    destination = Location.ParseDestination(all[all.Length - 1]);
                    http = httpOptions.Settings(parse, Environment.GetEnvironmentVariable);
                }
                catch (ArgumentException e)
                {
                    throw new CliUsageException(OptionNamed(e, parse, throttle, concurrency, partSize, maxMemory) + Plain(e));
                }
                catch (LocationFormatException e)
                {
                    throw new CliUsageException(e.Error.Message, e.Error.Condition);
                }

                if (direction == TransferDirection.Send)
                {
                    foreach (string unused in http.UnusedBySendTo(destination.Kind))
                    {
                        string option = unused switch
                        {
                            nameof(HttpSettings.Headers) => "--header",
                            nameof(HttpSettings.Credential) => "--user",
                            nameof(HttpSettings.ContentType) => "--content-type",
                            _ => "--upload-checksum",
                        };
                        cli.Error.WriteLine($"streamfiles: warning: {option} applies to uploads to http(s):// URLs{(unused == nameof(HttpSettings.ContentType) ? " and s3:// locations" : string.Empty)}; it is ignored for {destination.Display}.");
                    }

                    if (options.Verify && destination.Kind == LocationKind.Http)
                    {
                        cli.Error.WriteLine("streamfiles: warning: " + TransferErrors.VerifyIgnoredForPutUrl("--verify", http.UploadChecksum == UploadChecksum.None ? "--upload-checksum md5 (or sha256)" : null, destination.Display));
                    }

                    if (destination.Kind == LocationKind.Http)
                    {
                        foreach (string ignored in TransferErrors.IgnoredForPutUrl(options.Resume ? "--resume" : null, options.SkipUnchanged ? "--skip-unchanged" : null, destination.Display))
                        {
                            cli.Error.WriteLine("streamfiles: warning: " + ignored);
                        }
                    }
                }
                else
                {
                    // --header and --user given for an s3:// or local source: said once, as send says it for its destination.
                    foreach (string text in all.Take(all.Length - 1))
                    {
                        if (Location.TryParse(text, out Location? from, out _, null) && http.UnusedByReceiveFrom(from!.Kind).Count > 0)
                        {
                            foreach (string unused in http.UnusedByReceiveFrom(from.Kind))
                            {
                                cli.Error.WriteLine($"streamfiles: warning: {(unused == nameof(HttpSettings.Headers) ? "--header" : "--user")} applies to downloads from http(s):// URLs; it is ignored for {from.Display}.");
                            }

                            break;
                        }
                    }
                }

                StorageRegistry storages = s3.RegisterInto(StorageRegistry.CreateDefault().RegisterHttp(http), parse, http.ContentType);
                return Run(cli, direction, destination, all.Take(all.Length - 1).ToArray(), parse.GetValue(recursive), options, settings, storages, parse.GetValue(json), parse.GetValue(noProgress));
            });
            return command;
        }

        private static int Run(CliContext context, TransferDirection direction, Location destination, string[] sources, bool recursive, TransferOptions options, OperationSettings settings, StorageRegistry storages, bool json, bool noProgress)
        {
            Action<object> write = json
                ? result => context.Output.WriteLine(ToJson((TransferResult)result))
                : result => WriteText(context.Output, (TransferResult)result);
            var sink = new CliSink(write, context.Error, context.ProgressLineUnless(noProgress), context: context);
            TransferOperation operation;
            try
            {
                operation = new TransferOperation(direction, destination, recursive, options, settings, context.CancellationToken, storages);
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(Plain(e), "UnsupportedDestination");
            }

            using (operation)
            {
                foreach (string source in sources)
                {
                    operation.SubmitSource(new TransferRequest(source), sink);
                }

                operation.Complete(sink);
                int exitCode = context.ExitCode(operation.FailedCount);
                return exitCode == ExitCodes.Failed && sink.ConfigurationFailed ? ExitCodes.Usage : exitCode;
            }
        }

        private static string Plain(ArgumentException e) => e.Message.Split(new[] { " (Parameter" }, StringSplitOptions.None)[0];

        /// <summary>"--throttle-limit 0: " for a value the engine refused, so the message names what was typed.</summary>
        private static string OptionNamed(ArgumentException e, ParseResult parse, Option<int> throttle, Option<int> concurrency, Option<string?> partSize, Option<string?> maxMemory) =>
            e.ParamName switch
            {
                "throttleLimit" => $"{throttle.Name} {parse.GetValue(throttle)}: ",
                "concurrency" => $"{concurrency.Name} {parse.GetValue(concurrency)}: ",
                "partSize" => $"{partSize.Name} {parse.GetValue(partSize)}: ",
                "maxMemory" => $"{maxMemory.Name} {parse.GetValue(maxMemory)}: ",
                _ => string.Empty,
            };

        private static TransferCompare ParseCompare(string text) =>
            text.Replace("-", string.Empty).ToLowerInvariant() switch
            {
                "sizeandhash" or "hash" => TransferCompare.SizeAndHash,
                "sizeandtime" or "time" => TransferCompare.SizeAndTime,
                _ => throw new CliUsageException($"--compare '{text}' is not known. Use size-and-hash or size-and-time."),
            };

        /// <summary>One line per file for people; failures are already on stderr, so only successes are listed.</summary>
        private static void WriteText(TextWriter output, TransferResult result)
        {
            switch (result.Status)
            {
                case TransferStatus.Failed:
                    return;
                case TransferStatus.Skipped:
                    output.WriteLine($"skipped   {result.Source} -> {result.Destination} ({result.SkipReason})");
                    return;
                default:
                    output.WriteLine(string.Format(
                        CultureInfo.InvariantCulture,
                        "{0,-9} {1} -> {2} ({3} in {4:0.00} s, {5}, {6} {7})",
                        result.Status.ToString().ToLowerInvariant(),
                        result.Source,
                        result.Destination,
                        ByteSize.Format(result.BytesTransferred),
                        result.Duration.TotalSeconds,
                        ByteSize.FormatRate(result.BytesPerSecond),
                        result.Algorithm.ToLowerInvariant(),
                        result.Hash?.ToLowerInvariant()));
                    return;
            }
        }

        internal static string ToJson(TransferResult result) =>
            CliJson.Line(writer =>
            {
                writer.WriteString("source", result.Source);
                writer.WriteString("destination", result.Destination);
                writer.WriteString("status", result.Status.ToString().ToLowerInvariant());
                writer.WriteNumber("length", result.Length);
                writer.WriteNumber("bytesTransferred", result.BytesTransferred);
                writer.WriteNumber("durationSeconds", Math.Round(result.Duration.TotalSeconds, 6));
                writer.WriteNumber("bytesPerSecond", Math.Round(result.BytesPerSecond));
                writer.WriteString("algorithm", result.Algorithm.ToLowerInvariant());
                if (result.Hash is null)
                {
                    writer.WriteNull("hash");
                }
                else
                {
                    writer.WriteString("hash", result.Hash.ToLowerInvariant());
                }

                writer.WriteNumber("parts", result.Parts);
                writer.WriteNumber("partSize", result.PartSize);
                writer.WriteNumber("attempts", result.Attempts);
                writer.WriteBoolean("verified", result.Verified);
                if (result.SkipReason != null)
                {
                    writer.WriteString("skipReason", result.SkipReason);
                }

                if (result.Error != null)
                {
                    CliJson.WriteError(writer, result.Error);
                }
            });
    }
}
