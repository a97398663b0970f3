using TalkToMe.Benchmarks;

// Benchmarks for issue 4 (results in docs/BENCHMARKS.md). Not part of the test suite.
//   dotnet run -c Release --project TalkToMe.Benchmarks -- inbox-list [conversations]
//   dotnet run -c Release --project TalkToMe.Benchmarks -- ingest [seconds] [senders]
return args switch
{
    ["inbox-list", ..] => await InboxListBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 1_000_000),
    ["ingest", ..] => await IngestBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 20, args.Length > 2 ? int.Parse(args[2]) : 16),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: TalkToMe.Benchmarks inbox-list [conversations] | ingest [seconds] [senders]");
    return 2;
}
