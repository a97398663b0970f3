using System.Data.Common;
using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Data.Sqlite;

namespace TalkToMe.Benchmarks;

/// <summary>
/// Inbox search over 1,000,000 messages (100,000 conversations, ten messages each, 70% open) through the app's own
/// InboxQuery, on SQLite (FTS5) or PostgreSQL (tsvector + GIN): p50/p99 of the first page for searches people make —
/// an order code that one message has, a surname, a word in 0.1% of messages, a word in a fifth of them, two words,
/// a prefix being typed — and the same page without a search as the baseline of the same run.
/// </summary>
public static class SearchBenchmark
{
    private static readonly string[] FirstNames = ["Ana", "João", "Maria", "Pedro", "Lúcia", "Carlos", "Beatriz", "José", "Fernanda", "Marcos",
        "Juliana", "Rafael", "Camila", "Bruno", "Patrícia", "Diego", "Larissa", "Thiago", "Gabriela", "André"];

    private static readonly string[] LastNames = ["Silva", "Souza", "Oliveira", "Santos", "Conceição", "Pereira", "Lima", "Gomes", "Ribeiro", "Almeida",
        "Araújo", "Barbosa", "Cardoso", "Teixeira", "Moreira", "Monteiro", "Mendes", "Freitas", "Rocha", "Dias",
        "Castro", "Campos", "Vieira", "Nunes", "Fonseca", "Correia", "Batista", "Cunha", "Pinto", "Machado",
        "Lopes", "Moura", "Cavalcanti", "Azevedo", "Ramos", "Farias", "Nogueira", "Tavares", "Pires", "Brandão"];

    private static readonly string[] Common = ["olá", "bom", "dia", "preciso", "ajuda", "com", "meu", "minha", "entrega", "produto", "obrigado",
        "quando", "chega", "valor", "troca", "boleto", "cartão", "endereço", "atendimento", "não", "sim", "por", "favor", "hoje"];

    /// <summary>
    /// TALKTOME_BENCH_KEEP=1: the filled database is kept (PostgreSQL <c>ttm_bench_search_keep_N</c>, SQLite
    /// <c>talktome-bench-search-keep-N.db</c> in the temp folder) and reused by the next run of the same size, which then
    /// only migrates and measures: a 1,000,000-message fill takes 1–2 minutes per engine, too long to iterate on a query.
    /// </summary>
    private static bool Keep => Environment.GetEnvironmentVariable("TALKTOME_BENCH_KEEP") == "1";

    public static async Task<int> RunAsync(int messages, DatabaseProvider provider)
    {
        if (provider == DatabaseProvider.PostgreSql && Keep)
        {
            var kept = await BenchDatabase.OpenOrCreateDatabaseAsync($"search_keep_{messages}");
            await BenchDatabase.PrintServerAsync(kept);
            await MeasureAsync(DatabaseSettings.PostgreSql(kept), messages);
            return 0;
        }

        if (Keep)
        {
            await MeasureAsync(DatabaseSettings.Sqlite($"Data Source={Path.Combine(Path.GetTempPath(), $"talktome-bench-search-keep-{messages}.db")}"), messages);
            return 0;
        }

        if (provider == DatabaseProvider.PostgreSql)
        {
            var database = await BenchDatabase.CreateDatabaseAsync("search");
            try
            {
                await BenchDatabase.PrintServerAsync(database);
                await MeasureAsync(DatabaseSettings.PostgreSql(database), messages);
                return 0;
            }
            finally
            {
                await BenchDatabase.DropDatabaseAsync(database);
            }
        }

        var path = Stats.TempDatabase("search");
        try
        {
            await MeasureAsync(DatabaseSettings.Sqlite($"Data Source={path}"), messages);
            return 0;
        }
        finally
        {
            Stats.Delete(path);
        }
    }

