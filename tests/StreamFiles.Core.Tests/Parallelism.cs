// Most of this suite's time is spent waiting (child processes, injected stalls and latencies, the S3 server), not
// computing: with xunit's default of one test thread per core, a two-core machine stayed about half idle (7 min 25 s
// of wall time for 5 min of CPU). Four threads let the waits overlap.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
