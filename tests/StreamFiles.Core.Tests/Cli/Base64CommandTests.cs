using System;
using System.IO;
using System.Linq;
using StreamFiles.Core.Tests.Support;
using StreamFiles.Core.Text;

namespace StreamFiles.Core.Tests.Cli
{
    /// <summary>`streamfiles base64` as a user runs it: a real process, its output compared byte for byte with coreutils.</summary>
    public sealed class Base64CommandTests : IDisposable
    {
        private static readonly string Cli = ProcessRunner.CliCommandLine();
        private readonly TempDirectory _dir = new TempDirectory();

        public void Dispose() => _dir.Dispose();

        [Fact]
        public void Encodes_files_of_every_small_size_like_base64_w0()
        {
            for (int size = 0; size <= 10; size++)
            {
                _dir.RandomFile($"s{size}", size, seed: size);
            }

            // One shell line for the eleven sizes keeps the test to one process start per size.
            string script = string.Join(" && ", Enumerable.Range(0, 11).Select(n => $"{Cli} base64 s{n} s{n}.sf && base64 -w 0 s{n} > s{n}.cu && cmp s{n}.sf s{n}.cu"));
            ProcessRunner.Shell(script, _dir.Path);
        }

        /// <summary>
        /// An output file that is replaced keeps its mode, owner and group, as the shell's `>` keeps them (a probe:
        /// `base64 -d - secret.key` made a 0600 file 0644); one this user may not write is refused and left as it was,
        /// as `>` refuses it (it was replaced, 0444 becoming 0644). Root writes any file, so the refusal is seen with
        /// root's override of permissions dropped (setpriv).
        /// </summary>
        [StreamFiles.Core.Tests.Faults.RootFact]
        public void A_replaced_output_keeps_its_mode_and_owner_and_a_write_protected_one_is_refused()
        {
            File.WriteAllText(_dir.File("in.txt"), "secret\n");
            string script =
                "printf old > kept.bin && chmod 600 kept.bin && chown 65534:65534 kept.bin && "
                + $"{Cli} base64 in.txt kept.bin && stat -c '%a %u %g' kept.bin && "
                + "printf old > ro.bin && chmod 444 ro.bin && ln -s ro.bin toro && "
                + $"{{ setpriv --bounding-set -dac_override,-dac_read_search {Cli} base64 in.txt ro.bin 2>ro.err; echo $?; }} && stat -c '%a' ro.bin && cat ro.bin && echo && "
                + $"{{ setpriv --bounding-set -dac_override,-dac_read_search {Cli} base64 in.txt toro 2>/dev/null; echo $?; }} && stat -c '%F' toro";
            string[] lines = ProcessRunner.Shell(script, _dir.Path).Split('\n', StringSplitOptions.RemoveEmptyEntries);

            // Through a link too, as `>` through it refuses (a probe: the link was replaced).
            Assert.Equal(new[] { "600 65534 65534", "1", "444", "old", "1", "symbolic link" }, lines);
            Assert.Equal(Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("secret\n")), File.ReadAllText(_dir.File("kept.bin")));
            Assert.StartsWith("streamfiles: [AccessDenied]", File.ReadAllText(_dir.File("ro.err")), StringComparison.Ordinal);
            Assert.Contains("was left as it was", File.ReadAllText(_dir.File("ro.err")), StringComparison.Ordinal);
            Assert.Contains("Check its permissions and those of its directory '" + _dir.Path.TrimEnd('/') + "'", File.ReadAllText(_dir.File("ro.err")), StringComparison.Ordinal); // where the .partial is made (a probe)
            Assert.False(File.Exists(_dir.File("ro.bin.partial")));
        }

        /// <summary>
        /// A FIFO this user may not open, as input or as output, is AccessDenied naming it, with exit 1, as hash says
        /// it (a probe: an unhandled exception and exit 134).
        /// </summary>
        [StreamFiles.Core.Tests.Faults.RootFact]
        public void A_fifo_the_user_may_not_open_is_access_denied()
        {
            File.WriteAllText(_dir.File("in.txt"), "hello\n");
            string script =
                "mkfifo ff && chmod 000 ff && "
                + $"{{ setpriv --bounding-set -dac_override,-dac_read_search {Cli} base64 ff out.txt 2>in.err; echo $?; }} && "
                + $"{{ setpriv --bounding-set -dac_override,-dac_read_search {Cli} base64 in.txt ff 2>out.err; echo $?; }}";
            string[] lines = ProcessRunner.Shell(script, _dir.Path).Split('\n', StringSplitOptions.RemoveEmptyEntries);

            Assert.Equal(new[] { "1", "1" }, lines);
            foreach (string log in new[] { "in.err", "out.err" })
            {
                string said = File.ReadAllText(_dir.File(log));
                Assert.StartsWith("streamfiles: [AccessDenied]", said, StringComparison.Ordinal);
                Assert.Contains("ff", said, StringComparison.Ordinal);
                Assert.DoesNotContain("Unhandled", said, StringComparison.Ordinal);
            }
        }

