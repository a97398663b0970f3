using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using TalkToMe.Benchmarks;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Realtime;

// Keep Alive engine figures (issues 5 and 12): a real database built from the migrations (a SQLite file, or with
// "postgres" / --provider PostgreSql a fresh PostgreSQL database, dropped afterwards), the real engine and hosted loop.
//   dotnet run -c Release --project TalkToMe.Benchmarks.KeepAlive -- [open=100000] [burst=1000] [spread=2000] [finalize] [verbose] [direct] [postgres]
// PostgreSQL: the server named by TALKTOME_BENCH_POSTGRES or TALKTOME_TEST_POSTGRES (tools/test-postgres.sh run -- …).
var (provider, remaining) = BenchDatabase.ParseProvider(args);
args = remaining;
var open = Arg("open", 100_000);
var burst = Arg("burst", 1_000);
var spread = Arg("spread", 2_000);
string? path = null;
DatabaseSettings database;
if (provider == DatabaseProvider.PostgreSql)
{
    database = DatabaseSettings.PostgreSql(await BenchDatabase.CreateDatabaseAsync("keepalive"));
}
else
{
    path = Path.Combine(Path.GetTempPath(), $"talktome-keepalive-bench-{Guid.NewGuid():N}.db");
    database = DatabaseSettings.Sqlite($"Data Source={path}");
}

