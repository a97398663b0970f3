using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Core.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class OutboundOrderAndRetryWindow : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "RetriedAt",
                table: "Messages",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Messages_PendingByConversation",
                table: "Messages",
                columns: new[] { "ConversationId", "Id" },
                filter: "\"DeliveryStatus\" = 1");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Messages_PendingByConversation",
                table: "Messages");

            migrationBuilder.DropColumn(
                name: "RetriedAt",
                table: "Messages");
        }
    }
}
