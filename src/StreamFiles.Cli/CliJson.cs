using System;
using System.IO;
using System.Text;
using System.Text.Json;
using StreamFiles.Core.Operations;

namespace StreamFiles.Cli
{
    /// <summary>The --json output of every verb: one object per line, and one shape for an error in it.</summary>
    internal static class CliJson
    {
        /// <summary>
        /// Names as they are ("café.bin", not "caf\u00e9.bin"), so grep finds them in the output as in ls's: the output is
        /// UTF-8 and goes to scripts, not into HTML. Quotes, backslashes and control characters are still escaped.
        /// </summary>
        private static readonly JsonWriterOptions Options = new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        /// <summary>One JSON object, as a line of text (the writer starts and ends the object).</summary>
        public static string Line(Action<Utf8JsonWriter> writeProperties)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Options))
            {
                writer.WriteStartObject();
                writeProperties(writer);
                writer.WriteEndObject();
            }

            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }

        /// <summary>
        /// "error": {condition, category, target, message}, as scripts read it from every verb; target is what the
        /// error is about (the source, or the destination it failed to write), as the cmdlets' Error.Target.
        /// </summary>
        public static void WriteError(Utf8JsonWriter writer, CommandError error)
        {
            writer.WriteStartObject("error");
            writer.WriteString("condition", error.Condition);
            writer.WriteString("category", error.Category.ToString());
            writer.WriteString("target", Core.Locations.UriRedaction.RedactText(error.Target));
            writer.WriteString("message", HostWording.ForCli(error.Message));
            writer.WriteEndObject();
        }
    }
}
