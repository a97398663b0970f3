CREATE TABLE "AspNetRoles" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_AspNetRoles" PRIMARY KEY,
    "Name" TEXT NULL,
    "NormalizedName" TEXT NULL,
    "ConcurrencyStamp" TEXT NULL
);

CREATE TABLE "AspNetUsers" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_AspNetUsers" PRIMARY KEY,
    "DisplayName" TEXT NOT NULL,
    "IsDeactivated" INTEGER NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "UserName" TEXT NULL,
    "NormalizedUserName" TEXT NULL,
    "Email" TEXT NULL,
    "NormalizedEmail" TEXT NULL,
    "EmailConfirmed" INTEGER NOT NULL,
    "PasswordHash" TEXT NULL,
    "SecurityStamp" TEXT NULL,
    "ConcurrencyStamp" TEXT NULL,
    "PhoneNumber" TEXT NULL,
    "PhoneNumberConfirmed" INTEGER NOT NULL,
    "TwoFactorEnabled" INTEGER NOT NULL,
    "LockoutEnd" TEXT NULL,
    "LockoutEnabled" INTEGER NOT NULL,
    "AccessFailedCount" INTEGER NOT NULL
);

CREATE TABLE "CannedResponses" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_CannedResponses" PRIMARY KEY AUTOINCREMENT,
    "ShortCode" TEXT NOT NULL,
    "Content" TEXT NOT NULL
);

CREATE TABLE "ChannelGroups" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_ChannelGroups" PRIMARY KEY AUTOINCREMENT,
    "Name" TEXT NOT NULL,
    "Description" TEXT NULL
);

CREATE TABLE "Contacts" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_Contacts" PRIMARY KEY AUTOINCREMENT,
    "Name" TEXT NOT NULL,
    "Email" TEXT NULL,
    "Phone" TEXT NULL,
    "AttributesJson" TEXT NOT NULL,
    "CreatedAt" INTEGER NOT NULL
);

CREATE TABLE "Flows" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_Flows" PRIMARY KEY AUTOINCREMENT,
    "Name" TEXT NOT NULL,
    "CreatedAt" INTEGER NOT NULL
);

CREATE TABLE "Labels" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_Labels" PRIMARY KEY AUTOINCREMENT,
    "Name" TEXT NOT NULL,
    "Color" TEXT NOT NULL
);

CREATE TABLE "Macros" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_Macros" PRIMARY KEY AUTOINCREMENT,
    "Name" TEXT NOT NULL,
    "ActionsJson" TEXT NOT NULL
);

CREATE TABLE "AspNetRoleClaims" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_AspNetRoleClaims" PRIMARY KEY AUTOINCREMENT,
    "RoleId" TEXT NOT NULL,
    "ClaimType" TEXT NULL,
    "ClaimValue" TEXT NULL,
    CONSTRAINT "FK_AspNetRoleClaims_AspNetRoles_RoleId" FOREIGN KEY ("RoleId") REFERENCES "AspNetRoles" ("Id") ON DELETE CASCADE
);

CREATE TABLE "ApiTokens" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_ApiTokens" PRIMARY KEY AUTOINCREMENT,
    "UserId" TEXT NOT NULL,
    "Name" TEXT NOT NULL,
    "TokenHash" TEXT NOT NULL,
    "Prefix" TEXT NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "RevokedAt" INTEGER NULL,
    CONSTRAINT "FK_ApiTokens_AspNetUsers_UserId" FOREIGN KEY ("UserId") REFERENCES "AspNetUsers" ("Id") ON DELETE CASCADE
);

CREATE TABLE "AspNetUserClaims" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_AspNetUserClaims" PRIMARY KEY AUTOINCREMENT,
    "UserId" TEXT NOT NULL,
    "ClaimType" TEXT NULL,
    "ClaimValue" TEXT NULL,
    CONSTRAINT "FK_AspNetUserClaims_AspNetUsers_UserId" FOREIGN KEY ("UserId") REFERENCES "AspNetUsers" ("Id") ON DELETE CASCADE
);

