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
        /// <summary>One JSON object, as a line of text (the writer starts and ends the object).</summary>
        public static string Line(Action<Utf8JsonWriter> writeProperties)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writeProperties(writer);
                writer.WriteEndObject();
            }

            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }

        /// <summary>"error": {condition, category, message}, as scripts read it from every verb.</summary>
        public static void WriteError(Utf8JsonWriter writer, CommandError error)
        {
            writer.WriteStartObject("error");
            writer.WriteString("condition", error.Condition);
            writer.WriteString("category", error.Category.ToString());
            writer.WriteString("message", HostWording.ForCli(error.Message));
            writer.WriteEndObject();
        }
    }
}
