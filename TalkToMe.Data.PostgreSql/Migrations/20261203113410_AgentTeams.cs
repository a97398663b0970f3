using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Data.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class AgentTeams : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "RestrictedToGroups",
                table: "AspNetUsers",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "ChannelGroupAgents",
                columns: table => new
                {
                    UserId = table.Column<string>(type: "text", nullable: false),
                    ChannelGroupId = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChannelGroupAgents", x => new { x.UserId, x.ChannelGroupId });
                    table.ForeignKey(
                        name: "FK_ChannelGroupAgents_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ChannelGroupAgents_ChannelGroups_ChannelGroupId",
                        column: x => x.ChannelGroupId,
                        principalTable: "ChannelGroups",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ChannelGroupAgents_ChannelGroupId",
                table: "ChannelGroupAgents",
                column: "ChannelGroupId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ChannelGroupAgents");

            migrationBuilder.DropColumn(
                name: "RestrictedToGroups",
                table: "AspNetUsers");
        }
    }
}