CREATE TABLE "AspNetUserLogins" (
    "LoginProvider" TEXT NOT NULL,
    "ProviderKey" TEXT NOT NULL,
    "ProviderDisplayName" TEXT NULL,
    "UserId" TEXT NOT NULL,
    CONSTRAINT "PK_AspNetUserLogins" PRIMARY KEY ("LoginProvider", "ProviderKey"),
    CONSTRAINT "FK_AspNetUserLogins_AspNetUsers_UserId" FOREIGN KEY ("UserId") REFERENCES "AspNetUsers" ("Id") ON DELETE CASCADE
);

CREATE TABLE "AspNetUserRoles" (
    "UserId" TEXT NOT NULL,
    "RoleId" TEXT NOT NULL,
    CONSTRAINT "PK_AspNetUserRoles" PRIMARY KEY ("UserId", "RoleId"),
    CONSTRAINT "FK_AspNetUserRoles_AspNetRoles_RoleId" FOREIGN KEY ("RoleId") REFERENCES "AspNetRoles" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_AspNetUserRoles_AspNetUsers_UserId" FOREIGN KEY ("UserId") REFERENCES "AspNetUsers" ("Id") ON DELETE CASCADE
);

CREATE TABLE "AspNetUserTokens" (
    "UserId" TEXT NOT NULL,
    "LoginProvider" TEXT NOT NULL,
    "Name" TEXT NOT NULL,
    "Value" TEXT NULL,
    CONSTRAINT "PK_AspNetUserTokens" PRIMARY KEY ("UserId", "LoginProvider", "Name"),
    CONSTRAINT "FK_AspNetUserTokens_AspNetUsers_UserId" FOREIGN KEY ("UserId") REFERENCES "AspNetUsers" ("Id") ON DELETE CASCADE
);

CREATE TABLE "Channels" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_Channels" PRIMARY KEY AUTOINCREMENT,
    "Name" TEXT NOT NULL,
    "Type" TEXT NOT NULL,
    "IsActive" INTEGER NOT NULL,
    "AllowsActiveContact" INTEGER NOT NULL,
    "EntryFlowId" INTEGER NULL,
    "ExitFlowId" INTEGER NULL,
    "PublicKey" TEXT NOT NULL,
    "SettingsJson" TEXT NOT NULL,
    "ApiTokenHash" TEXT NULL,
    "KeepAliveInactivityAmount" INTEGER NOT NULL,
    "KeepAliveInactivityUnit" TEXT NOT NULL,
    "KeepAliveInactivityMessage" TEXT NULL,
    "KeepAliveFinalizationAmount" INTEGER NOT NULL,
    "KeepAliveFinalizationUnit" TEXT NOT NULL,
    "KeepAliveFinalizationMessage" TEXT NULL,
    "KeepAliveEnabled" INTEGER NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "DeletedAt" INTEGER NULL,
    CONSTRAINT "FK_Channels_Flows_EntryFlowId" FOREIGN KEY ("EntryFlowId") REFERENCES "Flows" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_Channels_Flows_ExitFlowId" FOREIGN KEY ("ExitFlowId") REFERENCES "Flows" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "FlowSteps" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_FlowSteps" PRIMARY KEY AUTOINCREMENT,
    "FlowId" INTEGER NOT NULL,
    "Position" INTEGER NOT NULL,
    "Type" TEXT NOT NULL,
    "Text" TEXT NOT NULL,
    "AnswerKey" TEXT NULL,
    "StoreOnContact" INTEGER NOT NULL,
    "OptionsJson" TEXT NOT NULL,
    "TransferGroupId" INTEGER NULL,
    "TransferAgentId" TEXT NULL,
    CONSTRAINT "FK_FlowSteps_ChannelGroups_TransferGroupId" FOREIGN KEY ("TransferGroupId") REFERENCES "ChannelGroups" ("Id") ON DELETE SET NULL,
    CONSTRAINT "FK_FlowSteps_Flows_FlowId" FOREIGN KEY ("FlowId") REFERENCES "Flows" ("Id") ON DELETE CASCADE
);

CREATE TABLE "ChannelGroupMembers" (
    "ChannelGroupId" INTEGER NOT NULL,
    "ChannelId" INTEGER NOT NULL,
    CONSTRAINT "PK_ChannelGroupMembers" PRIMARY KEY ("ChannelGroupId", "ChannelId"),
    CONSTRAINT "FK_ChannelGroupMembers_ChannelGroups_ChannelGroupId" FOREIGN KEY ("ChannelGroupId") REFERENCES "ChannelGroups" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_ChannelGroupMembers_Channels_ChannelId" FOREIGN KEY ("ChannelId") REFERENCES "Channels" ("Id") ON DELETE CASCADE
);

