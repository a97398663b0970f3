using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Data.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class ReportCountsCoveringIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ReportCounts_Grain_AgentId_Day",
                table: "ReportCounts");

            migrationBuilder.DropIndex(
                name: "IX_ReportCounts_Grain_ChannelId_Day",
                table: "ReportCounts");

            migrationBuilder.CreateIndex(
                name: "IX_ReportCounts_AgentDays",
                table: "ReportCounts",
                columns: new[] { "Grain", "AgentId", "Day", "ChannelId", "Metric", "Bucket", "Count", "Sum" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportCounts_ChannelDays",
                table: "ReportCounts",
                columns: new[] { "Grain", "ChannelId", "Day", "AgentId", "Metric", "Bucket", "Count", "Sum" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportCounts_Days",
                table: "ReportCounts",
                columns: new[] { "Grain", "Day", "ChannelId", "AgentId", "Metric", "Bucket", "Count", "Sum" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ReportCounts_AgentDays",
                table: "ReportCounts");

            migrationBuilder.DropIndex(
                name: "IX_ReportCounts_ChannelDays",
                table: "ReportCounts");

            migrationBuilder.DropIndex(
                name: "IX_ReportCounts_Days",
                table: "ReportCounts");

            migrationBuilder.CreateIndex(
                name: "IX_ReportCounts_Grain_AgentId_Day",
                table: "ReportCounts",
                columns: new[] { "Grain", "AgentId", "Day" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportCounts_Grain_ChannelId_Day",
                table: "ReportCounts",
                columns: new[] { "Grain", "ChannelId", "Day" });
        }
    }
}
