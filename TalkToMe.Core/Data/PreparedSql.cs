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

    /// <summary>An integer a statement returned: SQLite gives every integer as Int64, PostgreSQL as the column's type.</summary>
    public static long Int64(object? value) => Convert.ToInt64(value);

    /// <summary>A Guid as EF stores it: upper-case text on SQLite, <c>uuid</c> on PostgreSQL.</summary>
    public static object Guid(DbCommand command, Guid? value) =>
        value is not { } id ? DBNull.Value : command.Connection is NpgsqlConnection ? id : id.ToString().ToUpperInvariant();

    [GeneratedRegex(@"\$[A-Za-z_]\w*")]
    private static partial Regex ParameterName();
}
