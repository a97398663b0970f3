using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Data.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class ReportGrains : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The rows are given their grains and coarser buckets by the next migration: on SQLite this one rebuilds the
            // table, after any SQL it would run.
            migrationBuilder.DropPrimaryKey(
                name: "PK_ReportCounts",
                table: "ReportCounts");

            migrationBuilder.AddColumn<int>(
                name: "Grain",
                table: "ReportCounts",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddPrimaryKey(
                name: "PK_ReportCounts",
                table: "ReportCounts",
                columns: new[] { "Grain", "Day", "ChannelId", "AgentId", "Metric", "Bucket" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportCounts_Grain_AgentId_Day",
                table: "ReportCounts",
                columns: new[] { "Grain", "AgentId", "Day" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportCounts_Grain_ChannelId_Day",
                table: "ReportCounts",
                columns: new[] { "Grain", "ChannelId", "Day" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_ReportCounts",
                table: "ReportCounts");

            migrationBuilder.DropIndex(
                name: "IX_ReportCounts_Grain_AgentId_Day",
                table: "ReportCounts");

            migrationBuilder.DropIndex(
                name: "IX_ReportCounts_Grain_ChannelId_Day",
                table: "ReportCounts");

            migrationBuilder.DropColumn(
                name: "Grain",
                table: "ReportCounts");

            migrationBuilder.AddPrimaryKey(
                name: "PK_ReportCounts",
                table: "ReportCounts",
                columns: new[] { "Day", "ChannelId", "AgentId", "Metric", "Bucket" });
        }
    }
}