var connectionString = database.ConnectionString;
var services = new ServiceCollection()
    .AddLogging(b => b.SetMinimumLevel(args.Contains("verbose") ? LogLevel.Debug : LogLevel.Warning).AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff "))
    .AddTalkToMeCore(database)
    .BuildServiceProvider();
try
{
    if (provider == DatabaseProvider.PostgreSql)
    {
        await BenchDatabase.PrintServerAsync(connectionString);
    }

    await services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
    var factory = services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();
    var engine = services.GetRequiredService<KeepAliveEngine>();
    var signal = services.GetRequiredService<KeepAliveSignal>();
    var events = services.GetRequiredService<InboxEventHub>();

    Console.WriteLine($"Keep Alive benchmark on {database.Describe()} · {Environment.ProcessorCount} cores · {System.Runtime.InteropServices.RuntimeInformation.OSDescription} · .NET {Environment.Version}");
    var channelId = await SeedChannelAsync(factory);
    var seed = Stopwatch.StartNew();
    // Every open conversation is under Keep Alive, its deadline 1–3 hours away: the engine must not look at any of them.
    await SeedConversationsAsync(database, channelId, open, DateTime.UtcNow.AddHours(1), TimeSpan.FromHours(2));
    Console.WriteLine($"seeded {open:N0} open conversations under Keep Alive in {seed.Elapsed.TotalSeconds:0.0} s");

    // 1. A pass with nothing due.
    for (var i = 0; i < 20; i++)
    {
        await engine.RunPassAsync();
    }

    var idle = new List<double>();
    for (var i = 0; i < 500; i++)
    {
        var sw = Stopwatch.StartNew();
        var pass = await engine.RunPassAsync();
        idle.Add(sw.Elapsed.TotalMilliseconds);
        if (pass.Sent != 0)
        {
            throw new InvalidOperationException("Nothing should have been due.");
        }
    }

    Console.WriteLine($"idle pass over {open:N0} scheduled: median {Percentile(idle, 50):0.000} ms, p99 {Percentile(idle, 99):0.000} ms, max {idle.Max():0.000} ms  (target ≤ 2 ms)");

    // 1b. One direct pass over a burst already due (no loop), to see the engine's own cost.
    if (args.Contains("direct"))
    {
        await SeedConversationsAsync(database, channelId, burst, DateTime.UtcNow.AddSeconds(-1), TimeSpan.Zero);
        var direct = Stopwatch.StartNew();
        var result = await engine.RunPassAsync();
        Console.WriteLine($"direct pass: {result.Sent} handled in {direct.ElapsedMilliseconds} ms");
    }

    // 2 and 3 run through the hosted loop, sleeping until deadlines like in the app.
    var handledAt = new ConcurrentDictionary<int, long>();
    using var subscription = events.Subscribe(e =>
    {
        if (e is ConversationChanged)
        {
            handledAt.TryAdd(e.ConversationId, Stopwatch.GetTimestamp());
        }
    });
    var service = services.GetRequiredService<KeepAliveService>();
    await service.StartAsync(CancellationToken.None);

    // 2. A burst: many conversations whose deadline is the same instant.
    var burstDue = DateTime.UtcNow.AddSeconds(2);
    var burstIds = await SeedConversationsAsync(database, channelId, burst, burstDue, TimeSpan.Zero);
    signal.NotifyDueTimesChanged();
    Console.WriteLine($"burst seeded {(burstDue - DateTime.UtcNow).TotalMilliseconds:0} ms before its deadline ({burstDue:HH:mm:ss.fff})");
    var burstLateness = await WaitForAsync(burstIds, id => burstDue, handledAt, TimeSpan.FromSeconds(30));
    Console.WriteLine($"burst of {burst:N0} due together: all handled {burstLateness.Max():0} ms after the deadline (target ≤ 1000 ms); lateness p50 {Percentile(burstLateness, 50):0} ms, p99 {Percentile(burstLateness, 99):0} ms");

    // 3. Deadlines spread over 10 seconds, as real traffic produces them.
    var spreadStart = DateTime.UtcNow.AddSeconds(2);
    var spreadIds = await SeedConversationsAsync(database, channelId, spread, spreadStart, TimeSpan.FromSeconds(10));
    signal.NotifyDueTimesChanged();
    var dueOf = await DueTimesAsync(factory, spreadIds);
    var spreadLateness = await WaitForAsync(spreadIds, id => dueOf[id], handledAt, TimeSpan.FromSeconds(60));
    Console.WriteLine($"{spread:N0} deadlines spread over 10 s: lateness p50 {Percentile(spreadLateness, 50):0} ms, p99 {Percentile(spreadLateness, 99):0} ms, max {spreadLateness.Max():0} ms (target p99 ≤ 1500 ms)");

    // 4. (opt-in) A burst of finalizations (the channel has no exit flow): message, activity line and resolve per conversation.
    if (args.Contains("finalize"))
    {
        var finalDue = DateTime.UtcNow.AddSeconds(2);
        var finalIds = await SeedConversationsAsync(database, channelId, burst, finalDue, TimeSpan.Zero, KeepAliveStage.AwaitingFinalization);
        signal.NotifyDueTimesChanged();
        var finalLateness = await WaitForAsync(finalIds, id => finalDue, handledAt, TimeSpan.FromSeconds(60));
        Console.WriteLine($"finalization burst of {burst:N0} due together: all handled {finalLateness.Max():0} ms after the deadline; p50 {Percentile(finalLateness, 50):0} ms");
    }

    await service.StopAsync(CancellationToken.None);

    await using var check = await factory.CreateDbContextAsync();
    var sentTwice = await check.Messages.Where(m => m.Content == KeepAliveEngine.InactivitySentActivity)
        .GroupBy(m => m.ConversationId).CountAsync(g => g.Count() > 1);
    Console.WriteLine($"conversations that got the inactivity message twice: {sentTwice}");
}
finally
{
    await services.DisposeAsync();
    if (path is not null)
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }
    else
    {
        await BenchDatabase.DropDatabaseAsync(connectionString);
    }
}

int Arg(string name, int fallback) =>
    args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2 && p[0] == name).Select(p => int.Parse(p[1])).DefaultIfEmpty(fallback).First();

