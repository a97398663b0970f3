using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Core.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ReportBusinessHours : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Durations are now kept twice: in calendar time (metrics 4, 5, 6) and within the channel's business hours
            // (10, 11, 12). The rows kept so far are copied as their business-hours twins, exact for every channel without
            // business hours; `rebuild-reports` recounts channels that had them from the messages.
            migrationBuilder.Sql("""
                INSERT INTO "ReportCounts" ("Grain", "Day", "ChannelId", "AgentId", "Metric", "Bucket", "Count", "Sum")
                SELECT "Grain", "Day", "ChannelId", "AgentId", "Metric" + 6, "Bucket", "Count", "Sum"
                FROM "ReportCounts" WHERE "Metric" IN (4, 5, 6)
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DELETE FROM "ReportCounts" WHERE "Metric" IN (10, 11, 12)""");
        }
    }
}
