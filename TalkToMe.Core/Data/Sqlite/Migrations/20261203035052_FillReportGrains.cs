using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Core.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class FillReportGrains : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The rows kept so far are the channel × agent grain with 5 % buckets. Two 5 % buckets make one 10 % bucket
            // exactly (floor(floor(x) / 2) = floor(x / 2)), so the coarser buckets and the two new grains are summed from
            // them here and reports read the same figures after the upgrade, with no rebuild. Grain 3 is a moment's
            // scratch grain: the channel × agent rows are re-bucketed beside the old ones, then take their place.
            migrationBuilder.Sql(CoarsenedInto(1, "\"Day\", \"ChannelId\", ''", "\"Day\", \"ChannelId\"", ""));
            migrationBuilder.Sql(CoarsenedInto(2, "\"Day\", 0, \"AgentId\"", "\"Day\", \"AgentId\"", AgentMetrics));
            migrationBuilder.Sql(CoarsenedInto(3, "\"Day\", \"ChannelId\", \"AgentId\"", "\"Day\", \"ChannelId\", \"AgentId\"", AgentMetrics));
            migrationBuilder.Sql("""DELETE FROM "ReportCounts" WHERE "Grain" = 0""");
            migrationBuilder.Sql("""UPDATE "ReportCounts" SET "Grain" = 0 WHERE "Grain" = 3""");
        }

        // Openings and the bot's figures (metrics 0, 5 and 8) are kept at the channel grain only.
        private const string AgentMetrics = """ AND "Metric" NOT IN (0, 5, 8)""";

        // First response, the bot's and resolution time (metrics 4, 5, 6) are the duration histograms.
        private static string CoarsenedInto(int grain, string keys, string groupBy, string where) => $"""
            INSERT INTO "ReportCounts" ("Grain", "Day", "ChannelId", "AgentId", "Metric", "Bucket", "Count", "Sum")
            SELECT {grain}, {keys}, "Metric", CASE WHEN "Metric" IN (4, 5, 6) THEN "Bucket" / 2 ELSE "Bucket" END, SUM("Count"), SUM("Sum")
            FROM "ReportCounts" WHERE "Grain" = 0{where}
            GROUP BY {groupBy}, "Metric", CASE WHEN "Metric" IN (4, 5, 6) THEN "Bucket" / 2 ELSE "Bucket" END
            """;

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Back to one grain: the channel × agent rows stay, with 10 % buckets an older version reads as 5 % ones
            // (medians off until `rebuild-reports` is run with that version).
            migrationBuilder.Sql("""DELETE FROM "ReportCounts" WHERE "Grain" <> 0""");
        }
    }
}
