using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace TalkToMe.Core.Data;

/// <summary>
/// Reusable SQLite statements on a context's connection and transaction, for the hot paths that bypass EF's change
/// tracker (inbound messages, Keep Alive bursts): prepared once per batch, run many times with new values.
/// </summary>
internal static partial class PreparedSql
{
    /// <summary>A prepared command with one parameter per <c>$name</c> in <paramref name="sql"/>, in order of first appearance.</summary>
    public static SqliteCommand Prepare(DbConnection connection, DbTransaction transaction, string sql)
    {
        var command = ((SqliteConnection)connection).CreateCommand();
        command.Transaction = (SqliteTransaction)transaction;
        command.CommandText = sql;
        foreach (var name in ParameterName().Matches(sql).Select(m => m.Value).Distinct())
        {
            command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        }

        command.Prepare();
        return command;
    }

    [GeneratedRegex(@"\$\w+")]
    private static partial Regex ParameterName();
}
