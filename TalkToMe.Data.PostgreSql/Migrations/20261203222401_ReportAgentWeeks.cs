using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Data.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class ReportAgentWeeks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The agent grain per week (grain 3, Day = the week's Monday: day 0 was a Monday), summed from the agent
            // grain's day rows already kept, so the agents' table reads the same figures after the upgrade with no rebuild.
            migrationBuilder.Sql("""
                INSERT INTO "ReportCounts" ("Grain", "Day", "ChannelId", "AgentId", "Metric", "Bucket", "Count", "Sum")
                SELECT 3, "Day" - "Day" % 7, 0, "AgentId", "Metric", "Bucket", SUM("Count"), SUM("Sum")
                FROM "ReportCounts" WHERE "Grain" = 2
                GROUP BY "Day" - "Day" % 7, "AgentId", "Metric", "Bucket"
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DELETE FROM "ReportCounts" WHERE "Grain" = 3""");
        }
    }
}
