using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Core.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class AddReports : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "CsatAt",
                table: "Conversations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CsatComment",
                table: "Conversations",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "CsatScore",
                table: "Conversations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ConversationReportStates",
                columns: table => new
                {
                    ConversationId = table.Column<int>(type: "INTEGER", nullable: false),
                    ChannelId = table.Column<int>(type: "INTEGER", nullable: false),
                    LastMessageId = table.Column<long>(type: "INTEGER", nullable: false),
                    IsResolved = table.Column<bool>(type: "INTEGER", nullable: false),
                    EpisodeStartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    FirstCustomerMessageAt = table.Column<long>(type: "INTEGER", nullable: true),
                    AgentResponded = table.Column<bool>(type: "INTEGER", nullable: false),
                    BotResponded = table.Column<bool>(type: "INTEGER", nullable: false),
                    LastAgentId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    AgentReplies = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConversationReportStates", x => x.ConversationId);
                });

            migrationBuilder.CreateTable(
                name: "ReportCounts",
                columns: table => new
                {
                    Day = table.Column<int>(type: "INTEGER", nullable: false),
                    ChannelId = table.Column<int>(type: "INTEGER", nullable: false),
                    AgentId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Metric = table.Column<int>(type: "INTEGER", nullable: false),
                    Bucket = table.Column<int>(type: "INTEGER", nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false),
                    Sum = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportCounts", x => new { x.Day, x.ChannelId, x.AgentId, x.Metric, x.Bucket });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ConversationReportStates");

            migrationBuilder.DropTable(
                name: "ReportCounts");

            migrationBuilder.DropColumn(
                name: "CsatAt",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "CsatComment",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "CsatScore",
                table: "Conversations");
        }
    }
}