    private static async Task MeasureAsync(DatabaseSettings settings, int messages)
    {
        var factory = new Factory(settings);
        await new DatabaseMigrator(factory, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();

        var fill = Stopwatch.StartNew();
        var code = await KeptCodeAsync(factory);
        if (code is not null)
        {
            Console.WriteLine($"{settings.Provider}: reusing the kept database of {messages:N0} messages (TALKTOME_BENCH_KEEP=1)");
        }
        else
        {
            code = await FillAsync(factory, messages);
            Console.WriteLine($"{settings.Provider}: inserted {messages:N0} messages in {messages / 10:N0} conversations (full-text index kept by the " +
            $"engine as rows go in) in {fill.Elapsed.TotalSeconds:0.0} s");
        }

        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            await MergeAsTheAppDoesAsync(factory, settings);
        }

        var query = new InboxQuery(factory);
        var searches = new (string Name, string? Text)[]
        {
            ("no search (baseline)", null),
            ("order code, 1 message", code),
            ("surname, 2.5% of contacts", "Conceição"),
            ("word in 0.1% of messages", "palavra0500"),
            ("word in 20% of messages", "pedido"),
            ("two words", "pedido atrasado"),
            ("prefix being typed", "conc"),
        };

        // TALKTOME_BENCH_ONLY="pedido|pedido atrasado": only those searches (and the baseline).
        if (Environment.GetEnvironmentVariable("TALKTOME_BENCH_ONLY") is { Length: > 0 } only)
        {
            searches = searches.Where(s => s.Text is null || only.Split('|').Contains(s.Text)).ToArray();
        }

        if (Environment.GetEnvironmentVariable("TALKTOME_BENCH_PLAN") == "1")
        {
            foreach (var (name, text) in searches)
            {
                await PrintPlanAsync(factory, name, await query.FirstPageSqlAsync(new InboxFilter { Search = text }));
            }
        }

        await WarmAsync(query, searches.Select(s => s.Text).ToArray());

        if (Environment.GetEnvironmentVariable("TALKTOME_BENCH_STEPS") == "1")
        {
            foreach (var (name, text) in searches.Where(s => s.Text is not null))
            {
                // Three runs: the first after the others' searches is often the slowest.
                for (var run = 0; run < 3; run++)
                {
                    await PrintStepsAsync(query, name, text!);
                }
            }
        }

        var searched = new List<double>();
        double? baseline = null;
        foreach (var (name, text) in searches)
        {
            var samples = new List<double>();
            var found = 0;
            // This process's CPU per search: SQLite's whole cost (it runs in this process), PostgreSQL's client side. Less
            // swayed than the wall clock by what else runs on a shared machine.
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            for (var i = 0; i < 60; i++)
            {
                var watch = Stopwatch.StartNew();
                var page = await query.ListAsync(new InboxFilter { Search = text });
                samples.Add(watch.Elapsed.TotalMilliseconds);
                found = page.Items.Count;
            }

            if (text is null)
            {
                samples.Sort();
                baseline = Stats.Percentile(samples, 50);
            }
            else
            {
                searched.AddRange(samples);
            }

            var cpuPerSearch = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / 60;
            Console.WriteLine($"  {name,-28} \"{text}\": {found,2} rows on the first page; {Stats.Summary(samples)}; this process's CPU {cpuPerSearch:0.00} ms per search");
        }

        searched.Sort();
        if (searched.Count == 0)
        {
            return;
        }

        Console.WriteLine($"{settings.Provider}: all searches {Stats.Summary(searched)}; p50 ratio to the first page without a search " +
            $"{Stats.Percentile(searched, 50) / baseline:0.0}x (goal: p50 <= 20 ms)");
    }

