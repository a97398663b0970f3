using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
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
                ?? throw new ConversationRuleException(NotFound);
            return await change(unit, conversation);
        }, cancellationToken);

    /// <summary>
    /// As above, for what <paramref name="actor"/> does: an agent may change only a conversation of a channel they may see
    /// (<see cref="ChannelAccess"/>, read in the same transaction); any other is "not found", as one that does not exist.
    /// </summary>
    public static Task<T> ChangeConversationAsync<T>(this UnitOfWorkFactory units, int conversationId, Actor actor,
        Func<UnitOfWork, Conversation, Task<T>> change, CancellationToken cancellationToken) =>
        units.ChangeConversationAsync(conversationId, async (unit, conversation) =>
        {
            await unit.RequireMaySeeAsync(actor, conversation.ChannelId, cancellationToken);
            return await change(unit, conversation);
        }, cancellationToken);

    public static Task ChangeConversationAsync(this UnitOfWorkFactory units, int conversationId, Actor actor,
        Action<UnitOfWork, Conversation> change, CancellationToken cancellationToken) =>
        units.ChangeConversationAsync(conversationId, actor, (unit, conversation) =>
        {
            change(unit, conversation);
            return Task.FromResult(true);
        }, cancellationToken);

    /// <summary>
    /// Refuses, as "not found", an agent who may not see the channel. The system and the bot act everywhere, and so does an
    /// admin: the actor's admin flag comes from the signed-in user's role, which the web layer checks against the database
    /// before every action of an open page.
    /// </summary>
    public static async Task RequireMaySeeAsync(this UnitOfWork unit, Actor actor, int channelId, CancellationToken cancellationToken)
    {
        if (actor.UserId is { } userId && !actor.IsAdmin && !(await ChannelAccess.ForUserAsync(unit.Db, userId, cancellationToken)).Allows(channelId))
        {
            throw new ConversationRuleException(NotFound);
        }
    }

    public static string NotFound => ServerText.Get("Error.ConversationNotFound", "Conversa não encontrada.");

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
