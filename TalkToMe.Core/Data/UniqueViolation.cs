using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace TalkToMe.Core.Data;

/// <summary>
/// A save refused by a unique index. A service checks names before it writes, but on PostgreSQL two admins saving the same
/// name at the same instant both pass the check (neither sees the other's uncommitted row), and the second commit fails
/// on the index: the service turns that into the same field message as the check.
/// </summary>
public static class UniqueViolation
{
    /// <summary>SQLITE_CONSTRAINT_UNIQUE: SQLITE_CONSTRAINT (19) | (8 &lt;&lt; 8).</summary>
    private const int SqliteConstraintUnique = 2067;

    public static bool Is(DbUpdateException exception) => exception.InnerException switch
    {
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode == SqliteConstraintUnique,
        _ => false,
    };
}
