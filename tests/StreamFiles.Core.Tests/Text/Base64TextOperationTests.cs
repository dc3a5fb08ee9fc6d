using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using StreamFiles.Core.Files;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Text;

namespace StreamFiles.Core.Tests.Text
{
    /// <summary>Base64 text to and from the pipeline: bounded string chunks out, strings of one text in.</summary>
    public sealed class Base64TextOperationTests : IDisposable
    {
        private static readonly int Chunk = Base64ToTextOperation.ChunkInputLength(Base64Format.Default);
        private readonly TempDirectory _dir = new TempDirectory();

        public void Dispose() => _dir.Dispose();

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(100)]
        [InlineData(24575)]
        [InlineData(24576)]
        [InlineData(24577)]
        [InlineData(1_000_000)]
        public void Chunks_join_to_the_one_shot_text_and_each_stands_alone(int size)
        {
            string path = _dir.RandomFile("in.bin", size);
            List<string> chunks = Encode(Base64Format.Default, asString: false, path);

            Assert.Equal(Convert.ToBase64String(File.ReadAllBytes(path)), string.Concat(chunks));
            Assert.Equal((size + Chunk - 1) / Chunk, chunks.Count);
            Assert.All(chunks, c => Assert.True(c.Length <= Base64ToTextOperation.ChunkCharacters));
            Assert.All(chunks, c => Convert.FromBase64String(c));
        }

        [Fact]
        public void An_empty_file_is_one_empty_string()
        {
            string path = _dir.File("empty.bin");
            File.WriteAllBytes(path, Array.Empty<byte>());
            Assert.Equal(new[] { string.Empty }, Encode(Base64Format.Default, asString: false, path));
            Assert.Equal(new[] { string.Empty }, Encode(Base64Format.Default, asString: true, path));

            // Wrapped, it is no line at all, as base64 -w writes nothing for it: Set-Content then writes an empty file.
            Assert.Equal(string.Empty, TestData.Ascii(Coreutils.Run("base64", "-w 76", Array.Empty<byte>())));
            Assert.Empty(Encode(new Base64Format(76), asString: false, path));
        }

        [Theory]
        [InlineData(76)]
        [InlineData(64)]
        [InlineData(5)]
        [InlineData(3)]
        [InlineData(1)]
        [InlineData(40_000)]
        public void Wrapped_text_is_one_string_per_line_as_coreutils_wraps_it(int width)
        {
            string path = _dir.RandomFile("in.bin", 300_001);
            var format = new Base64Format(width);
            List<string> lines = Encode(format, asString: false, path);
            string expected = TestData.Ascii(Coreutils.Run("base64", "-w " + width, File.ReadAllBytes(path)));

            Assert.Equal(expected, string.Concat(lines.Select(line => line + "\n")));
            Assert.All(lines.Take(lines.Count - 1), line => Assert.Equal(width, line.Length));
        }

        [Theory]
        [InlineData(0, false)]
        [InlineData(0, true)]
        [InlineData(76, false)]
        [InlineData(7, true)]
        public void AsString_is_one_string_equal_to_the_chunks_joined(int width, bool urlSafe)
        {
            string path = _dir.RandomFile("in.bin", 2 * StreamingBase64.EncodeBufferSize + 2);
            var format = new Base64Format(width, urlSafe);
            string whole = Assert.Single(Encode(format, asString: true, path));
            string joined = string.Join(width == 0 ? string.Empty : "\n", Encode(format, asString: false, path));
            Assert.Equal(joined, whole);
            Assert.Equal(format.EncodedLength(new FileInfo(path).Length, endWithNewline: false), whole.Length);
            Assert.Equal(File.ReadAllBytes(path), Base64DecoderTests.DecodeInPieces(whole, format, 1 << 20));
        }

        [Fact]
        public void Reports_missing_files_and_directories_and_goes_on()
        {
            string good = _dir.RandomFile("good.bin", 3);
            Directory.CreateDirectory(_dir.File("sub"));
            var sink = new RecordingSink();
            var operation = new Base64ToTextOperation(Base64Format.Default, asString: false, new OperationSettings(1), CancellationToken.None);
            operation.Submit(new Base64TextRequest(_dir.File("missing")), sink);
            operation.Submit(new Base64TextRequest(_dir.File("sub")), sink);
            operation.Submit(new Base64TextRequest(_dir.File("sub"), explicitPath: false), sink);
            operation.Submit(new Base64TextRequest(_dir.File("bad\0name")), sink);
            operation.Submit(new Base64TextRequest(good), sink);
            operation.Complete(sink);

            Assert.Equal(new[] { "FileNotFound", "PathIsDirectory", "InvalidPath" }, sink.Errors.Select(e => e.Condition));
            Assert.Equal(3, operation.FailedCount);
            Assert.Equal(1, operation.SucceededCount);
            Assert.Equal(new object[] { Convert.ToBase64String(File.ReadAllBytes(good)) }, sink.Results);
        }

