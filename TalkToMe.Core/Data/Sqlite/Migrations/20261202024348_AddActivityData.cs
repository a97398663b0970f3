using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Core.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class AddActivityData : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ActivityData",
                table: "Messages",
                type: "TEXT",
                nullable: true);

            // Keep Alive finds a finalization deadline by the inactivity line's kind now: give the lines already stored
            // (fixed sentences, so an exact match is safe) their data. Other old rows keep Content only and display as is.
            foreach (var (kind, content) in new[]
            {
                ("KeepAliveInactivitySent", "Keep Alive: mensagem de inatividade enviada"),
                ("KeepAliveClosed", "Keep Alive: conversa encerrada"),
                ("SnoozeEnded", "Conversa reaberta: fim do adiamento"),
                ("FlowStopped", "Fluxo interrompido: passos demais sem resposta do cliente"),
                ("BotResolved", "Bot: conversa encerrada"),
            })
            {
                migrationBuilder.Sql($$"""
                    UPDATE "Messages" SET "ActivityData" = '{"kind":"{{kind}}"}'
                    WHERE "Kind" = 2 AND "ActivityData" IS NULL AND "Content" = '{{content}}';
                    """);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ActivityData",
                table: "Messages");
        }
    }
}
