using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace TalkToMe.Core.Data;

/// <summary>How a copy runs and what it reports while it runs.</summary>
public sealed class DataCopyOptions
{
    /// <summary>Rows per COPY into the target; progress is reported after each batch.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>A table's rows copied so far (after each batch, and once for an empty table).</summary>
    public Action<DataCopyProgress>? OnProgress { get; init; }

    /// <summary>The steps: migrating the target, checking it is empty, resetting the sequences, verifying.</summary>
    public Action<string>? OnStatus { get; init; }
}

public sealed record DataCopyProgress(string Table, long Copied, long Total);

/// <summary>One table's row count in the source (within the copy's snapshot) and in the target (before the commit).</summary>
public sealed record DataCopyTableCount(string Table, long SourceRows, long TargetRows)
{
    public bool Matches => SourceRows == TargetRows;
}

/// <param name="Committed">False when the counts differed: the transaction was rolled back and the target is empty.</param>
public sealed record DataCopyResult(IReadOnlyList<DataCopyTableCount> Tables, IReadOnlyList<string> AppliedMigrations, bool Committed)
{
    public bool CountsMatch => Tables.All(t => t.Matches);
}

/// <summary>The copy was refused or cannot go on (target not empty, source not migrated, a value that does not fit); nothing was kept.</summary>
public sealed class DataCopyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Copies every row of every table of the EF model from one TalkToMe database (SQLite, or PostgreSQL) into an empty
/// PostgreSQL database: migrates the target to this version, refuses unless all its TalkToMe tables are empty, then in
/// one PostgreSQL transaction copies table by table in foreign-key order (binary COPY, ids kept), checks the row counts
/// on both sides, moves each identity sequence past the largest id and commits. Any failure rolls the transaction
/// back, so the target keeps no row. The source is read in one read transaction: one consistent snapshot.
/// </summary>
public sealed class DataCopier
{
    private readonly DatabaseSettings _source;
    private readonly DatabaseSettings _target;
    private readonly DataCopyOptions _options;

    public DataCopier(DatabaseSettings source, DatabaseSettings target, DataCopyOptions? options = null)
    {
        if (target.Provider != DatabaseProvider.PostgreSql)
        {
            throw new ArgumentException("The target of a copy must be a PostgreSQL database.", nameof(target));
        }

        _source = source;
        _target = target;
        _options = options ?? new DataCopyOptions();
        if (_options.BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1.");
        }
    }

    /// <summary>
    /// The tables of the context's model in an order where every table comes after the tables its foreign keys point at.
    /// From the design-time model: the read-optimized one at run time lacks some of the table metadata read here.
    /// </summary>
    public static IReadOnlyList<ITable> TablesInDependencyOrder(DbContext db)
    {
        var tables = db.GetService<IDesignTimeModel>().Model.GetRelationalModel().Tables
            .Where(t => !t.IsExcludedFromMigrations)
            .ToDictionary(QualifiedName, StringComparer.Ordinal);
        var dependsOn = tables.ToDictionary(
            t => t.Key,
            t => t.Value.ForeignKeyConstraints
                .Select(fk => QualifiedName(fk.PrincipalTable))
                .Where(p => p != t.Key && tables.ContainsKey(p))
                .ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);

        var ordered = new List<ITable>(tables.Count);
        var ready = new SortedSet<string>(dependsOn.Where(d => d.Value.Count == 0).Select(d => d.Key), StringComparer.Ordinal);
        while (ready.Count > 0)
        {
            var next = ready.Min!;
            ready.Remove(next);
            ordered.Add(tables[next]);
            dependsOn.Remove(next);
            foreach (var (name, principals) in dependsOn)
            {
                if (principals.Remove(next) && principals.Count == 0)
                {
                    ready.Add(name);
                }
            }
        }

        if (dependsOn.Count > 0)
        {
            throw new InvalidOperationException(
                $"The foreign keys of {string.Join(", ", dependsOn.Keys.Order(StringComparer.Ordinal))} form a cycle: no order copies them.");
        }

        return ordered;
    }