        [Fact]
        public void Reports_progress_and_completes_it()
        {
            string path = _dir.RandomFile("in.bin", 2_000_000);
            var sink = new RecordingSink();
            var settings = new OperationSettings(1, reportProgress: true, progressInterval: TimeSpan.FromTicks(1));
            var operation = new Base64ToTextOperation(Base64Format.Default, asString: false, settings, CancellationToken.None);
            operation.Submit(new Base64TextRequest(path), sink);
            operation.Complete(sink);

            Assert.True(sink.Progress.Count > 2);
            ProgressReport last = sink.Progress[^1];
            Assert.True(last.Completed);
            Assert.Equal(2_000_000, last.BytesDone);
            Assert.Equal(100, last.PercentComplete);
        }

        [Fact]
        public void Decodes_lines_piped_as_strings()
        {
            byte[] data = TestData.Bytes(200_000);
            string[] lines = TestData.Ascii(Coreutils.Run("base64", "-w 76", data)).Split('\n');
            string output = _dir.File("out.bin");
            var sink = new RecordingSink();

            Assert.Equal(0, Decode(output, Base64Format.Default, sink, lines));

            Assert.Equal(data, File.ReadAllBytes(output));
            Assert.Equal(new[] { output }, sink.Asked);
            Assert.False(File.Exists(output + PartialFile.Suffix));
        }