        /// <summary>
        /// An output that is a symbolic link is replaced by the new file, as documented, dangling or looping too (a
        /// probe: FileNotFound and AccessDenied for those), keeping the mode of a file it leads to; and a link under the
        /// temporary name is not written through (a probe: the file it led to was overwritten).
        /// </summary>
        [Fact]
        public void An_output_link_is_replaced_and_a_link_under_the_temporary_name_is_not_written_through()
        {
            File.WriteAllText(_dir.File("in.txt"), "hello\n");
            string script =
                "ln -s nowhere dangling && ln -s loop loop && printf x > secret && chmod 600 secret && ln -s secret tosecret && "
                + "printf VICTIM > victim && ln -s victim out.partial && "
                + $"{Cli} base64 in.txt dangling && {Cli} base64 in.txt loop && {Cli} base64 in.txt tosecret && {Cli} base64 in.txt out && "
                + "printf x > fresh && stat -c '%F %a' fresh dangling loop tosecret out && cat victim";
            string[] lines = ProcessRunner.Shell(script, _dir.Path).Split('\n', StringSplitOptions.RemoveEmptyEntries);

            string fresh = lines[0]; // a new file under this umask
            Assert.Equal(new[] { fresh, fresh, fresh, "regular file 600", fresh, "VICTIM" }, lines);
            Assert.Equal("aGVsbG8K", File.ReadAllText(_dir.File("out")));
        }

        /// <summary>
        /// A closed standard output (>&amp;-) is a WriteError, for base64 as for hash; it was AccessDenied, "check its
        /// permissions". In the native AOT build the runtime's copy of standard error took descriptor 1, and the output
        /// went to standard error with exit 0.
        /// </summary>
        [Fact]
        public void A_closed_standard_output_is_a_write_error()
        {
            _dir.RandomFile("in.bin", 1000, seed: 1);
            string rc = ProcessRunner.Shell($"{Cli} base64 in.bin >&- 2>err.txt; echo $?; {Cli} hash in.bin >&- 2>hash.err; echo $?", _dir.Path);
            Assert.Equal("1\n1\n", rc);
            string error = File.ReadAllText(_dir.File("err.txt"));
            Assert.StartsWith("streamfiles: [WriteError] Cannot write to standard output", error, StringComparison.Ordinal);
            Assert.StartsWith("streamfiles: [WriteError] Cannot write to standard output", File.ReadAllText(_dir.File("hash.err")), StringComparison.Ordinal);
        }

        /// <summary>
        /// A reader that stops early (| head): the command stops too and exits 141 with nothing on stderr, as coreutils
        /// do when SIGPIPE ends them; before, the output vanished, the whole input was still read, and it exited 0.
        /// A regular file as standard output, shared with the shell's own writes, keeps their order.
        /// </summary>
        [Fact]
        public void A_closed_pipe_ends_it_quietly_with_141_and_a_shared_file_keeps_its_order()
        {
            _dir.RandomFile("big.bin", 64 * 1024 * 1024);
            _dir.RandomFile("small.bin", 10);

            string codes = ProcessRunner.Shell(
                "bash -c '" + Cli + " base64 big.bin 2>b64.err | head -c 10 >/dev/null; echo ${PIPESTATUS[0]}; "
                + Cli + " hash $(yes small.bin | head -n 20000) 2>hash.err | head -n 1 >/dev/null; echo ${PIPESTATUS[0]}'",
                _dir.Path);

            Assert.Equal("141\n141\n", codes);
            Assert.Equal(string.Empty, File.ReadAllText(_dir.File("b64.err")));
            Assert.Equal(string.Empty, File.ReadAllText(_dir.File("hash.err")));

            ProcessRunner.Shell("{ echo before; " + Cli + " base64 small.bin; echo; echo after; } > shared.log", _dir.Path);
            Assert.Equal("before\n" + Convert.ToBase64String(File.ReadAllBytes(_dir.File("small.bin"))) + "\nafter\n", File.ReadAllText(_dir.File("shared.log")));
        }

        /// <summary>A process substitution (a pipe under /dev/fd) is read front to back, as coreutils base64 reads it.</summary>
        [Fact]
        public void A_process_substitution_is_read_like_coreutils()
        {
            string encoded = ProcessRunner.Shell("bash -c '" + Cli + " base64 <(printf hello)'", _dir.Path);
            Assert.Equal("aGVsbG8=", encoded.TrimEnd('\n'));

            // A pipe or a device named as the output is written to, not replaced by a file of that name.
            ProcessRunner.Shell("bash -c '" + Cli + " base64 <(printf hello) >(cat > got.txt); " + Cli + " base64 <(printf hello) /dev/null; sleep 0.5'", _dir.Path);
            Assert.Equal("aGVsbG8=", File.ReadAllText(_dir.File("got.txt")).TrimEnd('\n'));
            Assert.Equal("c", ProcessRunner.Shell("stat -c %A /dev/null").Substring(0, 1));
        }

