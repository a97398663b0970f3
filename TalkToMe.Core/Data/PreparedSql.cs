using System.Data.Common;
using System.Text.RegularExpressions;
using Npgsql;

namespace TalkToMe.Core.Data;

/// <summary>
/// Reusable statements on a context's connection and transaction, for the hot paths that bypass EF's change tracker
/// (inbound messages, Keep Alive bursts): made once per batch, run many times with new values. The SQL is written once
/// with <c>$name</c> placeholders and runs on both engines: PostgreSQL gets them as <c>@name</c>.
/// </summary>
internal static partial class PreparedSql
{
    /// <summary>A command with one parameter per <c>$name</c> in <paramref name="sql"/>, in order of first appearance,
    /// each named without its prefix (<c>command.Parameters["name"]</c>).</summary>
    public static DbCommand Prepare(DbConnection connection, DbTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var postgres = connection is NpgsqlConnection;
        command.CommandText = postgres ? ParameterName().Replace(sql, m => "@" + m.Value[1..]) : sql;
        foreach (var name in ParameterName().Matches(sql).Select(m => m.Value).Distinct())
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = postgres ? name[1..] : name;
            parameter.Value = DBNull.Value;
            command.Parameters.Add(parameter);
        }

        // Npgsql prepares on first execution once the values (and so the types) are known: max auto prepare.
        if (!postgres)
        {
            command.Prepare();
        }

        return command;
    }

    /// <summary>The parameter <c>$name</c> of a command made by <see cref="Prepare"/>.</summary>
    public static DbParameter Parameter(DbCommand command, string name) =>
        command.Parameters[command.Connection is NpgsqlConnection ? name : "$" + name];

    /// <summary>Sets a command's parameters (made by <see cref="Prepare"/>) in the order they first appear in its SQL;
    /// null is SQL NULL.</summary>
    public static DbCommand Bind(DbCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return command;
    }

    /// <summary>
    /// Several statements in one round trip on PostgreSQL, where every statement is a trip to another process: each
    /// <c>$name</c> statement with its values in order of first appearance, as in <see cref="Bind"/>. The statements keep
    /// their own text, so Npgsql's automatic preparation recognises each one from batch to batch.
    /// </summary>
    public static DbBatch Batch(DbConnection connection, DbTransaction transaction, IEnumerable<(string Sql, object?[] Values)> statements)
    {
        var batch = (NpgsqlBatch)connection.CreateBatch();
        batch.Transaction = (NpgsqlTransaction)transaction;
        foreach (var (sql, values) in statements)
        {
            var command = new NpgsqlBatchCommand(Positional(sql));
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            }

            batch.BatchCommands.Add(command);
        }

        return batch;
    }

    /// <summary>An integer a statement returned: SQLite gives every integer as Int64, PostgreSQL as the column's type.</summary>
    public static long Int64(object? value) => Convert.ToInt64(value);

    /// <summary>A Guid as EF stores it: upper-case text on SQLite, <c>uuid</c> on PostgreSQL.</summary>
    public static object? Guid(DbConnection connection, Guid? value) =>
        value is not { } id ? null : connection is NpgsqlConnection ? id : id.ToString().ToUpperInvariant();

    /// <summary>PostgreSQL's own positional form: <c>$1</c>, <c>$2</c>… for the names in order of first appearance.</summary>
    private static string Positional(string sql)
    {
        var names = new List<string>();
        return ParameterName().Replace(sql, m =>
        {
            var index = names.IndexOf(m.Value);
            if (index < 0)
            {
                names.Add(m.Value);
                index = names.Count - 1;
            }

            return "$" + (index + 1);
        });
    }

    [GeneratedRegex(@"\$[A-Za-z_]\w*")]
    private static partial Regex ParameterName();
}
