using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Conversations;

/// <summary>A unit of work around one conversation: the shape of every agent command.</summary>
internal static class ConversationUnits
{
    /// <summary>
    /// Loads the conversation (with channel, contact and labels) in a new unit and applies <paramref name="change"/>. On
    /// PostgreSQL the row is locked before the read, so two commands on one conversation take turns; on SQLite the unit's
    /// BEGIN IMMEDIATE already does.
    /// </summary>
    public static Task<T> ChangeConversationAsync<T>(this UnitOfWorkFactory units, int conversationId,
        Func<UnitOfWork, Conversation, Task<T>> change, CancellationToken cancellationToken) =>
        units.InTransactionAsync(async unit =>
        {
            await unit.LockConversationAsync(conversationId, cancellationToken);
            var conversation = await WithDetails(unit.Db.Conversations).FirstOrDefaultAsync(c => c.Id == conversationId, cancellationToken)
                ?? throw new ConversationRuleException(ServerText.Get("Error.ConversationNotFound", "Conversa não encontrada."));
            return await change(unit, conversation);
        }, cancellationToken);

    public static Task ChangeConversationAsync(this UnitOfWorkFactory units, int conversationId, Action<UnitOfWork, Conversation> change,
        CancellationToken cancellationToken) =>
        units.ChangeConversationAsync(conversationId, (unit, conversation) =>
        {
            change(unit, conversation);
            return Task.FromResult(true);
        }, cancellationToken);

    public static IQueryable<Conversation> WithDetails(IQueryable<Conversation> conversations) =>
        conversations.Include(c => c.Channel).Include(c => c.Contact).Include(c => c.Labels);

    /// <summary>Adds the activity line an entity method returned (none when nothing changed).</summary>
    public static void Record(this UnitOfWork unit, Conversation conversation, ActivityData? activity, DateTime at)
    {
        if (activity is not null)
        {
            unit.Db.Messages.Add(Message.Activity(conversation, activity, at));
        }
    }
}