        /// <summary>No INPUT reads standard input, as coreutils base64 does.</summary>
        [Fact]
        public void Without_an_input_it_reads_standard_input_like_coreutils()
        {
            _dir.RandomFile("in.bin", 100_000);
            ProcessRunner.Shell($"{Cli} base64 < in.bin > sf.b64 && base64 -w 0 < in.bin > cu.b64 && cmp sf.b64 cu.b64 && {Cli} base64 -d < sf.b64 > back.bin && cmp back.bin in.bin", _dir.Path);
        }

        [Theory]
        [InlineData("", "-w 0")]
        [InlineData("--wrap 76", "-w 76")]
        [InlineData("-w 5", "-w 5")]
        public void Encodes_across_buffer_boundaries_like_coreutils_to_a_file_and_to_stdout(string options, string coreutilsOptions)
        {
            _dir.RandomFile("in.bin", (2 * StreamingBase64.EncodeBufferSize) + 1);
            ProcessRunner.Shell($"{Cli} base64 {options} in.bin out.b64 && {Cli} base64 {options} in.bin > stdout.b64 && base64 {coreutilsOptions} in.bin > cu.b64 && cmp out.b64 cu.b64 && cmp stdout.b64 cu.b64", _dir.Path);
            Assert.False(File.Exists(_dir.File("out.b64.partial")));
        }

        [Fact]
        public void Decodes_coreutils_text_from_a_file_and_from_stdin_to_stdout()
        {
            _dir.RandomFile("in.bin", 3_000_001);
            ProcessRunner.Shell(
                $"base64 in.bin > wrapped.b64 && {Cli} base64 --decode wrapped.b64 out.bin && cmp out.bin in.bin && " +
                $"base64 -w 0 in.bin | {Cli} base64 -d - > piped.bin && cmp piped.bin in.bin && " +
                $"{Cli} base64 - - < in.bin | base64 -d > back.bin && cmp back.bin in.bin",
                _dir.Path);
        }

        [Fact]
        public void Url_safe_is_basenc_base64url_without_padding_and_decodes_either_way()
        {
            _dir.RandomFile("in.bin", 100_000);
            ProcessRunner.Shell(
                $"{Cli} base64 --url-safe in.bin out.txt && basenc --base64url -w 0 in.bin | tr -d = > cu.txt && cmp out.txt cu.txt && " +
                $"{Cli} base64 -d --url-safe out.txt back.bin && cmp back.bin in.bin && " +
                $"basenc --base64url in.bin | {Cli} base64 -d --url-safe - > padded.bin && cmp padded.bin in.bin",
                _dir.Path);
        }

        [Fact]
        public void Bad_text_fails_with_exit_1_naming_the_input_and_offset_and_keeps_the_old_output()
        {
            File.WriteAllText(_dir.File("bad.b64"), "QUJDQUJD\nQUJD*UJD\n");
            File.WriteAllText(_dir.File("out.bin"), "precious");

            var run = ProcessRunner.Streamfiles(_dir.Path, "base64", "-d", "bad.b64", "out.bin");

            Assert.Equal(1, run.ExitCode);
            Assert.Equal(string.Empty, run.Output);
            Assert.Equal("streamfiles: [InvalidData] 'bad.b64' is not valid base64 text: invalid character '*' (0x2A) at byte offset 13. The existing 'out.bin' was left as it was.\n", run.Error);
            Assert.Equal("precious", File.ReadAllText(_dir.File("out.bin")));
            Assert.False(File.Exists(_dir.File("out.bin.partial")));
        }

        /// <summary>`base64 -d -w 0`, as scripts write it for coreutils, decodes: the wrap has nothing to do (it was a usage error).</summary>
        [Fact]
        public void Decode_takes_a_wrap_as_coreutils_does()
        {
            string input = _dir.RandomFile("in.bin", 1000);
            ProcessRunner.Shell("base64 -w 76 in.bin > in.b64", _dir.Path);

            var run = ProcessRunner.Streamfiles(_dir.Path, "base64", "-d", "-w", "0", "in.b64", "out.bin");

            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Equal(File.ReadAllBytes(input), File.ReadAllBytes(_dir.File("out.bin")));
        }

        [Fact]
        public void A_missing_input_fails_with_exit_1()
        {
            var run = ProcessRunner.Streamfiles(_dir.Path, "base64", "missing.bin", "out.b64");
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("missing.bin", run.Error);
            Assert.False(File.Exists(_dir.File("out.b64")));
        }

        [Theory]
        [InlineData("base64", "--wrap", "-1", "in.bin")]
        [InlineData("base64", "--bogus", "in.bin")]
        [InlineData("base64", "in.bin", "out.b64", "extra")]
        public void Usage_errors_exit_with_2(params string[] arguments)
        {
            _dir.RandomFile("in.bin", 10);
            var run = ProcessRunner.Streamfiles(_dir.Path, arguments);
            Assert.Equal(2, run.ExitCode);
            Assert.StartsWith("streamfiles: ", run.Error);
            Assert.False(File.Exists(_dir.File("out.b64")));
        }
    }
}
