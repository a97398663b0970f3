using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Data.PostgreSql.Migrations
{
    /// <summary>
    /// Search words cut as on SQLite. PostgreSQL's default parser keeps "XPTO-991" as "xpto" and "-991", an e-mail
    /// address or host name as one token and "3.14" as one number, so "991", "example" (in ana@example.com) or "14" found
    /// nothing, while SQLite's unicode61 tokenizer and SearchTerms (runs of letters and digits) split on every
    /// punctuation mark. The columns are now generated from the text with ASCII punctuation turned into spaces. The
    /// class lists ASCII ranges, not [[:alnum:]]: in a database with the C locale that class excludes every non-ASCII
    /// letter. The query side needs nothing: SearchTerms' words hold letters and digits only.
    /// </summary>
    public partial class SearchWordsAsOnSqlite : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION ttm_search_text(text) RETURNS text
                    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
                    AS $$ SELECT regexp_replace(unaccent('unaccent'::regdictionary, $1), '[!-/:-@\[-`{-~]+', ' ', 'g') $$;
                """);
            Recreate(migrationBuilder, "ttm_search_text");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            Recreate(migrationBuilder, "ttm_unaccent");
            migrationBuilder.Sql("DROP FUNCTION ttm_search_text(text);");
        }

        // A generated column's expression cannot be altered: drop it (with its index) and add it again, which
        // recomputes every row.
        private static void Recreate(MigrationBuilder migrationBuilder, string function) =>
            migrationBuilder.Sql($"""
                DROP INDEX "IX_Messages_Search";
                ALTER TABLE "Messages" DROP COLUMN "SearchVector";
                ALTER TABLE "Messages" ADD COLUMN "SearchVector" tsvector
                    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {function}(coalesce("Content", '')))) STORED;
                CREATE INDEX "IX_Messages_Search" ON "Messages" USING gin ("SearchVector");

                DROP INDEX "IX_Contacts_Search";
                ALTER TABLE "Contacts" DROP COLUMN "SearchVector";
                ALTER TABLE "Contacts" ADD COLUMN "SearchVector" tsvector
                    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {function}(coalesce("Name", '')))) STORED;
                CREATE INDEX "IX_Contacts_Search" ON "Contacts" USING gin ("SearchVector");
                """);
    }
}
