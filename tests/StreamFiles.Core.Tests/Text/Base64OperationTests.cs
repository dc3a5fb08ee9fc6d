using System;
using System.IO;
using System.Linq;
using System.Threading;
using StreamFiles.Core.Files;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Text;

namespace StreamFiles.Core.Tests.Text
{
    /// <summary>File to file (and stream to stream) conversion: the engine of -OutFile and `streamfiles base64`.</summary>
    public sealed class Base64OperationTests : IDisposable
    {
        private readonly TempDirectory _dir = new TempDirectory();

        public void Dispose() => _dir.Dispose();

        [Theory]
        [InlineData(0)]
        [InlineData(76)]
        [InlineData(64)]
        public void Encodes_a_file_to_exactly_what_coreutils_writes(int width)
        {
            string input = _dir.RandomFile("in.bin", 2 * StreamingBase64.EncodeBufferSize + 1);
            string output = _dir.File("out.b64");
            var sink = new RecordingSink();

            Assert.Equal(0, Run(Base64Direction.Encode, new Base64Format(width), sink, passThru: true, new Base64Request(input, output)));

            Assert.Equal(Coreutils.Run("base64", "-w " + width, File.ReadAllBytes(input)), File.ReadAllBytes(output));
            FileInfo result = Assert.IsType<FileInfo>(Assert.Single(sink.Results));
            Assert.Equal(output, result.FullName);
            Assert.Equal(new[] { output }, sink.Asked);
            Assert.False(File.Exists(output + PartialFile.Suffix));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Decodes_a_file_back(bool urlSafe)
        {
            byte[] data = TestData.Bytes(1_500_000);
            string text = _dir.File("in.b64");
            File.WriteAllBytes(text, urlSafe ? Coreutils.Run("basenc", "--base64url -w 60", data) : Coreutils.Run("base64", "-w 76", data));
            string output = _dir.File("out.bin");

            Assert.Equal(0, Run(Base64Direction.Decode, new Base64Format(urlSafe: urlSafe), new RecordingSink(), passThru: false, new Base64Request(text, output)));

            Assert.Equal(data, File.ReadAllBytes(output));
        }

        [Fact]
        public void Replaces_an_existing_output_only_when_complete()
        {
            string input = _dir.RandomFile("in.bin", 1000);
            string output = _dir.File("out.b64");
            File.WriteAllText(output, "old");
            Assert.Equal(0, Run(Base64Direction.Encode, Base64Format.Default, new RecordingSink(), false, new Base64Request(input, output)));
            Assert.Equal(Convert.ToBase64String(File.ReadAllBytes(input)), File.ReadAllText(output));
        }

        [Fact]
        public void Bad_text_fails_with_the_offset_and_leaves_the_existing_output_intact()
        {
            string text = _dir.File("in.b64");
            File.WriteAllText(text, new string('A', 3 * 1024 * 1024) + "\nAB$D\n");
            string output = _dir.File("out.bin");
            File.WriteAllText(output, "precious");
            var sink = new RecordingSink();

            Assert.Equal(1, Run(Base64Direction.Decode, Base64Format.Default, sink, false, new Base64Request(text, output)));

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("InvalidData", error.Condition);
            Assert.Equal(FailureCategory.InvalidData, error.Category);
            Assert.Equal(text, error.Target);
            Assert.Contains("invalid character '$' (0x24) at byte offset " + (3 * 1024 * 1024 + 3), error.Message);
            Assert.Contains(text, error.Message);
            Assert.Contains("left as it was", error.Message);
            Assert.Equal("precious", File.ReadAllText(output));
            Assert.False(File.Exists(output + PartialFile.Suffix));
        }

        [Fact]
        public void A_failing_read_leaves_no_output_and_no_partial_file()
        {
            string output = _dir.File("out.b64");
            var sink = new RecordingSink();
            var failing = new FailingStream(TestData.Bytes(5_000_000), failAfter: 3_000_000);

            Assert.Equal(1, Run(Base64Direction.Encode, Base64Format.Default, sink, false, new Base64Request("source", output, inputStream: failing)));

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("ReadError", error.Condition);
            Assert.Contains("not written", error.Message);
            Assert.False(File.Exists(output));
            Assert.False(File.Exists(output + PartialFile.Suffix));
        }

        [Fact]
        public void A_failing_write_is_a_write_error_of_the_output()
        {
            string input = _dir.RandomFile("in.bin", 3_000_000);
            var sink = new RecordingSink();
            var full = new FailingStream(Array.Empty<byte>(), failAfter: 0);

            Assert.Equal(1, Run(Base64Direction.Encode, Base64Format.Default, sink, false, new Base64Request(input, "destination", outputStream: full)));

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("WriteError", error.Condition);
            Assert.Equal("destination", error.Target);
        }

        [Fact]
        public void Converts_between_streams()
        {
            byte[] data = TestData.Bytes(100_000);
            using var output = new MemoryStream();
            Assert.Equal(0, Run(Base64Direction.Encode, new Base64Format(76), new RecordingSink(), false, new Base64Request("standard input", "standard output", inputStream: new MemoryStream(data), outputStream: output)));
            Assert.Equal(Coreutils.Run("base64", "-w 76", data), output.ToArray());
        }

        [Fact]
        public void Refuses_bad_inputs_and_outputs_and_goes_on()
        {
            string good = _dir.RandomFile("good.bin", 10);
            byte[] goodBytes = File.ReadAllBytes(good);
            File.CreateSymbolicLink(_dir.File("link.bin"), good);
            Directory.CreateDirectory(_dir.File("sub"));
            var sink = new RecordingSink();

            int failed = Run(Base64Direction.Encode, Base64Format.Default, sink, false,
                new Base64Request(_dir.File("missing.bin"), _dir.File("a.b64")),
                new Base64Request(_dir.File("sub"), _dir.File("b.b64")),
                new Base64Request(_dir.File("sub"), _dir.File("c.b64"), explicitInput: false),
                new Base64Request(good, _dir.File("sub")),
                new Base64Request(good, _dir.File(Path.Combine("nowhere", "d.b64"))),
                new Base64Request(good, _dir.File("e.b64")),
                new Base64Request(good, _dir.File("e.b64")),
                new Base64Request(_dir.File("bad\0name"), _dir.File("f.b64")),
                new Base64Request(good, _dir.File("bad\0name.b64")),
                new Base64Request(good, good),
                new Base64Request(_dir.File("link.bin"), good));

            Assert.Equal(9, failed);
            Assert.Equal(
                new[] { "FileNotFound", "PathIsDirectory", "OutFileIsDirectory", "OutFileDirectoryNotFound", "MultipleInputs", "InvalidPath", "InvalidPath", "OutFileIsInput", "OutFileIsInput" },
                sink.Errors.Select(e => e.Condition));
            Assert.Equal(goodBytes, File.ReadAllBytes(good)); // an output naming the input (or a link to it) leaves it alone
            Assert.Equal(FailureCategory.ObjectNotFound, sink.Errors[3].Category);
            Assert.True(File.Exists(_dir.File("e.b64")));
            Assert.False(File.Exists(_dir.File("c.b64")));
        }

        [Fact]
        public void Writes_nothing_when_should_process_says_no()
        {
            string input = _dir.RandomFile("in.bin", 10);
            var sink = new RecordingSink(approve: false);
            Assert.Equal(0, Run(Base64Direction.Encode, Base64Format.Default, sink, true, new Base64Request(input, _dir.File("out.b64"))));
            Assert.Single(sink.Asked);
            Assert.Empty(sink.Results);
            Assert.Empty(Directory.GetFiles(_dir.Path, "out*"));
        }

        [Fact]
        public void Cancelling_removes_the_partial_file_quietly()
        {
            string output = _dir.File("out.b64");
            using var cancel = new CancellationTokenSource();
            var slow = new FailingStream(TestData.Bytes(4_000_000), failAfter: long.MaxValue) { OnRead = position => { if (position > 1_000_000) { cancel.Cancel(); } } };
            var sink = new RecordingSink();
            using var operation = new Base64Operation(Base64Direction.Encode, Base64Format.Default, new OperationSettings(1), cancel.Token);
            operation.Submit(new Base64Request("source", output, inputStream: slow), sink);
            operation.Complete(sink);

            Assert.Empty(sink.Errors);
            Assert.False(File.Exists(output));
            Assert.False(File.Exists(output + PartialFile.Suffix));
        }

        /// <summary>
        /// A FIFO named as the input is refused at once (NotARegularFile), as hashing and sending refuse it: opening one
        /// that has no writer blocks for good, and a PowerShell pipeline stuck there cannot be stopped. The CLI, which
        /// reads `streamfiles base64 &lt;(cmd)` as coreutils does, asks to read it (covered by its own test).
        /// </summary>
        [Fact]
        public async System.Threading.Tasks.Task A_fifo_without_a_writer_is_refused_instead_of_waited_for()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            string fifo = _dir.File("pipe");
            ProcessRunner.Shell("mkfifo pipe", _dir.Path);
            var sink = new RecordingSink();
            var run = System.Threading.Tasks.Task.Run(() => Run(Base64Direction.Encode, Base64Format.Default, sink, false, new Base64Request(fifo, _dir.File("out.b64"))));
            Assert.Same(run, await System.Threading.Tasks.Task.WhenAny(run, System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(20))));
            Assert.Equal(1, await run);
            Assert.Equal("NotARegularFile", Assert.Single(sink.Errors).Condition);
            Assert.Contains("| streamfiles base64)", sink.Errors[0].Message, StringComparison.Ordinal); // the CLI that reads it, not hash
            Assert.False(File.Exists(_dir.File("out.b64")));
            var decoding = new RecordingSink();
            Assert.Equal(1, Run(Base64Direction.Decode, Base64Format.Default, decoding, false, new Base64Request(fifo, _dir.File("out.bin"))));
            Assert.Contains("| streamfiles base64 -d)", Assert.Single(decoding.Errors).Message, StringComparison.Ordinal); // and decodes it