CREATE TABLE "ContactIdentities" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_ContactIdentities" PRIMARY KEY AUTOINCREMENT,
    "ContactId" INTEGER NOT NULL,
    "ChannelId" INTEGER NOT NULL,
    "ExternalId" TEXT NOT NULL,
    CONSTRAINT "FK_ContactIdentities_Channels_ChannelId" FOREIGN KEY ("ChannelId") REFERENCES "Channels" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_ContactIdentities_Contacts_ContactId" FOREIGN KEY ("ContactId") REFERENCES "Contacts" ("Id") ON DELETE CASCADE
);

CREATE TABLE "Conversations" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_Conversations" PRIMARY KEY AUTOINCREMENT,
    "ChannelId" INTEGER NOT NULL,
    "ContactId" INTEGER NOT NULL,
    "ContactIdentityId" INTEGER NOT NULL,
    "Status" INTEGER NOT NULL,
    "AssigneeId" TEXT NULL,
    "Priority" INTEGER NOT NULL,
    "LastActivityAt" INTEGER NOT NULL,
    "LastCustomerMessageAt" INTEGER NULL,
    "LastMessagePreview" TEXT NULL,
    "UnreadCount" INTEGER NOT NULL,
    "SnoozedUntil" INTEGER NULL,
    "CreatedAt" INTEGER NOT NULL,
    "ResolvedAt" INTEGER NULL,
    "KeepAliveStage" INTEGER NOT NULL,
    "KeepAliveDueAt" INTEGER NULL,
    "FlowId" INTEGER NULL,
    "FlowStepIndex" INTEGER NULL,
    "AttributesJson" TEXT NOT NULL,
    CONSTRAINT "FK_Conversations_AspNetUsers_AssigneeId" FOREIGN KEY ("AssigneeId") REFERENCES "AspNetUsers" ("Id") ON DELETE SET NULL,
    CONSTRAINT "FK_Conversations_Channels_ChannelId" FOREIGN KEY ("ChannelId") REFERENCES "Channels" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_Conversations_ContactIdentities_ContactIdentityId" FOREIGN KEY ("ContactIdentityId") REFERENCES "ContactIdentities" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_Conversations_Contacts_ContactId" FOREIGN KEY ("ContactId") REFERENCES "Contacts" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_Conversations_Flows_FlowId" FOREIGN KEY ("FlowId") REFERENCES "Flows" ("Id") ON DELETE SET NULL
);

CREATE TABLE "ConversationLabels" (
    "ConversationId" INTEGER NOT NULL,
    "LabelId" INTEGER NOT NULL,
    CONSTRAINT "PK_ConversationLabels" PRIMARY KEY ("ConversationId", "LabelId"),
    CONSTRAINT "FK_ConversationLabels_Conversations_ConversationId" FOREIGN KEY ("ConversationId") REFERENCES "Conversations" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_ConversationLabels_Labels_LabelId" FOREIGN KEY ("LabelId") REFERENCES "Labels" ("Id") ON DELETE CASCADE
);

