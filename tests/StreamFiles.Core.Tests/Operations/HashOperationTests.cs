using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using StreamFiles.Core.Hashing;
using StreamFiles.Core.Operations;
using StreamFiles.Core.Progress;
using StreamFiles.Core.Tests.TestSupport;

namespace StreamFiles.Core.Tests.Operations
{
    /// <summary>The batch runner behind Get-FileHashChunked and `streamfiles hash`, through a recording host.</summary>
    public sealed class HashOperationTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        private static HashOperation NewOperation(
            int throttle = 2,
            bool progress = false,
            TimeSpan? progressInterval = null,
            TimeSpan? statusInterval = null,
            bool ordered = false,
            CancellationToken cancellationToken = default,
            params ChecksumAlgorithm[] algorithms) =>
            new HashOperation(
                new HashSettings(algorithms.Length == 0 ? null : algorithms),
                new OperationSettings(throttle, progress, progressInterval, statusInterval, ordered),
                cancellationToken);

        private static RecordingSink Run(HashOperation operation, IEnumerable<HashRequest> requests)
        {
            var sink = new RecordingSink();
            foreach (HashRequest request in requests)
            {
                operation.Submit(request, sink);
            }

            operation.Complete(sink);
            return sink;
        }

        [Fact]
        public void A_missing_file_is_an_error_and_the_batch_goes_on()
        {
            string first = _temp.WriteRandom("first.bin", 1000);
            string missing = _temp.File("missing.bin");
            string last = _temp.WriteRandom("last.bin", 2000);
            using HashOperation operation = NewOperation(ordered: true);

            RecordingSink sink = Run(operation, new[] { new HashRequest(first), new HashRequest(missing), new HashRequest(last) });

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("FileNotFound", error.Condition);
            Assert.Equal(FailureCategory.ObjectNotFound, error.Category);
            Assert.Equal(missing, error.Target);
            Assert.Contains(missing, error.Message);
            Assert.Equal(new[] { first, last }, sink.Results.Cast<FileHashResult>().Select(r => r.Path));
            Assert.Equal(ExternalTool.CoreutilsDigest("sha256sum", last), sink.Results.Cast<FileHashResult>().Last().Hash);
            Assert.Equal(1, operation.FailedCount);
            Assert.Equal(2, operation.SucceededCount);
            Assert.Equal(0, sink.ForeignThreadCalls);
        }