            // A device gets no hint to pipe it: /dev/zero would never end (a probe).
            var device = new RecordingSink();
            Assert.Equal(1, Run(Base64Direction.Encode, Base64Format.Default, device, false, new Base64Request("/dev/zero", _dir.File("zero.b64"))));
            CommandError zero = Assert.Single(device.Errors);
            Assert.Equal("NotARegularFile", zero.Condition);
            Assert.EndsWith("is a character device, not a regular file: StreamFiles reads files, whose size it knows.", zero.Message, StringComparison.Ordinal);

            // Nor is a FIFO replaced by a file when it is named as the output.
            string input = _dir.RandomFile("in.bin", 100);
            var output = new RecordingSink();
            Assert.Equal(1, Run(Base64Direction.Encode, Base64Format.Default, output, false, new Base64Request(input, fifo)));
            Assert.Equal("NotARegularFile", Assert.Single(output.Errors).Condition);
            Assert.Equal("p", ProcessRunner.Shell("stat -c %A pipe", _dir.Path).Substring(0, 1));
        }

        private static int Run(Base64Direction direction, Base64Format format, RecordingSink sink, bool passThru, params Base64Request[] requests)
        {
            using var operation = new Base64Operation(direction, format, new OperationSettings(1, orderedOutput: true), CancellationToken.None, passThru);
            foreach (Base64Request request in requests)
            {
                operation.Submit(request, sink);
            }

            operation.Complete(sink);
            Assert.Equal(operation.FailedCount, sink.Errors.Count);
            return operation.FailedCount;
        }
    }

    /// <summary>A stream of given bytes that throws an IOException once a position is reached (reading or writing).</summary>
    internal sealed class FailingStream : MemoryStream
    {
        private readonly long _failAfter;

        public FailingStream(byte[] data, long failAfter)
            : base(data, writable: false) => _failAfter = failAfter;

        public Action<long>? OnRead { get; set; }

        public override bool CanWrite => true;

        public override int Read(byte[] buffer, int offset, int count)
        {
            OnRead?.Invoke(Position);
            if (Position >= _failAfter)
            {
                throw new IOException("Input/output error (simulated)");
            }

            return base.Read(buffer, offset, (int)Math.Min(count, Math.Max(1, _failAfter - Position)));
        }

        public override System.Threading.Tasks.Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            System.Threading.Tasks.Task.FromResult(Read(buffer, offset, count));

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("No space left on the simulated device");

        public override System.Threading.Tasks.Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            System.Threading.Tasks.Task.FromException(new IOException("Write failed (simulated)"));
    }
}
