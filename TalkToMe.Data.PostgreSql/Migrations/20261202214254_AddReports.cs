using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Data.PostgreSql.Migrations
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
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CsatComment",
                table: "Conversations",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "CsatScore",
                table: "Conversations",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ConversationReportStates",
                columns: table => new
                {
                    ConversationId = table.Column<int>(type: "integer", nullable: false),
                    ChannelId = table.Column<int>(type: "integer", nullable: false),
                    LastMessageId = table.Column<long>(type: "bigint", nullable: false),
                    IsResolved = table.Column<bool>(type: "boolean", nullable: false),
                    EpisodeStartedAt = table.Column<long>(type: "bigint", nullable: false),
                    FirstCustomerMessageAt = table.Column<long>(type: "bigint", nullable: true),
                    AgentResponded = table.Column<bool>(type: "boolean", nullable: false),
                    BotResponded = table.Column<bool>(type: "boolean", nullable: false),
                    LastAgentId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: true),
                    AgentReplies = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConversationReportStates", x => x.ConversationId);
                });

            migrationBuilder.CreateTable(
                name: "ReportCounts",
                columns: table => new
                {
                    Day = table.Column<int>(type: "integer", nullable: false),
                    ChannelId = table.Column<int>(type: "integer", nullable: false),
                    AgentId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    Metric = table.Column<int>(type: "integer", nullable: false),
                    Bucket = table.Column<int>(type: "integer", nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false),
                    Sum = table.Column<long>(type: "bigint", nullable: false)
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
