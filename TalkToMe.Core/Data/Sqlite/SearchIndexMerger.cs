using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TalkToMe.Core.Data.Sqlite;

/// <summary>
/// Keeps SQLite's full-text indexes (MessageSearch, ContactSearch) in one segment. FTS5 adds a segment with every
/// write and merges them only in fours, so an index of 1,000,000 messages holds about 16; a search looks each term up in
/// every segment. The walk along the list looks up 100 or more conversation ids per chunk: 10.5 ms of CPU with 16
/// segments, 4.8 ms with one (BENCHMARKS.md, session 10). Every <see cref="CheckEvery"/>, when an index has more than
/// <see cref="MaxSegments"/>, it is merged into one in steps of <see cref="PagesPerStep"/> pages, each a short turn of
/// the writer's gate with a pause after it, so messages keep being stored while it runs. PostgreSQL keeps its own GIN
/// index: this does nothing there.
/// </summary>
public sealed class SearchIndexMerger(
    IDbContextFactory<TalkToMeDbContext> factory, DatabaseSettings database, WriteGate gate, TimeProvider time,
    ILogger<SearchIndexMerger> logger) : BackgroundService
{
    public static readonly TimeSpan CheckEvery = TimeSpan.FromMinutes(10);

    public const int MaxSegments = 8;

    /// <summary>About 0.8 MB written per step, a few tens of milliseconds of the writer's turn.</summary>
    public const int PagesPerStep = 200;

    private static readonly TimeSpan PauseBetweenSteps = TimeSpan.FromMilliseconds(50);

    private static readonly string[] Indexes = ["MessageSearch", "ContactSearch"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckEvery, time, stoppingToken);
                foreach (var index in Indexes)
                {
                    if (await SegmentsAsync(index, stoppingToken) is var segments and > MaxSegments)
                    {
                        var steps = await MergeAsync(index, PauseBetweenSteps, stoppingToken);
                        logger.LogInformation("Merged the {Index} search index from {Segments} segments into one in {Steps} steps", index, segments, steps);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Merging the search index failed; trying again in {Minutes} minutes", CheckEvery.TotalMinutes);
            }
        }
    }

    /// <summary>How many segments the full-text index <paramref name="index"/> has (one row per segment and leaf range in its _idx table).</summary>
    public async Task<int> SegmentsAsync(string index, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);
        return Convert.ToInt32(await ScalarAsync(connection, $"""SELECT count(DISTINCT segid) FROM "{Known(index)}_idx" """, cancellationToken));
    }

    /// <summary>
    /// Merges <paramref name="index"/> into one segment. FTS5's 'merge' with a negative page count first puts every
    /// segment on one level, then merges; later steps with a positive count finish that merge even if new segments
    /// arrive meanwhile. A step that changes fewer than two rows did nothing: the merge is complete. Returns the steps.
    /// </summary>
    public async Task<int> MergeAsync(string index, TimeSpan pause, CancellationToken cancellationToken)
    {
        var table = Known(index);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);
        var steps = 0;
        for (var pages = -PagesPerStep; ; pages = PagesPerStep)
        {
            long changed;
            using (await gate.EnterAsync(cancellationToken))
            {
                var before = Convert.ToInt64(await ScalarAsync(connection, "SELECT total_changes()", cancellationToken));
                await ScalarAsync(connection, $"""INSERT INTO "{table}"("{table}", rank) VALUES ('merge', {pages})""", cancellationToken);
                changed = Convert.ToInt64(await ScalarAsync(connection, "SELECT total_changes()", cancellationToken)) - before;
            }

            steps++;
            if (changed < 2)
            {
                return steps;
            }

            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, time, cancellationToken);
            }
        }
    }

    private static string Known(string index) =>
        Indexes.Contains(index) ? index : throw new ArgumentOutOfRangeException(nameof(index), index, "Not a full-text index of TalkToMe");

    private static async Task<object?> ScalarAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