        /// <summary>
        /// A dangling symbolic link says where it leads, and a missing file names its path once (a probe: "Cannot find
        /// the file 'x': Could not find file 'x'.").
        /// </summary>
        [Fact]
        public void A_dangling_link_says_where_it_leads_and_a_missing_file_is_named_once()
        {
            string link = _temp.File("dangling.bin");
            File.CreateSymbolicLink(link, _temp.File("gone.bin"));
            string missing = _temp.File("missing.bin");
            using HashOperation operation = NewOperation(ordered: true);

            RecordingSink sink = Run(operation, new[] { new HashRequest(link), new HashRequest(missing) });

            Assert.Equal(2, sink.Errors.Count());
            Assert.All(sink.Errors, e => Assert.Equal("FileNotFound", e.Condition));
            CommandError dangling = sink.Errors.Single(e => e.Target == link);
            Assert.Contains($"is a symbolic link to '{_temp.File("gone.bin")}', which does not exist", dangling.Message, StringComparison.Ordinal);
            CommandError plain = sink.Errors.Single(e => e.Target == missing);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(plain.Message, System.Text.RegularExpressions.Regex.Escape(missing)));
        }

        [Theory]
        [InlineData("")]
        [InlineData("bad\0name.bin")]
        public void A_path_that_is_no_path_is_an_error_and_the_batch_goes_on(string path)
        {
            string file = _temp.WriteRandom("file.bin", 10);
            using HashOperation operation = NewOperation(ordered: true);

            RecordingSink sink = Run(operation, new[] { new HashRequest(path), new HashRequest(file) });

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("InvalidPath", error.Condition);
            Assert.Equal(FailureCategory.InvalidArgument, error.Category);
            Assert.Equal(path, error.Target);
            Assert.Equal(file, Assert.IsType<FileHashResult>(Assert.Single(sink.Results)).Path);
            Assert.Equal(1, operation.FailedCount);
        }

        /// <summary>.NET's own words on Unix end with the path again ("Too many levels of symbolic links : '/x'"); the message names it once.</summary>
        [Fact]
        public void A_read_error_names_the_path_once()
        {
            string loop = _temp.File("loop");
            File.CreateSymbolicLink(loop, loop);
            using HashOperation operation = NewOperation();

            RecordingSink sink = Run(operation, new[] { new HashRequest(loop) });

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("ReadError", error.Condition);
            Assert.Equal(1, error.Message.Split(loop).Length - 1);
            Assert.DoesNotContain(" : '", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void A_named_directory_is_an_error()
        {
            using HashOperation operation = NewOperation();

            RecordingSink sink = Run(operation, new[] { new HashRequest(_temp.Path, explicitPath: true) });

            CommandError error = Assert.Single(sink.Errors);
            Assert.Equal("PathIsDirectory", error.Condition);
            Assert.Equal(FailureCategory.InvalidArgument, error.Category);
            Assert.Equal(_temp.Path, error.Target);
            Assert.Empty(sink.Results);
            Assert.Equal(1, operation.FailedCount);
        }

        [Fact]
        public void A_directory_matched_by_a_wildcard_is_passed_over_quietly()
        {
            string file = _temp.WriteRandom("file.bin", 10);
            using HashOperation operation = NewOperation();

            RecordingSink sink = Run(operation, new[] { new HashRequest(_temp.Path, explicitPath: false), new HashRequest(file, explicitPath: false) });

            Assert.Empty(sink.Errors);
            Assert.Equal(file, Assert.IsType<FileHashResult>(Assert.Single(sink.Results)).Path);
            Assert.Equal(0, operation.FailedCount);
            Assert.Equal(1, operation.SucceededCount);
        }

        [Fact]
        public void Ordered_output_keeps_the_input_order_while_items_run_in_parallel()
        {
            // Big files first: in completion order the small ones would come out ahead of them.
            var paths = new List<string>
            {
                _temp.WriteRandom("0-big.bin", 24 << 20),
                _temp.WriteRandom("1-big.bin", 16 << 20),
                _temp.File("2-missing.bin"),
            };
            for (int i = 3; i < 20; i++)
            {
                paths.Add(_temp.WriteRandom($"{i}-small.bin", i * 100));
            }

            using HashOperation operation = NewOperation(throttle: 4, ordered: true, algorithms: ChecksumAlgorithm.SHA512);

            RecordingSink sink = Run(operation, paths.Select(p => new HashRequest(p)));

            var emitted = sink.Events.Select(e => e is CommandError error ? error.Target : ((FileHashResult)e).Path).ToList();
            Assert.Equal(paths, emitted);
            Assert.Equal(19, operation.SucceededCount);
            Assert.Equal(1, operation.FailedCount);
        }

        [Fact]
        public void Every_result_arrives_when_many_tiny_items_finish_together()
        {
            var paths = Enumerable.Range(0, 300).Select(i => _temp.WriteRandom($"tiny{i}.bin", i % 3)).ToList();

            for (int round = 0; round < 5; round++)
            {
                using HashOperation operation = NewOperation(throttle: 8, algorithms: ChecksumAlgorithm.CRC32);
                RecordingSink sink = Run(operation, paths.Select(p => new HashRequest(p)));

                Assert.Equal(paths.Count, operation.SucceededCount);
                Assert.Equal(paths.OrderBy(p => p), sink.Results.Cast<FileHashResult>().Select(r => r.Path).OrderBy(p => p));
            }
        }

        [Fact]
        public void No_progress_is_reported_unless_asked()
        {
            string file = _temp.WriteRandom("file.bin", 3 << 20);
            using HashOperation operation = NewOperation(progress: false, progressInterval: TimeSpan.FromMilliseconds(1));

            RecordingSink sink = Run(operation, new[] { new HashRequest(file), new HashRequest(file) });

            Assert.Empty(sink.Progress);
            Assert.Empty(sink.Verbose);
            Assert.Equal(2, sink.Results.Count());
        }

        [Fact]
        public void Progress_ends_with_a_completed_report_that_closes_every_item()
        {
            var files = new[]
            {
                _temp.WriteRandom("a.bin", 8 << 20),
                _temp.WriteRandom("b.bin", 4 << 20),
                _temp.WriteRandom("c.bin", 100),
            };
            long total = 12L * 1024 * 1024 + 100;
            using HashOperation operation = NewOperation(throttle: 2, progress: true, progressInterval: TimeSpan.FromMilliseconds(5), algorithms: ChecksumAlgorithm.SHA512);

            RecordingSink sink = Run(operation, files.Select(f => new HashRequest(f)).Append(new HashRequest(_temp.File("nope"))));

            List<ProgressReport> reports = sink.Progress.ToList();
            Assert.NotEmpty(reports);
            ProgressReport final = reports.Last();
            Assert.True(final.Completed);
            Assert.Equal(1, reports.Count(r => r.Completed));
            Assert.True(final.InputComplete);
            Assert.Equal(4, final.ItemsSubmitted);
            Assert.Equal(4, final.ItemsFinished);
            Assert.Equal(total, final.BytesDone);
            Assert.Equal(total, final.BytesTotal);
            Assert.Equal(100, final.PercentComplete);

            // Every file's row is closed exactly once, with all of its bytes.
            var closed = reports.SelectMany(r => r.Items).Where(i => i.Completed).ToList();
            Assert.Equal(files.OrderBy(f => f), closed.Select(i => i.Name).OrderBy(n => n));
            Assert.All(closed, row => Assert.Equal(row.Length, row.BytesDone));

            // Rows reuse slots: never more at once than the throttle allows.
            Assert.All(reports.SelectMany(r => r.Items), row => Assert.InRange(row.Slot, 0, 1));
            Assert.Equal(0, sink.ForeignThreadCalls);
        }

        [Fact]
        public void Status_lines_go_to_verbose_for_unattended_runs()
        {
            string file = _temp.WriteRandom("file.bin", 2 << 20);
            using HashOperation operation = NewOperation(statusInterval: TimeSpan.FromTicks(1), progressInterval: TimeSpan.FromMilliseconds(2));

            RecordingSink sink = Run(operation, new[] { new HashRequest(file), new HashRequest(file) });

            List<string> lines = sink.Verbose.ToList();
            Assert.True(lines.Count >= 2, string.Join(Environment.NewLine, lines));
            Assert.All(lines, line => Assert.StartsWith("Hashing files", line));
            Assert.Equal("Hashing files finished: 2 of 2 files, 4.00 MiB of 4.00 MiB", string.Join(",", lines.Last().Split(',').Take(2)));
            Assert.Empty(sink.Progress);
        }

        [Fact]
        public void Status_lines_do_not_swallow_the_completion_of_progress_rows()
        {
            var files = Enumerable.Range(0, 6).Select(i => _temp.WriteRandom($"f{i}.bin", 1 << 20)).ToList();
            using HashOperation operation = NewOperation(
                progress: true, progressInterval: TimeSpan.FromSeconds(30), statusInterval: TimeSpan.FromTicks(1), algorithms: ChecksumAlgorithm.SHA512);

            RecordingSink sink = Run(operation, files.Select(f => new HashRequest(f)));

            var closed = sink.Progress.SelectMany(r => r.Items).Where(i => i.Completed).Select(i => i.Name).ToList();
            Assert.Equal(files.OrderBy(f => f), closed.OrderBy(n => n));
        }

        [Fact]
        public void Cancelling_stops_a_batch_of_large_files_promptly()
        {
            // Sparse files: no disk to fill, yet every byte is read and hashed (about 8 s each with SHA512+MD5),
            // so a stop that waited for a file to end would take several times the bound below.
            var files = Enumerable.Range(0, 4).Select(i => _temp.WriteSparse($"big{i}.bin", 4L << 30)).ToList();
            using var cts = new CancellationTokenSource();
            using HashOperation operation = NewOperation(throttle: 2, progress: true, cancellationToken: cts.Token, algorithms: new[] { ChecksumAlgorithm.SHA512, ChecksumAlgorithm.MD5 });
            var sink = new RecordingSink();

            var clock = Stopwatch.StartNew();
            cts.CancelAfter(TimeSpan.FromMilliseconds(300));
            foreach (string file in files)
            {
                // The third file waits for a free slot; cancellation must release that wait too.
                operation.Submit(new HashRequest(file), sink);
            }

            operation.Complete(sink);
            TimeSpan elapsed = clock.Elapsed;

            Assert.True(cts.IsCancellationRequested);
            Assert.True(elapsed < TimeSpan.FromSeconds(4), $"took {elapsed} to stop");
            Assert.Empty(sink.Results);
            Assert.Empty(sink.Errors);
            Assert.Equal(0, operation.SucceededCount);
            Assert.Equal(0, operation.FailedCount);
            Assert.True(sink.Progress.Last().Completed);
            Assert.True(operation.IsCancelled);
        }

        [Fact]
        public void Nothing_is_started_after_cancellation()
        {
            string file = _temp.WriteRandom("file.bin", 10);
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            using HashOperation operation = NewOperation(cancellationToken: cts.Token);

            RecordingSink sink = Run(operation, new[] { new HashRequest(file), new HashRequest(_temp.File("missing")) });

            Assert.Empty(sink.Events);
            Assert.Equal(0, operation.SucceededCount + operation.FailedCount);
        }

        [Fact]
        public void Throttle_and_intervals_are_validated()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new OperationSettings(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new OperationSettings(1025));
            Assert.Throws<ArgumentOutOfRangeException>(() => new OperationSettings(1, progressInterval: TimeSpan.Zero));
            Assert.Throws<ArgumentOutOfRangeException>(() => new OperationSettings(1, statusInterval: TimeSpan.FromSeconds(-1)));
        }

        public void Dispose() => _temp.Dispose();
    }
}
