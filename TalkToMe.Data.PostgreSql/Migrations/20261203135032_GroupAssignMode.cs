using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Data.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class GroupAssignMode : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "AssignMode",
                table: "ChannelGroups",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "ChannelMode",
                table: "ChannelAssignments",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            // Every mode set so far was the channel's own (groups had none).
            migrationBuilder.Sql("UPDATE \"ChannelAssignments\" SET \"ChannelMode\" = \"Mode\";");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AssignMode",
                table: "ChannelGroups");

            migrationBuilder.DropColumn(
                name: "ChannelMode",
                table: "ChannelAssignments");
        }
    }
}