    /// <summary>
    /// Runs every search until the JIT has nothing left to compile, as in a server that has been up for a while. .NET
    /// compiles a method quickly first and again, optimised, in the background once it has run 30 times and no new method
    /// has appeared for 100 ms; until then a search runs part of its code unoptimised and shares the two cores with the
    /// compiler. After 30 runs of each search, "pedido atrasado" on SQLite took 20–25 ms; with the JIT's tiers turned off
    /// (DOTNET_TieredCompilation=0), 17 ms (BENCHMARKS.md, session 21).
    /// </summary>
    private static async Task WarmAsync(InboxQuery query, string?[] searches)
    {
        var watch = Stopwatch.StartNew();
        long compiled;
        var rounds = 0;
        do
        {
            compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            foreach (var text in searches)
            {
                for (var i = 0; i < 30; i++)
                {
                    await query.ListAsync(new InboxFilter { Search = text });
                }
            }

            // A pause without new methods, for the background compiler to start.
            await Task.Delay(250);
            rounds++;
        }
        while (System.Runtime.JitInfo.GetCompiledMethodCount() != compiled && rounds < 20);

        Console.WriteLine($"Warmed up in {rounds} rounds of 30 runs of each search, {watch.Elapsed.TotalSeconds:0.0} s: " +
            $"{System.Runtime.JitInfo.GetCompiledMethodCount():N0} methods compiled, the last round compiled " +
            $"{(System.Runtime.JitInfo.GetCompiledMethodCount() == compiled ? "none" : "some (gave up after 20)")}");
    }

    /// <summary>
    /// SQLite: the app's <see cref="SearchIndexMerger"/> merges a full-text index of more than 8 segments into one within
    /// 10 minutes of the writes (TALKTOME_BENCH_MERGE=0 measures the index as the writes left it).
    /// </summary>
    private static async Task MergeAsTheAppDoesAsync(Factory factory, DatabaseSettings settings)
    {
        var merger = new SearchIndexMerger(factory, settings, WriteGate.For(settings.Provider), TimeProvider.System,
            NullLogger<SearchIndexMerger>.Instance);
        var segments = await merger.SegmentsAsync("MessageSearch", CancellationToken.None);
        if (segments <= SearchIndexMerger.MaxSegments || Environment.GetEnvironmentVariable("TALKTOME_BENCH_MERGE") == "0")
        {
            Console.WriteLine($"Sqlite: the message search index has {segments} segments; not merged");
            return;
        }

        var watch = Stopwatch.StartNew();
        var steps = await merger.MergeAsync("MessageSearch", TimeSpan.Zero, CancellationToken.None);
        Console.WriteLine($"Sqlite: merged the message search index from {segments} segments into " +
            $"{await merger.SegmentsAsync("MessageSearch", CancellationToken.None)} in {steps} steps of {SearchIndexMerger.PagesPerStep} pages, " +
            $"{watch.Elapsed.TotalSeconds:0.0} s (the app does it in the background, with pauses)");
    }

    /// <summary>The order code of a database filled before (TALKTOME_BENCH_KEEP=1), or null when it is empty.</summary>
    private static async Task<string?> KeptCodeAsync(Factory factory)
    {
        await using var db = factory.CreateDbContext();
        var text = await db.Messages.Where(m => m.Content.Contains(" PX")).Select(m => m.Content).FirstOrDefaultAsync();
        return text is null ? null : System.Text.RegularExpressions.Regex.Match(text, "PX[0-9]{6}").Value;
    }

    /// <summary>Contacts, identities, conversations and messages in multi-row INSERTs; returns the one order code.</summary>
    private static async Task<string> FillAsync(Factory factory, int messages)
    {
        await using var db = factory.CreateDbContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var postgres = connection is NpgsqlConnection;
        var (yes, no) = postgres ? ("TRUE", "FALSE") : ("1", "0");
        var now = new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc);
        await ExecAsync(connection, null,
            $$"""INSERT INTO "Channels" ("Id", "Name", "Type", "IsActive", "AllowsActiveContact", "PublicKey", "SettingsJson", "CreatedAt", "KeepAliveInactivityAmount", "KeepAliveInactivityUnit", "KeepAliveFinalizationAmount", "KeepAliveFinalizationUnit", "KeepAliveEnabled") VALUES (1, 'Bench', 'Api', {{yes}}, {{no}}, 'bench', '{}', {{now.Ticks}}, 0, 'Minutes', 0, 'Minutes', {{no}});""");

