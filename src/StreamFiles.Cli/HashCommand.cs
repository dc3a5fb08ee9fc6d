using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Operations;

namespace StreamFiles.Cli
{
    /// <summary>`streamfiles hash`: the command-line face of HashOperation.</summary>
    internal static class HashCommand
    {
        public static Command Create(Func<CliContext> context)
        {
            // Repeatable as well as comma-separated (-a sha256 -a md5, or -a sha256,md5), as scripts write either.
            var algorithm = new Option<string[]>("--algorithm", "-a")
            {
                Description = "Algorithms, comma-separated or the option repeated: " + string.Join(", ", ChecksumAlgorithms.All.Select(a => a.CliName())) + ".",
                HelpName = "ALG[,ALG...]",
                DefaultValueFactory = _ => new[] { "sha256" },
                AllowMultipleArgumentsPerToken = false,
            };
            var chunkSize = new Option<string?>("--chunk-size")
            {
                Description = "Chunk size for --chunks, and the part size s3etag assumes (default 8MiB; for s3etag, grown as uploads grow it for a file of more than 10,000 parts).",
                HelpName = "SIZE",
            };
            var chunks = new Option<bool>("--chunks") { Description = "Include a hash per chunk in the --json output." };
            var json = new Option<bool>("--json") { Description = "Write one JSON object per file per line." };
            var throttle = new Option<int>("--throttle-limit")
            {
                Description = "Files hashed at once (1-1024; the default is the number of processors).",
                HelpName = "N",
                DefaultValueFactory = _ => Environment.ProcessorCount,
            };
            var noProgress = new Option<bool>("--no-progress") { Description = "No progress line on stderr." };
            var paths = new Argument<string[]>("PATH")
            {
                // As sha256sum: no PATH, or '-', is standard input.
                // No default value here: the command list of `streamfiles --help` showed it as "[default: -]" after
                // the description (a probe). None given is taken for '-' below.
                Arity = ArgumentArity.ZeroOrMore,
                Description = "Files to hash; - (or none) for standard input.",
            };
            paths.Validators.Add(CliContext.RejectUnknownOptions);

            var command = new Command("hash", "Hash files in one read each, with one or more algorithms.")
            {
                algorithm, chunkSize, chunks, json, throttle, noProgress, paths,
            };
            command.SetAction(parse => Run(
                context(),
                string.Join(",", parse.GetValue(algorithm)!),
                parse.GetValue(chunkSize),
                parse.GetValue(chunks),
                parse.GetValue(json),
                parse.GetValue(throttle),
                parse.GetValue(noProgress),
                parse.GetValue(paths) is { Length: > 0 } given ? given : new[] { "-" }));
            return command;
        }

        private static int Run(CliContext context, string algorithmList, string? chunkSizeText, bool chunks, bool json, int throttle, bool noProgress, string[] paths)
        {
            IReadOnlyList<ChecksumAlgorithm> algorithms;
            HashSettings hashSettings;
            OperationSettings settings;
            try
            {
                algorithms = ChecksumAlgorithms.ParseList(algorithmList);
                if (paths.Count(p => p == "-") > 1)
                {
                    // One reading of standard input: a second '-' would find it used up.
                    throw new CliUsageException("'-' (standard input) can be hashed only once per command.");
                }

                if (chunks && !json)
                {
                    throw new CliUsageException("--chunks adds chunk hashes to the JSON output: use it with --json.");
                }

                long chunkSize = CliContext.ParseSize(chunkSizeText, "--chunk-size", HashSettings.DefaultChunkSize);
                hashSettings = new HashSettings(algorithms, chunkSize, chunks, growChunks: chunkSizeText is null);
                settings = new OperationSettings(throttle, reportProgress: context.ProgressLineUnless(noProgress) != null, orderedOutput: true);
            }
            catch (ArgumentException e)
            {
                // As send and receive say it: the option as typed, and the engine's sentence without .NET's "(Parameter …)"
                // and "Actual value was …" lines.
                string message = e.Message.Split(new[] { " (Parameter", "\n", "\r" }, StringSplitOptions.None)[0];
                throw new CliUsageException(e.ParamName == "throttleLimit" ? $"--throttle-limit {throttle}: {message}" : message);
            }

            Action<object> write = json
                ? result => context.Output.WriteLine(ToJson((FileHashResult)result))
                : algorithms.Count == 1
                    ? result => context.Output.WriteLine(ToCoreutilsLine((FileHashResult)result))
                    : result => WriteTagged(context.Output, (FileHashResult)result);

            Action<CommandError>? writeFailure = json ? error => context.Output.WriteLine(FailureJson(error)) : null;
            var sink = new CliSink(write, context.Error, context.ProgressLineUnless(noProgress), writeFailure: writeFailure, context: context);
            using var operation = new HashOperation(hashSettings, settings, context.CancellationToken, StopableInput.OpenAsync);
            foreach (string path in paths)
            {
                // A name after '--' is hashed as typed ("-w", not the "./-w" the parser was given), so its line is sha256sum's.
                operation.Submit(path == "-" ? new HashRequest("-", StopableInput.Standard(context.CancellationToken), StopableInput.StandardLeft()) : new HashRequest(Program.AsTyped(path), explicitPath: true), sink);
            }

            operation.Complete(sink);
            return context.ExitCode(operation.FailedCount);
        }