        [Theory]
        [InlineData(0, false)]
        [InlineData(76, false)]
        [InlineData(0, true)]
        public void Round_trips_the_chunks_of_the_encoder(int width, bool urlSafe)
        {
            string path = _dir.RandomFile("in.bin", 500_003);
            var format = new Base64Format(width, urlSafe);
            string output = _dir.File("out.bin");
            Assert.Equal(0, Decode(output, format, new RecordingSink(), Encode(format, asString: false, path).ToArray()));
            Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(output));
        }

        /// <summary>Both counted from 1, as a reader counts (a probe: "character 1" named the second one); the offset from 0.</summary>
        [Fact]
        public void Bad_text_names_the_string_and_the_position_and_keeps_the_existing_file()
        {
            string output = _dir.File("out.bin");
            File.WriteAllText(output, "precious");
            var sink = new RecordingSink();

            Assert.Equal(1, Decode(output, Base64Format.Default, sink, "QUJD", "QUJD", "QU\u00e9D", "QUJD"));

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("InvalidData", error.Condition);
            Assert.Equal(output, error.Target);
            Assert.Contains("U+00E9", error.Message);
            Assert.Contains("at character 3 of input string 3 (offset 10 of the whole text)", error.Message);
            Assert.Equal("precious", File.ReadAllText(output));
            Assert.False(File.Exists(output + PartialFile.Suffix));
        }

        [Fact]
        public void Text_that_stops_inside_a_group_fails_at_the_end()
        {
            string output = _dir.File("out.bin");
            var sink = new RecordingSink();
            Assert.Equal(1, Decode(output, Base64Format.Default, sink, "QUJD", "QU"));
            Assert.Contains("cut short", Assert.Single(sink.Errors).Message);
            Assert.False(File.Exists(output));
            Assert.False(File.Exists(output + PartialFile.Suffix));
        }

        [Fact]
        public void Writes_nothing_when_should_process_says_no_or_nothing_arrives()
        {
            string output = _dir.File("out.bin");
            Assert.Equal(0, Decode(output, Base64Format.Default, new RecordingSink(approve: false), "QUJD"));
            Assert.Equal(0, Decode(output, Base64Format.Default, new RecordingSink()));
            Assert.Empty(Directory.GetFiles(_dir.Path));
        }

        [Fact]
        public void Empty_and_null_strings_are_empty_text()
        {
            string output = _dir.File("out.bin");
            Assert.Equal(0, Decode(output, Base64Format.Default, new RecordingSink(), "", null, "QUJD", "", "  "));
            Assert.Equal(new byte[] { 0x41, 0x42, 0x43 }, File.ReadAllBytes(output));
        }

        [Fact]
        public void Refuses_an_output_in_a_missing_directory_or_with_an_invalid_name()
        {
            var sink = new RecordingSink();
            Assert.Equal(1, Decode(_dir.File(Path.Combine("nowhere", "out.bin")), Base64Format.Default, sink, "QUJD", "QUJD"));
            Assert.Equal("OutFileDirectoryNotFound", Assert.Single(sink.Errors).Condition);

            var invalid = new RecordingSink();
            Assert.Equal(1, Decode(_dir.File("bad\0name"), Base64Format.Default, invalid, "QUJD"));
            Assert.Equal("InvalidPath", Assert.Single(invalid.Errors).Condition);
        }

        /// <summary>
        /// An output that cannot be made says what became of it, as a file input's error does (a probe: piped text to
        /// an -OutFile that was AccessDenied said nothing of it). One under /sys is refused before it is made.
        /// </summary>
        [Fact]
        public void An_output_that_cannot_be_made_says_it_was_not_written()
        {
            var sink = new RecordingSink();
            Assert.Equal(1, Decode("/sys/streamfiles-test.bin", Base64Format.Default, sink, "QUJD"));

            CommandError error = Assert.Single(sink.Errors);
            Assert.True(error.Message.EndsWith(". '/sys/streamfiles-test.bin' was not written.", StringComparison.Ordinal), error.Condition + ": " + error.Message);
        }

        [Fact]
        public void Passes_the_file_through_when_asked()
        {
            string output = _dir.File("out.bin");
            var sink = new RecordingSink();
            using var operation = new Base64FromTextOperation(output, Base64Format.Default, new OperationSettings(1), CancellationToken.None, passThru: true);
            operation.Submit("QUJD", sink);
            operation.Complete(sink);
            Assert.Equal(output, Assert.IsType<FileInfo>(Assert.Single(sink.Results)).FullName);
        }

        /// <summary>
        /// Found by a probe: the -Verbose summary of a decode of piped text that failed said "1 of 1 files" with no
        /// "(1 failed)", and that of a file that failed said "0 B of 0 B" of its 20 bytes (the total followed what was
        /// read, as it does for a file that changed size). A runbook's log now tells the failure, and of what size.
        /// </summary>
        [Fact]
        public void The_final_summary_counts_a_failed_decode_and_keeps_its_size()
        {
            var settings = new OperationSettings(1, statusInterval: TimeSpan.FromTicks(1));
            var text = new RecordingSink();
            using (var operation = new Base64FromTextOperation(_dir.File("text.bin"), Base64Format.Default, settings, CancellationToken.None))
            {
                operation.Submit("QUJD", text);
                operation.Submit("RE%G", text);
                operation.Complete(text);
            }

            Assert.Equal("InvalidData", Assert.Single(text.Errors).Condition);
            Assert.Contains("finished: 1 of 1 files (1 failed)", text.Verbose.Last(), StringComparison.Ordinal);

            string bad = _dir.File("bad.b64");
            File.WriteAllText(bad, "QUJDRE%GQUJDREVGQUJD"); // 20 bytes, invalid at offset 6
            var file = new RecordingSink();
            using (var operation = new Base64Operation(Base64Direction.Decode, Base64Format.Default, settings, CancellationToken.None))
            {
                operation.Submit(new Base64Request(bad, _dir.File("file.bin")), file);
                operation.Complete(file);
            }

            Assert.Equal("InvalidData", Assert.Single(file.Errors).Condition);
            string summary = file.Verbose.Last();
            Assert.Contains("finished: 1 of 1 files (1 failed)", summary, StringComparison.Ordinal);
            Assert.Contains(" of 20 B,", summary, StringComparison.Ordinal);
        }

        private static List<string> Encode(Base64Format format, bool asString, string path)
        {
            var sink = new RecordingSink();
            var operation = new Base64ToTextOperation(format, asString, new OperationSettings(1), CancellationToken.None);
            operation.Submit(new Base64TextRequest(path), sink);
            operation.Complete(sink);
            Assert.Empty(sink.Errors);
            return sink.Results.Cast<string>().ToList();
        }

        private static int Decode(string output, Base64Format format, RecordingSink sink, params string?[] texts)
        {
            using var operation = new Base64FromTextOperation(output, format, new OperationSettings(1), CancellationToken.None);
            foreach (string? text in texts)
            {
                operation.Submit(text, sink);
            }

            operation.Complete(sink);
            return operation.FailedCount;
        }
    }
}