        var random = new Random(42);
        var conversations = messages / 10;
        var codeAt = random.Next(messages);
        var code = "";
        await using var transaction = await connection.BeginTransactionAsync();
        var rows = new Batch(connection, transaction, postgres);
        for (var i = 1; i <= conversations; i++)
        {
            var at = now.AddSeconds(-random.Next(0, 365 * 24 * 3600)).Ticks;
            var name = $"{FirstNames[random.Next(FirstNames.Length)]} {LastNames[random.Next(LastNames.Length)]}";
            await rows.AddAsync("Contacts", ["Id", "Name", "AttributesJson", "CreatedAt"], [i, name, "{}", at]);
            await rows.AddAsync("ContactIdentities", ["Id", "ContactId", "ChannelId", "ExternalId"], [i, i, 1, "ext-" + i]);
            await rows.AddAsync("Conversations",
                ["Id", "ChannelId", "ContactId", "ContactIdentityId", "Status", "Priority", "LastActivityAt", "LastCustomerMessageAt", "LastMessagePreview", "UnreadCount", "CreatedAt", "KeepAliveStage", "AttributesJson"],
                [i, 1, i, i, random.Next(10) < 7 ? 0 : 3, 0, at, at, "Olá", 0, at, 0, "{}"]);
        }

        await rows.FlushAsync();
        for (var m = 0; m < messages; m++)
        {
            var text = new StringBuilder();
            for (var w = random.Next(4, 14); w > 0; w--)
            {
                text.Append(Common[random.Next(Common.Length)]).Append(' ');
            }

            if (random.Next(5) == 0)
            {
                text.Append("pedido ").Append(random.Next(4) == 0 ? "atrasado " : "");
            }

            text.Append("palavra").Append(random.Next(1000).ToString("0000"));
            if (m == codeAt)
            {
                code = "PX" + random.Next(100_000, 999_999);
                text.Append(' ').Append(code);
            }

            await rows.AddAsync("Messages",
                ["Id", "ConversationId", "ChannelId", "Direction", "Kind", "SenderType", "Content", "DeliveryStatus", "DeliveryAttempts", "CreatedAt"],
                [m + 1L, m % conversations + 1, 1, 0, 0, 0, text.ToString(), 0, 0, now.Ticks - m]);
        }

