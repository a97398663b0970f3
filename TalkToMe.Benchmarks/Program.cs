using TalkToMe.Benchmarks;

// Benchmarks for issues 4 and 12 (results in docs/BENCHMARKS.md). Not part of the test suite.
//   dotnet run -c Release --project TalkToMe.Benchmarks -- inbox-list [conversations] [postgres]
//   dotnet run -c Release --project TalkToMe.Benchmarks -- ingest [seconds] [senders] [postgres]
//   dotnet run -c Release --project TalkToMe.Benchmarks -- search [messages] [postgres]
//   dotnet run -c Release --project TalkToMe.Benchmarks -- nodes [seconds] [subscribers] [msg/s]   (PostgreSQL + Redis)
//   dotnet run -c Release --project TalkToMe.Benchmarks -- hub [seconds] [clients] [msg/s]  (SQLite, one node: SignalR clients)
//   dotnet run -c Release --project TalkToMe.Benchmarks -- reports [conversations]          (SQLite)
//   dotnet run -c Release --project TalkToMe.Benchmarks -- assign [conversations] [agents] [postgres]
//   dotnet run -c Release --project TalkToMe.Benchmarks -- media [files] [megabytes]         (SQLite)
// "postgres" (or --provider PostgreSql) runs the same measurement on PostgreSQL, in a fresh database on the server named
// by TALKTOME_BENCH_POSTGRES or TALKTOME_TEST_POSTGRES (tools/test-postgres.sh run -- …), dropped afterwards.
var (provider, rest) = BenchDatabase.ParseProvider(args);
return rest switch
{
    ["inbox-list", ..] => await InboxListBenchmark.RunAsync(rest.Length > 1 ? int.Parse(rest[1]) : 1_000_000, provider),
    ["ingest", ..] => await IngestBenchmark.RunAsync(rest.Length > 1 ? int.Parse(rest[1]) : 20, rest.Length > 2 ? int.Parse(rest[2]) : 16, provider),
    ["search", ..] => await SearchBenchmark.RunAsync(rest.Length > 1 ? int.Parse(rest[1]) : 1_000_000, provider),
    ["nodes", ..] => await NodesBenchmark.RunAsync(rest.Length > 1 ? int.Parse(rest[1]) : 15, rest.Length > 2 ? int.Parse(rest[2]) : 200,
        rest.Length > 3 ? int.Parse(rest[3]) : 20),
    ["hub", ..] => await NodesBenchmark.RunOneNodeAsync(rest.Length > 1 ? int.Parse(rest[1]) : 10, rest.Length > 2 ? int.Parse(rest[2]) : 200,
        rest.Length > 3 ? int.Parse(rest[3]) : 50),
    ["reports", ..] => await ReportBenchmark.RunAsync(rest.Length > 1 ? int.Parse(rest[1]) : 1_000_000),
    ["assign", ..] => await AssignBenchmark.RunAsync(rest.Length > 1 ? int.Parse(rest[1]) : 1_000, rest.Length > 2 ? int.Parse(rest[2]) : 50, provider),
    ["media", ..] => await MediaBenchmark.RunAsync(rest.Length > 1 ? int.Parse(rest[1]) : 10, rest.Length > 2 ? int.Parse(rest[2]) : 20),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: TalkToMe.Benchmarks inbox-list [conversations] [postgres] | ingest [seconds] [senders] [postgres] | search [messages] [postgres] | nodes [seconds] [subscribers] [msg/s] | hub [seconds] [clients] [msg/s] | reports [conversations] | assign [conversations] [agents] [postgres] | media [files] [megabytes]");
    return 2;
}