static double Percentile(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

static async Task<int> SeedChannelAsync(IDbContextFactory<TalkToMeDbContext> factory)
{
    await using var db = await factory.CreateDbContextAsync();
    var channel = new Channel("Benchmark", ChannelType.Api, Secrets.NewKey(), DateTime.UtcNow);
    channel.ConfigureKeepAlive(new KeepAliveSettings
    {
        InactivityAmount = 1, InactivityUnit = TimeUnit.Hours, InactivityMessage = "Ainda está por aí?",
        FinalizationAmount = 1, FinalizationUnit = TimeUnit.Hours, FinalizationMessage = "Encerrando.", IsEnabled = true,
    });
    db.Channels.Add(channel);
    await db.SaveChangesAsync();
    return channel.Id;
}

// Plain SQL for speed: contacts, identities and open conversations whose deadline falls in [from, from + range].
static async Task<List<int>> SeedConversationsAsync(DatabaseSettings database, int channelId, int count, DateTime from, TimeSpan range,
    KeepAliveStage stage = KeepAliveStage.AwaitingInactivity)
{
    if (database.Provider == DatabaseProvider.PostgreSql)
    {
        return await SeedPostgresAsync(database.ConnectionString, channelId, count, from, range, stage);
    }

    var ids = new List<int>(count);
    var random = new Random(count);
    await using var connection = new SqliteConnection(database.ConnectionString);
    await connection.OpenAsync();
    await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
    var now = DateTime.UtcNow.Ticks;
    var contact = Command(connection, tx, """INSERT INTO "Contacts" ("Name","AttributesJson","CreatedAt") VALUES ($n,'{}',$t) RETURNING "Id" """, "$n", "$t");
    var identity = Command(connection, tx, """INSERT INTO "ContactIdentities" ("ContactId","ChannelId","ExternalId") VALUES ($c,$ch,$e) RETURNING "Id" """, "$c", "$ch", "$e");
    var conversation = Command(connection, tx, """
        INSERT INTO "Conversations" ("ChannelId","ContactId","ContactIdentityId","Status","Priority","LastActivityAt","LastCustomerMessageAt",
            "LastMessagePreview","UnreadCount","CreatedAt","KeepAliveStage","KeepAliveDueAt","AttributesJson")
        VALUES ($ch,$c,$i,0,0,$t,$t,'Olá',1,$t,$stage,$due,'{}') RETURNING "Id"
        """, "$ch", "$c", "$i", "$t", "$stage", "$due");
    for (var i = 0; i < count; i++)
    {
        contact.Parameters["$n"].Value = $"Cliente {i}";
        contact.Parameters["$t"].Value = now;
        var contactId = Convert.ToInt32(await contact.ExecuteScalarAsync());
        identity.Parameters["$c"].Value = contactId;
        identity.Parameters["$ch"].Value = channelId;
        identity.Parameters["$e"].Value = Guid.NewGuid().ToString("N");
        var identityId = Convert.ToInt32(await identity.ExecuteScalarAsync());
        conversation.Parameters["$ch"].Value = channelId;
        conversation.Parameters["$c"].Value = contactId;
        conversation.Parameters["$i"].Value = identityId;
        conversation.Parameters["$t"].Value = now;
        conversation.Parameters["$stage"].Value = (int)stage;
        conversation.Parameters["$due"].Value = (from + range * random.NextDouble()).Ticks;
        ids.Add(Convert.ToInt32(await conversation.ExecuteScalarAsync()));
    }

    await tx.CommitAsync();
    return ids;
}

// The same rows on PostgreSQL, three set-based statements instead of three round trips per conversation (over TCP those
// would take longer than the 2 s between seeding a burst and its deadline).
static async Task<List<int>> SeedPostgresAsync(string connectionString, int channelId, int count, DateTime from, TimeSpan range,
    KeepAliveStage stage)
{
    var random = new Random(count);
    var dues = Enumerable.Range(0, count).Select(_ => (from + range * random.NextDouble()).Ticks).ToArray();
    var now = DateTime.UtcNow.Ticks;
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var tx = await connection.BeginTransactionAsync();

    var contacts = new List<int>(count);
    await using (var command = new NpgsqlCommand("""
        INSERT INTO "Contacts" ("Name","AttributesJson","CreatedAt")
        SELECT 'Cliente ' || g, '{}', @t FROM generate_series(0, @n - 1) AS g RETURNING "Id"
        """, connection, tx))
    {
        command.Parameters.AddWithValue("t", now);
        command.Parameters.AddWithValue("n", count);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            contacts.Add(reader.GetInt32(0));
        }
    }

    var identityOf = new Dictionary<int, int>(count);
    await using (var command = new NpgsqlCommand("""
        INSERT INTO "ContactIdentities" ("ContactId","ChannelId","ExternalId")
        SELECT c, @ch, replace(gen_random_uuid()::text, '-', '') FROM unnest(@contacts) AS c RETURNING "ContactId", "Id"
        """, connection, tx))
    {
        command.Parameters.AddWithValue("ch", channelId);
        command.Parameters.Add(new NpgsqlParameter("contacts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = contacts.ToArray() });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            identityOf[reader.GetInt32(0)] = reader.GetInt32(1);
        }
    }

    var ids = new List<int>(count);
    await using (var command = new NpgsqlCommand("""
        INSERT INTO "Conversations" ("ChannelId","ContactId","ContactIdentityId","Status","Priority","LastActivityAt","LastCustomerMessageAt",
            "LastMessagePreview","UnreadCount","CreatedAt","KeepAliveStage","KeepAliveDueAt","AttributesJson")
        SELECT @ch, u.c, u.i, 0, 0, @t, @t, 'Olá', 1, @t, @stage, u.due, '{}'
        FROM unnest(@contacts, @identities, @dues) AS u(c, i, due) RETURNING "Id"
        """, connection, tx))
    {
        command.Parameters.AddWithValue("ch", channelId);
        command.Parameters.AddWithValue("t", now);
        command.Parameters.AddWithValue("stage", (int)stage);
        command.Parameters.Add(new NpgsqlParameter("contacts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = contacts.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("identities", NpgsqlDbType.Array | NpgsqlDbType.Integer)
        {
            Value = contacts.Select(c => identityOf[c]).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter("dues", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = dues });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt32(0));
        }
    }

    await tx.CommitAsync();
    return ids;
}

static SqliteCommand Command(SqliteConnection connection, SqliteTransaction tx, string sql, params string[] parameters)
{
    var command = connection.CreateCommand();
    command.Transaction = tx;
    command.CommandText = sql;
    foreach (var name in parameters)
    {
        command.Parameters.Add(new SqliteParameter(name, null));
    }

    return command;
}

static async Task<Dictionary<int, DateTime>> DueTimesAsync(IDbContextFactory<TalkToMeDbContext> factory, List<int> ids)
{
    await using var db = await factory.CreateDbContextAsync();
    var set = ids.ToHashSet();
    return await db.Conversations.AsNoTracking().Where(c => set.Contains(c.Id))
        .ToDictionaryAsync(c => c.Id, c => c.KeepAliveDueAt!.Value);
}

// Lateness = when the engine published the change (after its commit) minus the deadline, in milliseconds.
static async Task<List<double>> WaitForAsync(List<int> ids, Func<int, DateTime> dueOf, ConcurrentDictionary<int, long> handledAt, TimeSpan timeout)
{
    var deadline = Stopwatch.StartNew();
    while (ids.Any(id => !handledAt.ContainsKey(id)))
    {
        if (deadline.Elapsed > timeout)
        {
            throw new TimeoutException($"{ids.Count(id => !handledAt.ContainsKey(id))} conversations were not handled in time.");
        }

        await Task.Delay(50);
    }

    // Stopwatch timestamps → wall clock through one shared reference point.
    var referenceTicks = Stopwatch.GetTimestamp();
    var referenceUtc = DateTime.UtcNow;
    return ids.Select(id =>
    {
        var handledUtc = referenceUtc - Stopwatch.GetElapsedTime(handledAt[id], referenceTicks);
        return (handledUtc - dueOf(id)).TotalMilliseconds;
    }).ToList();
}
