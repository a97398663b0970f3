using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Data.PostgreSql.Migrations
{
    /// <summary>
    /// Inbox search on GIN-indexed tsvector columns instead of ILIKE '%term%' over every message: generated from
    /// Messages.Content and Contacts.Name with the 'simple' configuration (no stemming: names and order numbers are
    /// what people search for) over unaccent, so accents and case never matter. unaccent is a trusted extension: the
    /// database's owner may create it. Outside EF's model: only InboxQuery reads these columns.
    /// </summary>
    public partial class AddFullTextSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE EXTENSION IF NOT EXISTS unaccent;
                -- unaccent() is only STABLE (its dictionary could change); a generated column needs IMMUTABLE, so the
                -- dictionary is named explicitly, as PostgreSQL's documentation suggests.
                CREATE OR REPLACE FUNCTION ttm_unaccent(text) RETURNS text
                    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
                    AS $$ SELECT unaccent('unaccent'::regdictionary, $1) $$;

                ALTER TABLE "Messages" ADD COLUMN "SearchVector" tsvector
                    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, ttm_unaccent(coalesce("Content", '')))) STORED;
                CREATE INDEX "IX_Messages_Search" ON "Messages" USING gin ("SearchVector");

                ALTER TABLE "Contacts" ADD COLUMN "SearchVector" tsvector
                    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, ttm_unaccent(coalesce("Name", '')))) STORED;
                CREATE INDEX "IX_Contacts_Search" ON "Contacts" USING gin ("SearchVector");
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP INDEX "IX_Contacts_Search";
                ALTER TABLE "Contacts" DROP COLUMN "SearchVector";
                DROP INDEX "IX_Messages_Search";
                ALTER TABLE "Messages" DROP COLUMN "SearchVector";
                DROP FUNCTION ttm_unaccent(text);
                """);
        }
    }
}
