using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Core.Data.Sqlite.Migrations
{
    /// <summary>
    /// Inbox search fast for common words (BENCHMARKS.md, sessions 7 and 8). Two changes to the FTS5 tables, which FTS5
    /// only takes on creation, so both are dropped, created again and rebuilt from their base tables (the triggers
    /// likewise, since they name the columns):
    /// - prefix indexes for 2 to 6 letters: every search word is a prefix query ("pedi"*), and without a prefix index FTS5
    ///   merges the doclists of all words with that beginning on each lookup (1.57 ms per check for "pedido"* against
    ///   0.036 ms with the index). A longer word is looked up by its first six letters plus its whole form.
    /// - MessageSearch also indexes "ConversationId", so "does this conversation have a message with these words" is one
    ///   index lookup (`ConversationId : "12" AND …`) instead of one check per message of the conversation.
    /// </summary>
    public partial class SearchPrefixIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Drop);
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE "MessageSearch" USING fts5("Content", "ConversationId", content='Messages', content_rowid='Id',
                    tokenize='unicode61 remove_diacritics 2', prefix='2 3 4 5 6');
                INSERT INTO "MessageSearch"("MessageSearch") VALUES ('rebuild');
                CREATE TRIGGER "Messages_Search_Insert" AFTER INSERT ON "Messages" BEGIN
                    INSERT INTO "MessageSearch"(rowid, "Content", "ConversationId") VALUES (new."Id", new."Content", new."ConversationId");
                END;
                CREATE TRIGGER "Messages_Search_Delete" AFTER DELETE ON "Messages" BEGIN
                    INSERT INTO "MessageSearch"("MessageSearch", rowid, "Content", "ConversationId")
                        VALUES ('delete', old."Id", old."Content", old."ConversationId");
                END;
                CREATE TRIGGER "Messages_Search_Update" AFTER UPDATE OF "Content", "ConversationId" ON "Messages" BEGIN
                    INSERT INTO "MessageSearch"("MessageSearch", rowid, "Content", "ConversationId")
                        VALUES ('delete', old."Id", old."Content", old."ConversationId");
                    INSERT INTO "MessageSearch"(rowid, "Content", "ConversationId") VALUES (new."Id", new."Content", new."ConversationId");
                END;
                """ + ContactSearch("prefix='2 3 4 5 6'"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Back to 20261202122500_AddFullTextSearch's tables.
            migrationBuilder.Sql(Drop);
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE "MessageSearch" USING fts5("Content", content='Messages', content_rowid='Id',
                    tokenize='unicode61 remove_diacritics 2');
                INSERT INTO "MessageSearch"("MessageSearch") VALUES ('rebuild');
                CREATE TRIGGER "Messages_Search_Insert" AFTER INSERT ON "Messages" BEGIN
                    INSERT INTO "MessageSearch"(rowid, "Content") VALUES (new."Id", new."Content");
                END;
                CREATE TRIGGER "Messages_Search_Delete" AFTER DELETE ON "Messages" BEGIN
                    INSERT INTO "MessageSearch"("MessageSearch", rowid, "Content") VALUES ('delete', old."Id", old."Content");
                END;
                CREATE TRIGGER "Messages_Search_Update" AFTER UPDATE OF "Content" ON "Messages" BEGIN
                    INSERT INTO "MessageSearch"("MessageSearch", rowid, "Content") VALUES ('delete', old."Id", old."Content");
                    INSERT INTO "MessageSearch"(rowid, "Content") VALUES (new."Id", new."Content");
                END;
                """ + ContactSearch(null));
        }

        private const string Drop = """
            DROP TRIGGER "Messages_Search_Insert";
            DROP TRIGGER "Messages_Search_Delete";
            DROP TRIGGER "Messages_Search_Update";
            DROP TABLE "MessageSearch";
            DROP TRIGGER "Contacts_Search_Insert";
            DROP TRIGGER "Contacts_Search_Delete";
            DROP TRIGGER "Contacts_Search_Update";
            DROP TABLE "ContactSearch";
            """;

        private static string ContactSearch(string prefix) => $"""

            CREATE VIRTUAL TABLE "ContactSearch" USING fts5("Name", content='Contacts', content_rowid='Id',
                tokenize='unicode61 remove_diacritics 2'{(prefix is null ? "" : ", " + prefix)});
            INSERT INTO "ContactSearch"("ContactSearch") VALUES ('rebuild');
            CREATE TRIGGER "Contacts_Search_Insert" AFTER INSERT ON "Contacts" BEGIN
                INSERT INTO "ContactSearch"(rowid, "Name") VALUES (new."Id", new."Name");
            END;
            CREATE TRIGGER "Contacts_Search_Delete" AFTER DELETE ON "Contacts" BEGIN
                INSERT INTO "ContactSearch"("ContactSearch", rowid, "Name") VALUES ('delete', old."Id", old."Name");
            END;
            CREATE TRIGGER "Contacts_Search_Update" AFTER UPDATE OF "Name" ON "Contacts" BEGIN
                INSERT INTO "ContactSearch"("ContactSearch", rowid, "Name") VALUES ('delete', old."Id", old."Name");
                INSERT INTO "ContactSearch"(rowid, "Name") VALUES (new."Id", new."Name");
            END;
            """;
    }
}
