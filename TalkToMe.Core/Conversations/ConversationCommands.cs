using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Conversations;

/// <summary>
/// What an agent does to a conversation from the inbox. One unit of work per call (the conversation's row locked first on
/// PostgreSQL); the rules live on the entities, which say what happened as an activity line; the unit publishes the events
/// and wakes the dispatcher, Keep Alive or the snooze service after the commit. Outgoing messages are stored as pending for
/// the dispatcher (DESIGN "Outbound").
/// </summary>
public sealed class ConversationCommands(UnitOfWorkFactory units, IConversationFlows flows, TimeProvider time, IMediaLinks? links = null)
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>An agent's reply, sent through the channel the customer used.</summary>
    public Task<Message> ReplyAsync(int conversationId, Actor agent, string text, CancellationToken cancellationToken = default)
    {
        var content = MessageText.Require(text);
        return units.ChangeConversationAsync(conversationId, agent, (unit, conversation) =>
        {
            conversation.Channel.RequireCanSend();
            if (!ReplyWindow.IsOpen(conversation, Now))
            {
                throw new ConversationRuleException(ReplyWindow.ClosedMessage);
            }

            return Task.FromResult(Reply(unit, conversation, agent, content));
        }, cancellationToken);
    }

    /// <summary>
    /// An agent's reply with files (already in the media store, see <see cref="OutgoingFile"/>). The text is the caption and
    /// may be empty when there is a file: the message then stands as its first file's label ("📷 Foto"), which the thread
    /// and the senders recognise as no caption. Each file is checked against the channel's limits (<see cref="MediaLimits"/>)
    /// before anything is stored: a refusal names the limit and leaves the conversation as it was.
    /// </summary>
    public Task<Message> ReplyAsync(int conversationId, Actor agent, string text, IReadOnlyList<OutgoingFile> files,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            return ReplyAsync(conversationId, agent, text, cancellationToken);
        }

        var caption = string.IsNullOrWhiteSpace(text) ? null : MessageText.Require(text);
        return units.ChangeConversationAsync(conversationId, agent, (unit, conversation) =>
        {
            conversation.Channel.RequireCanSend();
            var media = MediaLimits.Check(conversation.Channel.Type, files);
            MediaLimits.RequireLinks(conversation.Channel.Type, links ?? new NoMediaLinks());
            if (!ReplyWindow.IsOpen(conversation, Now))
            {
                throw new ConversationRuleException(ReplyWindow.ClosedMessage);
            }

            var reply = Reply(unit, conversation, agent, caption ?? MediaLabel.For(media));
            foreach (var file in media)
            {
                unit.Db.Attachments.Add(new Attachment(reply, file, Now));
            }

            return Task.FromResult(reply);
        }, cancellationToken);
    }

    /// <summary>A WhatsApp message template (what WhatsApp accepts when the 24-hour window is closed), see <see cref="TemplateReply"/>.</summary>
    public Task<Message> SendTemplateAsync(int conversationId, Actor agent, int templateId, IReadOnlyList<string> values,
        CancellationToken cancellationToken = default) =>
        units.ChangeConversationAsync(conversationId, agent, (unit, conversation) =>
        {
            conversation.Channel.RequireCanSend();
            return TemplateReply.AddAsync(unit, conversation, conversation.Channel, agent, templateId, values, Now, cancellationToken);
        }, cancellationToken);

    /// <summary>A private note: visible to agents only, never sent.</summary>
    public Task<Message> AddNoteAsync(int conversationId, Actor agent, string text, CancellationToken cancellationToken = default)
    {
        var content = MessageText.Require(text);
        return units.ChangeConversationAsync(conversationId, agent,
            (unit, conversation) => Task.FromResult(AddNote(unit, conversation, agent, content)), cancellationToken);
    }

    public Task AssignAsync(int conversationId, Actor actor, string? assigneeId, CancellationToken cancellationToken = default) =>
        units.ChangeConversationAsync(conversationId, actor,
            (unit, conversation) => AssignAsync(unit, conversation, actor, assigneeId, cancellationToken), cancellationToken);

    public Task ResolveAsync(int conversationId, Actor actor, CancellationToken cancellationToken = default) =>
        units.ChangeConversationAsync(conversationId, actor,
            (unit, conversation) => ResolveAsync(unit, conversation, actor, cancellationToken), cancellationToken);

    public Task ReopenAsync(int conversationId, Actor actor, CancellationToken cancellationToken = default) =>
        units.ChangeConversationAsync(conversationId, actor,
            (unit, conversation) => unit.Record(conversation, conversation.Reopen(actor), Now), cancellationToken);

    public Task SnoozeAsync(int conversationId, Actor actor, DateTime until, CancellationToken cancellationToken = default) =>
        units.ChangeConversationAsync(conversationId, actor, (unit, conversation) => Snooze(unit, conversation, actor, until), cancellationToken);

    public Task SetPriorityAsync(int conversationId, Actor actor, ConversationPriority priority, CancellationToken cancellationToken = default) =>
        units.ChangeConversationAsync(conversationId, actor,
            (unit, conversation) => unit.Record(conversation, conversation.SetPriority(priority, actor), Now), cancellationToken);

    public Task AddLabelAsync(int conversationId, Actor actor, int labelId, CancellationToken cancellationToken = default) =>
        units.ChangeConversationAsync(conversationId, actor, async (unit, conversation) =>
        {
            var label = await LabelAsync(unit, labelId, cancellationToken);
            unit.Record(conversation, conversation.AddLabel(label, actor), Now);
            return true;
        }, cancellationToken);

    public Task RemoveLabelAsync(int conversationId, Actor actor, int labelId, CancellationToken cancellationToken = default) =>
        units.ChangeConversationAsync(conversationId, actor, async (unit, conversation) =>
        {
            var label = await LabelAsync(unit, labelId, cancellationToken);
            unit.Record(conversation, conversation.RemoveLabel(label, actor), Now);
            return true;
        }, cancellationToken);

    /// <summary>Opening a conversation reads it; no activity line (it would fill every thread with noise).</summary>
    public Task MarkReadAsync(int conversationId, Actor agent, CancellationToken cancellationToken = default) =>
        units.ChangeConversationAsync(conversationId, agent, (_, conversation) => conversation.MarkRead(), cancellationToken);

    public Task MarkUnreadAsync(int conversationId, Actor agent, CancellationToken cancellationToken = default) =>
        units.ChangeConversationAsync(conversationId, agent, (_, conversation) => conversation.MarkUnread(), cancellationToken);

    /// <summary>Puts a failed outgoing message back in the dispatcher's queue.</summary>
    public Task RetryAsync(long messageId, Actor actor, CancellationToken cancellationToken = default) =>
        units.InTransactionAsync(async unit =>
        {
            // Against the dispatcher recording an attempt on the same row (PostgreSQL; SQLite's writer holds the database).
            await unit.LockMessageAsync(messageId, cancellationToken);
            var message = await unit.Db.Messages.Include(m => m.Conversation).ThenInclude(c => c.Channel)
                .FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken)
                ?? throw new ConversationRuleException(ServerText.Get("Error.MessageNotFound", "Mensagem não encontrada."));
            await unit.RequireMaySeeAsync(actor, message.Conversation.ChannelId, cancellationToken);
            message.Retry(message.Conversation.Channel, Now);
        }, cancellationToken);

    // The commands on a conversation already loaded in a unit: also the steps of a macro (MacroRunner).

    internal Message Reply(UnitOfWork unit, Conversation conversation, Actor agent, string content)
    {
        var reply = conversation.Reply(agent, content, Now);
        unit.Db.Messages.Add(reply);
        return reply;
    }

    internal Message AddNote(UnitOfWork unit, Conversation conversation, Actor agent, string content)
    {
        var note = conversation.AddNote(agent, content, Now);
        unit.Db.Messages.Add(note);
        return note;
    }

    internal async Task<bool> AssignAsync(UnitOfWork unit, Conversation conversation, Actor actor, string? assigneeId,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(assigneeId))
        {
            var unassigned = conversation.Unassign(actor);
            unit.Record(conversation, unassigned, Now);
            return unassigned is not null;
        }

        var assignee = await unit.Db.Users.Where(u => u.Id == assigneeId)
            .Select(u => new { u.Id, u.DisplayName, u.Email, u.IsDeactivated })
            .FirstOrDefaultAsync(cancellationToken)
            ?? throw new ConversationRuleException(ServerText.Get("Error.AgentNotFound", "Agente não encontrado."));
        if (assignee.IsDeactivated)
        {
            throw new ConversationRuleException(ServerText.Get("Error.AssigneeDeactivated", "{0} está desativado e não pode receber conversas.", assignee.DisplayName));
        }

        // An agent restricted to their groups would not even see it.
        if (!(await ChannelAccess.ForUserAsync(unit.Db, assignee.Id, cancellationToken)).Allows(conversation.ChannelId))
        {
            throw new ConversationRuleException(ServerText.Get("Error.AssigneeOutsideGroups",
                "{0} atende só os canais dos seus grupos, e este canal não está em nenhum deles.", assignee.DisplayName));
        }

        var name = string.IsNullOrWhiteSpace(assignee.DisplayName) ? assignee.Email ?? assignee.Id : assignee.DisplayName;
        unit.Record(conversation, conversation.Assign(assignee.Id, name, actor), Now);
        return true;
    }

    /// <summary>Resolves (Keep Alive stops counting) and runs the channel's exit flow.</summary>
    internal async Task<bool> ResolveAsync(UnitOfWork unit, Conversation conversation, Actor actor, CancellationToken cancellationToken)
    {
        unit.Record(conversation, conversation.Resolve(actor, Now), Now);
        unit.WakeKeepAlive();
        await flows.OnConversationResolvedAsync(unit.Db, conversation, cancellationToken);
        return true;
    }

    internal void Snooze(UnitOfWork unit, Conversation conversation, Actor actor, DateTime until)
    {
        unit.Record(conversation, conversation.Snooze(until, Now, actor), Now);
        unit.WakeSnooze();
        unit.WakeKeepAlive();
    }

    private static async Task<Label> LabelAsync(UnitOfWork unit, int labelId, CancellationToken cancellationToken) =>
        await unit.Db.Labels.FirstOrDefaultAsync(l => l.Id == labelId, cancellationToken)
        ?? throw new ConversationRuleException(ServerText.Get("Error.LabelNotFound", "Etiqueta não encontrada."));
}