        /// <summary>
        /// "hash  path", exactly as sha256sum writes it so `sha256sum -c` reads it back: a name holding a
        /// backslash or a newline is escaped and the line marked with a leading backslash.
        /// </summary>
        internal static string ToCoreutilsLine(FileHashResult result)
        {
            (string name, bool escaped) = EscapeName(result.Path);
            return (escaped ? "\\" : string.Empty) + result.Hash.ToLowerInvariant() + "  " + name;
        }

        /// <summary>BSD-style tagged lines ("SHA256 (path) = hash"), one per algorithm, as `sha256sum --tag` writes.</summary>
        private static void WriteTagged(TextWriter output, FileHashResult result)
        {
            (string name, bool escaped) = EscapeName(result.Path);
            foreach (KeyValuePair<string, string> hash in result.Hashes)
            {
                output.WriteLine((escaped ? "\\" : string.Empty) + hash.Key.ToUpperInvariant() + " (" + name + ") = " + hash.Value.ToLowerInvariant());
            }
        }

        private static (string Name, bool Escaped) EscapeName(string path)
        {
            if (path.IndexOf('\\') < 0 && path.IndexOf('\n') < 0 && path.IndexOf('\r') < 0)
            {
                return (path, false);
            }

            return (path.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\r", "\\r"), true);
        }

        /// <summary>A file that could not be hashed, in --json output: its path and the error, as send and receive write theirs.</summary>
        internal static string FailureJson(CommandError error) =>
            CliJson.Line(writer =>
            {
                writer.WriteString("path", error.Target);
                CliJson.WriteError(writer, error);
            });

        internal static string ToJson(FileHashResult result) =>
            CliJson.Line(writer =>
            {
                writer.WriteString("path", result.Path);
                writer.WriteNumber("length", result.Length);
                writer.WriteStartObject("hashes");
                foreach (KeyValuePair<string, string> hash in result.Hashes)
                {
                    writer.WriteString(hash.Key.ToLowerInvariant(), hash.Value.ToLowerInvariant());
                }

                writer.WriteEndObject();
                if (result.Chunks != null && result.ChunkSize.HasValue)
                {
                    writer.WriteNumber("chunkSize", result.ChunkSize.Value);
                    writer.WriteString("chunkAlgorithm", (result.Algorithm == nameof(ChecksumAlgorithm.S3ETag) ? nameof(ChecksumAlgorithm.MD5) : result.Algorithm).ToLowerInvariant());
                    writer.WriteStartArray("chunks");
                    foreach (ChunkHash chunk in result.Chunks)
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("index", chunk.Index);
                        writer.WriteNumber("offset", chunk.Offset);
                        writer.WriteNumber("length", chunk.Length);
                        writer.WriteString("hash", chunk.Hash.ToLowerInvariant());
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }
            });
    }
}
