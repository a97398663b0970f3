-- E-mail threading: the subject a conversation's replies carry ("Re: …").
ALTER TABLE "Conversations" ADD COLUMN "Subject" TEXT NULL;