        await rows.FlushAsync();
        await transaction.CommitAsync();
        await ExecAsync(connection, null, postgres ? "VACUUM ANALYZE;" : "ANALYZE;");
        return code;
    }

    /// <summary>
    /// TALKTOME_BENCH_STEPS=1: each statement one search sends, with its time as EF Core's diagnostics report it (sent →
    /// reader done), and what the search took in all: the gap is this process's own work between the statements.
    /// TALKTOME_BENCH_STEPS_SQL=1 adds each statement's whole text. A statement sent on the connection itself (PostgreSQL's
    /// EXPLAIN for the estimate) is not listed.
    /// </summary>
    private static async Task PrintStepsAsync(InboxQuery query, string name, string text)
    {
        var steps = new List<string>();
        using var observer = new StepObserver(steps);
        using var subscription = DiagnosticListener.AllListeners.Subscribe(observer);
        var watch = Stopwatch.StartNew();
        await query.ListAsync(new InboxFilter { Search = text });
        var total = watch.Elapsed.TotalMilliseconds;
        Console.WriteLine($"[{name}] {total:0.00} ms in all, {steps.Count} statements:");
        foreach (var step in steps)
        {
            Console.WriteLine("    " + step);
        }
    }

    private sealed class StepObserver(List<string> steps) : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly List<IDisposable> _subscriptions = [];

        public void Dispose() => _subscriptions.ForEach(s => s.Dispose());

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == DbLoggerCategory.Name)
            {
                _subscriptions.Add(listener.Subscribe(this));
            }
        }

        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public void OnNext(KeyValuePair<string, object?> e)
        {
            if (Environment.GetEnvironmentVariable("TALKTOME_BENCH_STEPS_ALL") == "1")
            {
                steps.Add($"{_clock.Elapsed.TotalMilliseconds,8:0.00} ms since start: {e.Key.Split('.')[^1]}");
            }

            if (e.Value is Microsoft.EntityFrameworkCore.Diagnostics.CommandExecutedEventData executed
                && e.Key == Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.CommandExecuted.Name)
            {
                var sql = string.Join(' ', executed.Command.CommandText.Split((char[])['\n', '\r'], StringSplitOptions.RemoveEmptyEntries)
                    .Select(l => l.Trim()));
                steps.Add($"{executed.Duration.TotalMilliseconds,7:0.00} ms, {executed.Command.Parameters.Count} parameters, {sql.Length} characters  {(sql.Length > 150 ? sql[..150] + "…" : sql)}");
                if (Environment.GetEnvironmentVariable("TALKTOME_BENCH_STEPS_SQL") == "1")
                {
                    steps.Add(executed.Command.CommandText);
                }
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    /// <summary>The first page's SQL and the engine's plan for it (TALKTOME_BENCH_PLAN=1).</summary>
    private static async Task PrintPlanAsync(Factory factory, string name, string sql)
    {
        await using var db = factory.CreateDbContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        var postgres = connection is NpgsqlConnection;
        var lines = sql.Split('\n');
        var parameters = lines.TakeWhile(l => l.StartsWith(".param set", StringComparison.Ordinal) || (l.StartsWith("-- ", StringComparison.Ordinal) && l.Contains('='))).ToList();
        var body = string.Join('\n', lines.Skip(parameters.Count));
        foreach (var line in parameters)
        {
            // SQLite: ".param set @p 'value'"; PostgreSQL: "-- @p='value'" (FromSql's own: "-- p0='value'"), with or
            // without " (DbType = …)" after it.
            var parts = postgres ? line[3..].TrimStart('@').Split('=', 2) : line.Split(' ', 4)[2..];
            var value = postgres ? parts[1][..(parts[1].LastIndexOf('\'') + 1)] : parts[1];
            var parameter = command.CreateParameter();
            parameter.ParameterName = parts[0];
            // PostgreSQL types a parameter by its value: a number must be sent as one to compare with an integer column.
            parameter.Value = postgres && int.TryParse(value.Trim('\''), out var number) ? number : value.Trim('\'');
            command.Parameters.Add(parameter);
        }

        command.CommandText = (postgres ? "EXPLAIN ANALYZE " : "EXPLAIN QUERY PLAN ") + body;
        Console.WriteLine($"[{name}] SQL:\n{body}");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.WriteLine($"[{name}] plan: {reader.GetValue(postgres ? 0 : 3)}");
        }
    }

    private static async Task ExecAsync(DbConnection connection, DbTransaction? transaction, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Rows of one table gathered into INSERTs of up to 100 rows (fewer round trips than one statement per row).</summary>
    private sealed class Batch(DbConnection connection, DbTransaction transaction, bool postgres)
    {
        private readonly List<object[]> _rows = [];
        private string? _table;
        private string[] _columns = [];

        public async Task AddAsync(string table, string[] columns, object[] values)
        {
            if (_table != table || _rows.Count == 100)
            {
                await FlushAsync();
                (_table, _columns) = (table, columns);
            }

            _rows.Add(values);
        }

        public async Task FlushAsync()
        {
            if (_rows.Count == 0)
            {
                return;
            }

            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var prefix = postgres ? "@" : "$";
            var values = new List<string>();
            var n = 0;
            foreach (var row in _rows)
            {
                var names = new List<string>();
                foreach (var value in row)
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = prefix + "p" + n;
                    parameter.Value = value;
                    command.Parameters.Add(parameter);
                    names.Add(prefix + "p" + n++);
                }

                values.Add("(" + string.Join(", ", names) + ")");
            }

            command.CommandText = $"INSERT INTO \"{_table}\" ({string.Join(", ", _columns.Select(c => $"\"{c}\""))}) VALUES {string.Join(", ", values)}";
            await command.ExecuteNonQueryAsync();
            _rows.Clear();
        }
    }

    private sealed class Factory(DatabaseSettings settings) : IDbContextFactory<TalkToMeDbContext>
    {
        private readonly DbContextOptions<TalkToMeDbContext> _options = Build(settings);

        public TalkToMeDbContext CreateDbContext() => new(_options);

        private static DbContextOptions<TalkToMeDbContext> Build(DatabaseSettings settings)
        {
            var builder = new DbContextOptionsBuilder<TalkToMeDbContext>();
            settings.Configure(builder);
            return builder.Options;
        }
    }
}
