using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Data.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class SearchPageFromInboxIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Conversations_Inbox",
                table: "Conversations");

            migrationBuilder.CreateIndex(
                name: "IX_Conversations_Inbox",
                table: "Conversations",
                columns: new[] { "Status", "LastActivityAt", "Id" },
                descending: new[] { false, true, true })
                .Annotation("Npgsql:IndexInclude", new[] { "ChannelId", "ContactId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Conversations_Inbox",
                table: "Conversations");

            migrationBuilder.CreateIndex(
                name: "IX_Conversations_Inbox",
                table: "Conversations",
                columns: new[] { "Status", "LastActivityAt", "Id" },
                descending: new[] { false, true, true });
        }
    }
}
