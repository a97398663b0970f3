using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Conversations;

/// <summary>
/// "Nova conversa" (Contato ativo): an agent starts a conversation through a channel that is Ativo and Contato ativo, to an
/// existing contact or a new identity, with a first message. What a channel type allows and how it names contacts is the
/// kind's own knowledge (<see cref="ChannelKind.SupportsActiveContact"/>, <see cref="ChannelKind.ContactIdentity"/>).
/// </summary>
public sealed class ConversationStarter(UnitOfWorkFactory units, TimeProvider time)
{
    private const int MaxIdentityLength = 320;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <returns>The conversation's id: a new one, or the identity's conversation that is still open.</returns>
    public Task<int> StartAsync(Actor agent, int channelId, int? contactId, string? externalContactId, string? contactName,
        string text, CancellationToken cancellationToken = default)
    {
        var content = MessageText.Require(text);
        return StartCoreAsync(agent, channelId, contactId, externalContactId, contactName, (unit, conversation, channel) =>
        {
            // WhatsApp lets a business write first only with a template (StartWithTemplateAsync).
            if (!ReplyWindow.IsOpen(channel.Type, conversation.LastCustomerMessageAt, Now))
            {
                throw new ConversationRuleException(conversation.LastCustomerMessageAt is null ? ReplyWindow.StartNeedsTemplateMessage : ReplyWindow.ClosedMessage);
            }

            unit.Db.Messages.Add(conversation.Reply(agent, content, Now));
            return Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>"Nova conversa" through a WhatsApp channel: the first message is an approved template with its parameters.</summary>
    public Task<int> StartWithTemplateAsync(Actor agent, int channelId, int? contactId, string? externalContactId, string? contactName,
        int templateId, IReadOnlyList<string> values, CancellationToken cancellationToken = default) =>
        StartCoreAsync(agent, channelId, contactId, externalContactId, contactName,
            (unit, conversation, channel) => TemplateReply.AddAsync(unit, conversation, channel, agent, templateId, values, Now, cancellationToken),
            cancellationToken);

    private Task<int> StartCoreAsync(Actor agent, int channelId, int? contactId, string? externalContactId, string? contactName,
        Func<UnitOfWork, Conversation, Channel, Task> addFirstMessage, CancellationToken cancellationToken) =>
        units.InTransactionAsync(async unit =>
        {
            var db = unit.Db;
            var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == channelId, cancellationToken);
            // A channel the agent may not see (restricted to their groups) is as good as missing.
            if (channel is null || channel.IsDeleted
                || (agent.UserId is { } userId && !agent.IsAdmin && !(await Agents.ChannelAccess.ForUserAsync(db, userId, cancellationToken)).Allows(channel.Id)))
            {
                throw new ConversationRuleException(ServerText.Get("Error.ChannelNotFound", "Canal não encontrado."));
            }

            var kind = channel.Kind;
            if (!kind.SupportsActiveContact)
            {
                throw new ConversationRuleException(
                    ServerText.Get("Error.ChannelReplyOnly", "O canal {0} só responde: o provedor não permite que a empresa inicie a conversa.", channel.Name));
            }

            if (!channel.CanStartConversation)
            {
                throw new ConversationRuleException(
                    ServerText.Get("Error.ChannelCannotStart", "O canal {0} não permite iniciar conversas: ele precisa estar Ativo e com Contato ativo.", channel.Name));
            }

            var now = Now;
            var identity = await FindOrCreateIdentityAsync(db, channel, kind, contactId, externalContactId, contactName, now, cancellationToken);
            var conversation = identity.Id == 0 ? null : await OpenConversationAsync(unit, identity.Id, cancellationToken);
            if (conversation is null)
            {
                conversation = new Conversation(channel, identity, now);
                db.Conversations.Add(conversation);
                if (agent.UserId is not null)
                {
                    conversation.Assign(agent.UserId);
                }

                unit.Record(conversation, ActivityText.Started(agent), now);
            }

            await addFirstMessage(unit, conversation, channel);
            await unit.SaveChangesAsync(cancellationToken);
            return conversation.Id;
        }, cancellationToken);

    /// <summary>The identity's latest conversation that is not resolved, locked (PostgreSQL) before it is read for the change.</summary>
    private static async Task<Conversation?> OpenConversationAsync(UnitOfWork unit, int identityId, CancellationToken cancellationToken)
    {
        var open = unit.Db.Conversations.Where(c => c.ContactIdentityId == identityId && c.Status != ConversationStatus.Resolved);
        var id = await open.OrderByDescending(c => c.Id).Select(c => (int?)c.Id).FirstOrDefaultAsync(cancellationToken);
        if (id is null)
        {
            return null;
        }

        await unit.LockConversationAsync(id.Value, cancellationToken);
        // Read again under the lock: another agent may have resolved it meanwhile.
        return await ConversationUnits.WithDetails(open).FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
    }

    private static async Task<ContactIdentity> FindOrCreateIdentityAsync(TalkToMeDbContext db, Channel channel, ChannelKind kind,
        int? contactId, string? externalContactId, string? contactName, DateTime now, CancellationToken cancellationToken)
    {
        Contact? contact = null;
        if (contactId is { } id)
        {
            contact = await db.Contacts.Include(c => c.Identities).FirstOrDefaultAsync(c => c.Id == id, cancellationToken)
                ?? throw new ConversationRuleException(ServerText.Get("Error.ContactNotFound", "Contato não encontrado."));
        }

        var typed = externalContactId?.Trim();
        if (string.IsNullOrEmpty(typed))
        {
            return contact?.Identities.FirstOrDefault(i => i.ChannelId == channel.Id)
                ?? throw new ConversationRuleException(
                    ServerText.Get("Error.ContactAddressRequired", "Informe como falar com o contato pelo canal {0} (telefone, e-mail ou identificador).", channel.Name));
        }

        if (typed.Length > MaxIdentityLength)
        {
            throw new ConversationRuleException(ServerText.Get("Error.ContactIdTooLong", "O identificador do contato é longo demais."));
        }

        var external = kind.ContactIdentity(typed);
        var existing = await db.ContactIdentities.Include(i => i.Contact)
            .FirstOrDefaultAsync(i => i.ChannelId == channel.Id && i.ExternalId == external, cancellationToken);
        if (existing is not null)
        {
            if (contact is not null && existing.ContactId != contact.Id)
            {
                throw new ConversationRuleException(ServerText.Get("Error.IdentityTaken", "{0} já pertence ao contato {1}.", external, existing.Contact.Name));
            }

            return existing;
        }

        if (contact is null)
        {
            contact = new Contact(string.IsNullOrWhiteSpace(contactName) ? external : contactName, now);
            if (kind.ContactPhone(external) is { } phone)
            {
                contact.SetDetails(null, phone);
            }

            db.Contacts.Add(contact);
        }

        return contact.AddIdentity(channel.Id, external);
    }
}