    public async Task<DataCopyResult> CopyAsync(CancellationToken cancellationToken = default)
    {
        await using var model = CreateContext(_target);
        var tables = TablesInDependencyOrder(model).Select(t => new TablePlan(t)).ToList();

        await CheckSourceAsync(cancellationToken);
        // Refused before the migrations run, so a database that holds data is not even migrated.
        await RefuseNonEmptyTargetAsync(tables, beforeMigrations: true, connection: null, cancellationToken);

        Status($"Migrating {_target.Describe()}…");
        var applied = await new DatabaseMigrator(new OptionsFactory(Options(_target)), NullLogger<DatabaseMigrator>.Instance)
            .MigrateAsync(cancellationToken);
        Status(applied.Count == 0 ? "The target's schema is up to date." : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}.");

        await using var source = OpenSourceConnection();
        await source.OpenAsync(cancellationToken);
        await using var sourceTransaction = await BeginSnapshotAsync(source, cancellationToken);

        await using var target = new NpgsqlConnection(_target.ConnectionString);
        await target.OpenAsync(cancellationToken);
        await using var transaction = await target.BeginTransactionAsync(cancellationToken);

        // Nobody writes into these tables until the commit (an app started on the target waits), and nobody did since the check.
        await ExecuteAsync(target, transaction,
            $"LOCK TABLE {string.Join(", ", tables.Select(t => t.QuotedName))} IN EXCLUSIVE MODE", cancellationToken);
        await RefuseNonEmptyTargetAsync(tables, beforeMigrations: false, target, cancellationToken);

        var counts = new List<DataCopyTableCount>(tables.Count);
        foreach (var table in tables)
        {
            var total = await CountAsync(source, sourceTransaction, table.QuotedName, cancellationToken);
            await CopyTableAsync(table, source, sourceTransaction, target, total, cancellationToken);
            counts.Add(new DataCopyTableCount(table.Name, total, 0));
        }

        Status("Verifying the row counts…");
        for (var i = 0; i < counts.Count; i++)
        {
            counts[i] = counts[i] with { TargetRows = await CountAsync(target, transaction, tables[i].QuotedName, cancellationToken) };
        }

        if (counts.Any(c => !c.Matches))
        {
            await transaction.RollbackAsync(cancellationToken);
            return new DataCopyResult(counts, applied, Committed: false);
        }

        // Last before the commit: sequences are not transactional, so a rolled-back copy leaves them untouched.
        foreach (var table in tables.Where(t => t.IdentityColumn is not null))
        {
            await ResetSequenceAsync(target, transaction, table, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        await sourceTransaction.RollbackAsync(cancellationToken);
        return new DataCopyResult(counts, applied, Committed: true);
    }

    private async Task CheckSourceAsync(CancellationToken cancellationToken)
    {
        if (_source.Provider == DatabaseProvider.Sqlite)
        {
            var builder = new SqliteConnectionStringBuilder(_source.ConnectionString);
            if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource is ":memory:" or "")
            {
                throw new DataCopyException("The source is an in-memory SQLite database: there is nothing to copy.");
            }

            if (!File.Exists(builder.DataSource))
            {
                throw new DataCopyException(
                    $"The source SQLite file '{builder.DataSource}' does not exist. Point ConnectionStrings:TalkToMe at the database to copy.");
            }
        }

        await using var db = CreateContext(_source);
        var known = db.Database.GetMigrations().ToList();
        var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
        var pending = known.Except(applied, StringComparer.Ordinal).ToList();
        if (pending.Count > 0)
        {
            throw new DataCopyException(
                $"The source ({_source.Describe()}) lacks migrations of this version ({string.Join(", ", pending)}). " +
                "Start this version of TalkToMe on it once (it migrates at start), stop it, then run copy-data again.");
        }

        var unknown = applied.Except(known, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new DataCopyException(
                $"The source ({_source.Describe()}) was migrated by a newer TalkToMe ({string.Join(", ", unknown)}). " +
                "Run copy-data from that version.");
        }
    }

    private async Task RefuseNonEmptyTargetAsync(IReadOnlyList<TablePlan> tables, bool beforeMigrations, NpgsqlConnection? connection,
        CancellationToken cancellationToken)
    {
        NpgsqlConnection? own = null;
        if (connection is null)
        {
            own = new NpgsqlConnection(_target.ConnectionString);
            await own.OpenAsync(cancellationToken);
            connection = own;
        }

        try
        {
            var filled = new List<string>();
            foreach (var table in tables)
            {
                if (beforeMigrations)
                {
                    await using var exists = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection);
                    exists.Parameters.AddWithValue("name", table.QuotedName);
                    if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
                    {
                        continue;
                    }
                }

                await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {table.QuotedName})", connection);
                if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
                {
                    filled.Add(table.Name);
                }
            }

            if (filled.Count > 0)
            {
                throw new DataCopyException(
                    $"The target ({_target.Describe()}) is not empty: {string.Join(", ", filled)} already hold rows. " +
                    "copy-data only copies into a database whose TalkToMe tables are all empty; nothing was written. " +
                    "Use a new database (or empty this one) and run it again.");
            }
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
        }
    }

    private async Task<long> CopyTableAsync(TablePlan table, DbConnection source, DbTransaction sourceTransaction,
        NpgsqlConnection target, long total, CancellationToken cancellationToken)
    {
        await using var select = source.CreateCommand();
        select.Transaction = sourceTransaction;
        select.CommandText = table.SelectSql;
        await using var reader = await select.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        var raw = new object[table.Columns.Count];
        long copied = 0;
        var more = await reader.ReadAsync(cancellationToken);
        if (!more)
        {
            Progress(table.Name, 0, total);
            return 0;
        }

        while (more)
        {
            var inBatch = 0;
            try
            {
                await using var importer = await target.BeginBinaryImportAsync(table.CopySql, cancellationToken);
                while (more && inBatch < _options.BatchSize)
                {
                    reader.GetValues(raw);
                    await importer.StartRowAsync(cancellationToken);
                    for (var i = 0; i < raw.Length; i++)
                    {
                        var column = table.Columns[i];
                        if (raw[i] is DBNull or null)
                        {
                            await importer.WriteNullAsync(cancellationToken);
                        }
                        else
                        {
                            await WriteAsync(importer, column.DbType, Convert(table, column, raw), cancellationToken);
                        }
                    }

                    inBatch++;
                    more = await reader.ReadAsync(cancellationToken);
                }

                await importer.CompleteAsync(cancellationToken);
            }
            catch (PostgresException ex)
            {
                throw new DataCopyException(
                    $"PostgreSQL refused a row of {table.Name} (in the batch from row {copied + 1}): {ex.MessageText}" +
                    (ex.ColumnName is { } columnName ? $" (column {columnName})" : ""), ex);
            }

            copied += inBatch;
            Progress(table.Name, copied, total);
        }

        return copied;

        object Convert(TablePlan plan, ColumnPlan column, object[] row)
        {
            var value = row[column.Index];
            try
            {
                return ConvertValue(value, column.ProviderType);
            }
            catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException or ArgumentException)
            {
                // The value itself is not repeated: it may be a secret (a password hash, a channel's token).
                var key = string.Join(", ", plan.KeyColumns.Select(k => $"{k.Name}={row[k.Index]}"));
                throw new DataCopyException(
                    $"{plan.Name}.{column.Name} of the row {key}: a {value.GetType().Name} value in the source does not convert " +
                    $"to {column.ProviderType.Name} ({column.StoreType}): {ex.Message}", ex);
            }
        }
    }

    /// <summary>A source value (SQLite's raw long/double/string/byte[], or PostgreSQL's) as the target column's provider type.</summary>
    public static object ConvertValue(object value, Type providerType)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (providerType == typeof(string))
        {
            return value as string ?? System.Convert.ToString(value, invariant)!;
        }

        if (providerType == typeof(bool))
        {
            return value switch
            {
                bool b => b,
                string s when long.TryParse(s, NumberStyles.Integer, invariant, out var n) => n != 0,
                string s => bool.Parse(s),
                _ => System.Convert.ToInt64(value, invariant) != 0,
            };
        }

        if (providerType == typeof(Guid))
        {
            return value switch
            {
                Guid g => g,
                string s => Guid.Parse(s),
                byte[] { Length: 16 } bytes => new Guid(bytes),
                _ => throw new InvalidCastException($"A {value.GetType().Name} is not a Guid."),
            };
        }

        if (providerType == typeof(DateTimeOffset))
        {
            // PostgreSQL's timestamp with time zone takes UTC only.
            return value switch
            {
                DateTimeOffset d => d.ToUniversalTime(),
                DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d, DateTimeKind.Utc)),
                string s => DateTimeOffset.Parse(s, invariant, DateTimeStyles.AssumeUniversal).ToUniversalTime(),
                _ => throw new InvalidCastException($"A {value.GetType().Name} is not a date and time."),
            };
        }

        if (providerType == typeof(DateTime))
        {
            return value switch
            {
                DateTime d => d,
                string s => DateTime.Parse(s, invariant, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                _ => throw new InvalidCastException($"A {value.GetType().Name} is not a date and time."),
            };
        }

        if (providerType == typeof(byte[]))
        {
            return value as byte[] ?? throw new InvalidCastException($"A {value.GetType().Name} is not binary data.");
        }

        if (providerType == typeof(decimal))
        {
            return value is string text ? decimal.Parse(text, NumberStyles.Float, invariant) : System.Convert.ToDecimal(value, invariant);
        }

        // Integers and floating point: checked, so a value that does not fit fails instead of wrapping around. Each arm
        // boxed as its own type: the switch's common type would otherwise be double, which rounds 64-bit ticks.
        return Type.GetTypeCode(providerType) switch
        {
            TypeCode.Int16 => (object)System.Convert.ToInt16(value, invariant),
            TypeCode.Int32 => (object)System.Convert.ToInt32(value, invariant),
            TypeCode.Int64 => (object)System.Convert.ToInt64(value, invariant),
            TypeCode.Double => (object)System.Convert.ToDouble(value, invariant),
            TypeCode.Single => (object)System.Convert.ToSingle(value, invariant),
            _ => throw new InvalidCastException($"copy-data does not convert to {providerType.Name}."),
        };
    }

    private static ValueTask WriteAsync(NpgsqlBinaryImporter importer, NpgsqlDbType type, object value,
        CancellationToken cancellationToken)
    {
        return value switch
        {
            string v => new ValueTask(importer.WriteAsync(v, type, cancellationToken)),
            bool v => new ValueTask(importer.WriteAsync(v, type, cancellationToken)),
            int v => new ValueTask(importer.WriteAsync(v, type, cancellationToken)),
            long v => new ValueTask(importer.WriteAsync(v, type, cancellationToken)),
            short v => new ValueTask(importer.WriteAsync(v, type, cancellationToken)),
            Guid v => new ValueTask(importer.WriteAsync(v, type, cancellationToken)),
            byte[] v => new ValueTask(importer.WriteAsync(v, type, cancellationToken)),
            DateTimeOffset v => new ValueTask(importer.WriteAsync(v, type, cancellationToken)),
            DateTime v => new ValueTask(importer.WriteAsync(v, type, cancellationToken)),
            double v => new ValueTask(importer.WriteAsync(v, type, cancellationToken)),
            float v => new ValueTask(importer.WriteAsync(v, type, cancellationToken)),
            decimal v => new ValueTask(importer.WriteAsync(v, type, cancellationToken)),
            _ => throw new InvalidCastException($"copy-data does not write a {value.GetType().Name}."),
        };
    }

    private static async Task ResetSequenceAsync(NpgsqlConnection target, NpgsqlTransaction transaction, TablePlan table,
        CancellationToken cancellationToken)
    {
        var column = table.IdentityColumn!;
        // The next id is max + 1 (1 for an empty table); NULL when the column has no sequence (setval is strict).
        await using var command = new NpgsqlCommand(
            $"SELECT setval(pg_get_serial_sequence(@table, @column), COALESCE((SELECT MAX({Quote(column.Name)}) FROM {table.QuotedName}), 0) + 1, false)",
            target, transaction);
        command.Parameters.AddWithValue("table", table.QuotedName);
        command.Parameters.AddWithValue("column", column.Name);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task<DbTransaction> BeginSnapshotAsync(DbConnection source, CancellationToken cancellationToken)
    {
        if (source is SqliteConnection sqlite)
        {
            // Deferred: a read transaction, one snapshot of the WAL database, without holding the write lock.
            return sqlite.BeginTransaction(deferred: true);
        }

        var transaction = await source.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using var command = source.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SET TRANSACTION READ ONLY";
        await command.ExecuteNonQueryAsync(cancellationToken);
        return transaction;
    }

    private DbConnection OpenSourceConnection() => _source.Provider == DatabaseProvider.PostgreSql
        ? new NpgsqlConnection(_source.ConnectionString)
        : new SqliteConnection(_source.ConnectionString);

    private static async Task<long> CountAsync(DbConnection connection, DbTransaction transaction, string quotedTable,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT COUNT(*) FROM {quotedTable}";
        return System.Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private void Status(string message) => _options.OnStatus?.Invoke(message);

    private void Progress(string table, long copied, long total) => _options.OnProgress?.Invoke(new DataCopyProgress(table, copied, total));

    private static DbContextOptions<TalkToMeDbContext> Options(DatabaseSettings settings)
    {
        var builder = new DbContextOptionsBuilder<TalkToMeDbContext>();
        settings.Configure(builder);
        return builder.Options;
    }

    private static TalkToMeDbContext CreateContext(DatabaseSettings settings) => new(Options(settings));

    private static string QualifiedName(ITable table) => table.Schema is { } schema ? $"{schema}.{table.Name}" : table.Name;

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private sealed class OptionsFactory(DbContextOptions<TalkToMeDbContext> options) : IDbContextFactory<TalkToMeDbContext>
    {
        public TalkToMeDbContext CreateDbContext() => new(options);
    }

    private sealed record ColumnPlan(int Index, string Name, string StoreType, Type ProviderType, NpgsqlDbType DbType);

    /// <summary>One table as the PostgreSQL model maps it: its columns in one order for the SELECT and the COPY.</summary>
    private sealed class TablePlan
    {
        public TablePlan(ITable table)
        {
            Name = QualifiedName(table);
            QuotedName = table.Schema is { } schema ? $"{Quote(schema)}.{Quote(table.Name)}" : Quote(table.Name);
            // A computed column is the database's to fill (a COPY into a generated column fails); columns outside the
            // model (PostgreSQL's search vectors) are not named at all and so are generated as usual.
            Columns = table.Columns
                .Where(c => c.ComputedColumnSql is null)
                .Select((c, i) => new ColumnPlan(i, c.Name, c.StoreType, Nullable.GetUnderlyingType(c.ProviderClrType) ?? c.ProviderClrType,
                    DbTypeFor(Name, c)))
                .ToList();
            var keyNames = table.PrimaryKey?.Columns.Select(c => c.Name).ToList() ?? [];
            KeyColumns = keyNames.Select(k => Columns.Single(c => c.Name == k)).ToList();
            var columnList = string.Join(", ", Columns.Select(c => Quote(c.Name)));
            var orderBy = KeyColumns.Count > 0 ? $" ORDER BY {string.Join(", ", KeyColumns.Select(c => Quote(c.Name)))}" : "";
            SelectSql = $"SELECT {columnList} FROM {QuotedName}{orderBy}";
            CopySql = $"COPY {QuotedName} ({columnList}) FROM STDIN (FORMAT BINARY)";

            // An integer key the database generates (an identity column): its sequence must continue after the copied ids.
            if (table.PrimaryKey?.Columns is [var key]
                && key.PropertyMappings.Any(m => m.Property.ValueGenerated.HasFlag(ValueGenerated.OnAdd))
                && (Nullable.GetUnderlyingType(key.ProviderClrType) ?? key.ProviderClrType) is var type
                && (type == typeof(int) || type == typeof(long) || type == typeof(short)))
            {
                IdentityColumn = KeyColumns[0];
            }
        }

        public string Name { get; }
        public string QuotedName { get; }
        public IReadOnlyList<ColumnPlan> Columns { get; }
        public IReadOnlyList<ColumnPlan> KeyColumns { get; }
        public ColumnPlan? IdentityColumn { get; }
        public string SelectSql { get; }
        public string CopySql { get; }

        private static NpgsqlDbType DbTypeFor(string table, IColumn column)
        {
            var store = column.StoreType;
            var paren = store.IndexOf('(', StringComparison.Ordinal);
            var baseType = (paren < 0 ? store : store[..paren]).Trim().ToLowerInvariant();
            return baseType switch
            {
                "integer" or "int" or "int4" => NpgsqlDbType.Integer,
                "bigint" or "int8" => NpgsqlDbType.Bigint,
                "smallint" or "int2" => NpgsqlDbType.Smallint,
                "boolean" or "bool" => NpgsqlDbType.Boolean,
                "uuid" => NpgsqlDbType.Uuid,
                "text" => NpgsqlDbType.Text,
                "character varying" or "varchar" => NpgsqlDbType.Varchar,
                "character" or "char" => NpgsqlDbType.Char,
                "bytea" => NpgsqlDbType.Bytea,
                "timestamp with time zone" or "timestamptz" => NpgsqlDbType.TimestampTz,
                "timestamp without time zone" or "timestamp" => NpgsqlDbType.Timestamp,
                "double precision" or "float8" => NpgsqlDbType.Double,
                "real" or "float4" => NpgsqlDbType.Real,
                "numeric" or "decimal" => NpgsqlDbType.Numeric,
                "jsonb" => NpgsqlDbType.Jsonb,
                "json" => NpgsqlDbType.Json,
                _ => throw new DataCopyException($"{table}.{column.Name} is {store} in PostgreSQL, a type copy-data does not know how to write."),
            };
        }
    }
}
