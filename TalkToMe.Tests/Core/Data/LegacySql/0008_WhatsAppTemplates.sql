-- WhatsApp message templates: the approved templates of each WhatsApp channel's Business Account ("Sincronizar modelos"),
-- and the template (name, language, parameters) an outgoing message was sent as.
CREATE TABLE "WhatsAppTemplates" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_WhatsAppTemplates" PRIMARY KEY AUTOINCREMENT,
    "ChannelId" INTEGER NOT NULL,
    "Name" TEXT NOT NULL,
    "Language" TEXT NOT NULL,
    "Category" TEXT NOT NULL,
    "Body" TEXT NOT NULL,
    "Parameters" TEXT NOT NULL,
    "SyncedAt" INTEGER NOT NULL,
    CONSTRAINT "FK_WhatsAppTemplates_Channels_ChannelId" FOREIGN KEY ("ChannelId") REFERENCES "Channels" ("Id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_WhatsAppTemplates_ChannelId_Name_Language" ON "WhatsAppTemplates" ("ChannelId", "Name", "Language");

ALTER TABLE "Messages" ADD COLUMN "Template" TEXT NULL;
