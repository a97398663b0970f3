using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TalkToMe.Core.Data.Sqlite.Migrations
{
    /// <summary>
    /// Inbox search on an FTS5 index instead of LIKE '%term%' over every message: external-content tables over
    /// Messages.Content and Contacts.Name (no second copy of the text), kept in step by triggers, accent- and
    /// case-insensitive (unicode61, remove_diacritics 2). Outside EF's model: EF has no FTS5 mapping, and nothing but
    /// InboxQuery reads them.
    /// </summary>
    public partial class AddFullTextSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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

                CREATE VIRTUAL TABLE "ContactSearch" USING fts5("Name", content='Contacts', content_rowid='Id',
                    tokenize='unicode61 remove_diacritics 2');
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
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER "Messages_Search_Insert";
                DROP TRIGGER "Messages_Search_Delete";
                DROP TRIGGER "Messages_Search_Update";
                DROP TABLE "MessageSearch";
                DROP TRIGGER "Contacts_Search_Insert";
                DROP TRIGGER "Contacts_Search_Delete";
                DROP TRIGGER "Contacts_Search_Update";
                DROP TABLE "ContactSearch";
                """);
        }
    }
}