CREATE TABLE "Messages" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_Messages" PRIMARY KEY AUTOINCREMENT,
    "ConversationId" INTEGER NOT NULL,
    "ChannelId" INTEGER NOT NULL,
    "Direction" INTEGER NOT NULL,
    "Kind" INTEGER NOT NULL,
    "SenderType" INTEGER NOT NULL,
    "SenderId" TEXT NULL,
    "SenderName" TEXT NULL,
    "Content" TEXT NOT NULL,
    "ExternalId" TEXT NULL,
    "DeliveryStatus" INTEGER NOT NULL,
    "FailureReason" TEXT NULL,
    "DeliveryAttempts" INTEGER NOT NULL,
    "NextAttemptAt" INTEGER NULL,
    "DeliveryId" TEXT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "SentAt" INTEGER NULL,
    CONSTRAINT "FK_Messages_Conversations_ConversationId" FOREIGN KEY ("ConversationId") REFERENCES "Conversations" ("Id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_ApiTokens_TokenHash" ON "ApiTokens" ("TokenHash");

CREATE INDEX "IX_ApiTokens_UserId" ON "ApiTokens" ("UserId");

CREATE INDEX "IX_AspNetRoleClaims_RoleId" ON "AspNetRoleClaims" ("RoleId");

CREATE UNIQUE INDEX "RoleNameIndex" ON "AspNetRoles" ("NormalizedName");

CREATE INDEX "IX_AspNetUserClaims_UserId" ON "AspNetUserClaims" ("UserId");

CREATE INDEX "IX_AspNetUserLogins_UserId" ON "AspNetUserLogins" ("UserId");

CREATE INDEX "IX_AspNetUserRoles_RoleId" ON "AspNetUserRoles" ("RoleId");

CREATE INDEX "EmailIndex" ON "AspNetUsers" ("NormalizedEmail");

CREATE UNIQUE INDEX "UserNameIndex" ON "AspNetUsers" ("NormalizedUserName");

CREATE UNIQUE INDEX "IX_CannedResponses_ShortCode" ON "CannedResponses" ("ShortCode");

CREATE INDEX "IX_ChannelGroupMembers_ChannelId" ON "ChannelGroupMembers" ("ChannelId");

CREATE UNIQUE INDEX "IX_Channels_ApiTokenHash" ON "Channels" ("ApiTokenHash");

CREATE INDEX "IX_Channels_EntryFlowId" ON "Channels" ("EntryFlowId");

CREATE INDEX "IX_Channels_ExitFlowId" ON "Channels" ("ExitFlowId");

CREATE UNIQUE INDEX "IX_Channels_PublicKey" ON "Channels" ("PublicKey");

CREATE UNIQUE INDEX "IX_ContactIdentities_ChannelId_ExternalId" ON "ContactIdentities" ("ChannelId", "ExternalId");

CREATE INDEX "IX_ContactIdentities_ContactId" ON "ContactIdentities" ("ContactId");

CREATE INDEX "IX_Contacts_Name" ON "Contacts" ("Name");

CREATE INDEX "IX_ConversationLabels_LabelId" ON "ConversationLabels" ("LabelId");

CREATE INDEX "IX_Conversations_Activity" ON "Conversations" ("LastActivityAt" DESC, "Id" DESC);

CREATE INDEX "IX_Conversations_Assignee" ON "Conversations" ("AssigneeId", "Status", "LastActivityAt");

CREATE INDEX "IX_Conversations_Channel" ON "Conversations" ("ChannelId", "Status", "LastActivityAt");

CREATE INDEX "IX_Conversations_ContactId" ON "Conversations" ("ContactId");

CREATE INDEX "IX_Conversations_ContactIdentityId" ON "Conversations" ("ContactIdentityId");

CREATE INDEX "IX_Conversations_FlowId" ON "Conversations" ("FlowId");

CREATE INDEX "IX_Conversations_Inbox" ON "Conversations" ("Status", "LastActivityAt" DESC, "Id" DESC);

CREATE INDEX "IX_Conversations_KeepAliveDue" ON "Conversations" ("KeepAliveDueAt") WHERE "KeepAliveDueAt" IS NOT NULL;

CREATE INDEX "IX_Conversations_SnoozedUntil" ON "Conversations" ("SnoozedUntil") WHERE "SnoozedUntil" IS NOT NULL;

CREATE INDEX "IX_FlowSteps_FlowId_Position" ON "FlowSteps" ("FlowId", "Position");

CREATE INDEX "IX_FlowSteps_TransferGroupId" ON "FlowSteps" ("TransferGroupId");

CREATE UNIQUE INDEX "IX_Labels_Name" ON "Labels" ("Name");

CREATE INDEX "IX_Messages_ConversationId_Id" ON "Messages" ("ConversationId", "Id");

CREATE UNIQUE INDEX "IX_Messages_ExternalId" ON "Messages" ("ChannelId", "Direction", "ExternalId") WHERE "ExternalId" IS NOT NULL;

CREATE INDEX "IX_Messages_PendingDelivery" ON "Messages" ("NextAttemptAt") WHERE "DeliveryStatus" = 1;
