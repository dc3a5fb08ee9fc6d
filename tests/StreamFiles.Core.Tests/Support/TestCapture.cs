using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using StreamFiles.Core.Operations;

namespace StreamFiles.Core.Tests.Support
{
    /// <summary>
    /// Everything the suite captures from the code under test — the stdout and stderr of every process ProcessRunner
    /// runs, and the results, errors, progress and verbose lines the recording sinks receive — appended to one file
    /// per test process under STREAMFILES_TEST_CAPTURE_DIR (default: a directory of its own per run under the temp
    /// directory). Tests that hand the code distinctive secrets register them in secrets.txt there; tests/run.sh
    /// greps the whole directory for them after the suite (see Faults/SecretsInOutputTests).
    /// </summary>
    public static class TestCapture
    {
        public const string SecretsFileName = "secrets.txt";
        private static readonly object Gate = new object();

        static TestCapture()
        {
            string? configured = Environment.GetEnvironmentVariable("STREAMFILES_TEST_CAPTURE_DIR");
            Directory = string.IsNullOrWhiteSpace(configured)
                ? Path.Combine(Path.GetTempPath(), "streamfiles-capture", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss") + "-" + Environment.ProcessId)
                : configured!;
            System.IO.Directory.CreateDirectory(Directory);
            FilePath = Path.Combine(Directory, $"captured-{Environment.ProcessId}.txt");
            Writer = new StreamWriter(new FileStream(FilePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete), new UTF8Encoding(false)) { AutoFlush = true };
        }

        private static StreamWriter Writer { get; }

        public static string Directory { get; }

        /// <summary>This process's capture file.</summary>
        public static string FilePath { get; }

        public static string SecretsPath => Path.Combine(Directory, SecretsFileName);

        /// <summary>Appends one captured text under a label (what produced it; never the arguments, which may hold secrets).</summary>
        public static void Record(string label, string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return;
            }

            lock (Gate)
            {
                Writer.Write("### " + label + "\n" + text + (text!.EndsWith("\n", StringComparison.Ordinal) ? string.Empty : "\n"));
            }
        }

        /// <summary>Records what a host would show of an object: its text and its public properties, exceptions in full.</summary>
        public static void RecordObject(string label, object? value)
        {
            if (value is null)
            {
                return;
            }

            var text = new StringBuilder();
            Dump(value, text, 0);
            Record(label, text.ToString());
        }

        /// <summary>A secret distinctive enough to grep for (at least 12 characters), noted for tests/run.sh.</summary>
        public static string RegisterSecret(string secret)
        {
            if (secret is null || secret.Length < 12 || secret.Contains('\n', StringComparison.Ordinal))
            {
                throw new ArgumentException("A registered secret has at least 12 characters and no line break: shorter ones match by chance.", nameof(secret));
            }

            lock (Gate)
            {
                if (!File.Exists(SecretsPath) || !File.ReadAllLines(SecretsPath).Contains(secret, StringComparer.Ordinal))
                {
                    File.AppendAllText(SecretsPath, secret + "\n", Encoding.UTF8);
                }
            }

            return secret;
        }

        /// <summary>A new distinctive secret: a word no program prints by chance, then random hex.</summary>
        public static string NewSecret(string kind) => RegisterSecret("sfx" + kind + Guid.NewGuid().ToString("N").Substring(0, 20));

        private static void Dump(object? value, StringBuilder text, int depth)
        {
            if (value is null || depth > 3)
            {
                return;
            }

            if (value is Exception exception)
            {
                text.AppendLine(exception.ToString());
                return;
            }

            text.AppendLine(value.ToString());
            if (value is string || value.GetType().IsPrimitive || value is Enum || value is DateTimeOffset || value is TimeSpan)
            {
                return;
            }

            if (value is IEnumerable items)
            {
                foreach (object? item in items)
                {
                    Dump(item, text, depth + 1);
                }

                return;
            }

            foreach (PropertyInfo property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetIndexParameters().Length == 0)
                {
                    object? child;
                    try
                    {
                        child = property.GetValue(value);
                    }
                    catch (TargetInvocationException)
                    {
                        continue;
                    }

                    Dump(child, text, depth + 1);
                }
            }
        }

        /// <summary>For sinks: records one call of ICommandSink.</summary>
        public static void Sink(string call, object? value)
        {
            if (value is CommandError error)
            {
                Record("sink " + call, error.Condition + " " + error.Target + " " + error.Message + "\n" + error.Exception);
                return;
            }

            RecordObject("sink " + call, value);
        }
    }
}
