using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Data;

/// <summary>
/// What one part of a unit of work changed, remembered across its saves so its events go out once, after the commit:
/// the messages and conversations EF saved, events of rows written without EF, and the workers to wake.
/// </summary>
internal sealed class UnitChanges
{
    private readonly List<Message> _added = [];
    private readonly List<Message> _updated = [];
    private readonly List<Conversation> _conversations = [];

    public List<InboxEvent> Events { get; } = [];
    public List<int> KeepAliveChannels { get; } = [];
    public bool Outbox { get; set; }
    public bool KeepAlive { get; set; }
    public bool Snooze { get; set; }
    public bool ProfileLookups { get; set; }
    public bool Media { get; set; }

    /// <summary>Remembers what the tracker is about to save (ids are read at publish time, once the rows have them).</summary>
    public void Track(ChangeTracker tracker)
    {
        tracker.DetectChanges();
        foreach (var entry in tracker.Entries<Message>())
        {
            if (entry.State == EntityState.Added && !_added.Contains(entry.Entity))
            {
                _added.Add(entry.Entity);
            }
            else if (entry.State == EntityState.Modified && !_updated.Contains(entry.Entity) && !_added.Contains(entry.Entity))
            {
                _updated.Add(entry.Entity);
            }
        }

        foreach (var entry in tracker.Entries<Conversation>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified && !_conversations.Contains(entry.Entity))
            {
                _conversations.Add(entry.Entity);
            }
        }
    }

    /// <summary>A saved message waits for the dispatcher: it must be woken.</summary>
    public bool HasPendingMessages => Outbox || _added.Concat(_updated).Any(m => m.DeliveryStatus == DeliveryStatus.Pending);

    /// <summary>The conversations this part wrote to (after the save, when new rows have their ids): the reports recount them.</summary>
    public IEnumerable<int> ConversationIds() =>
        _conversations.Select(c => c.Id).Concat(_added.Select(m => m.ConversationId)).Concat(Events.Select(e => e.ConversationId));

    public IEnumerable<InboxEvent> ToEvents()
    {
        // A message added by ids alone (no conversation loaded) names no conversation to re-read.
        foreach (var conversation in _conversations.Concat(_added.Select(m => m.Conversation).Where(c => c is not null)).Distinct())
        {
            yield return new ConversationChanged(conversation.Id, conversation.ChannelId, conversation.Status, conversation.AssigneeId);
        }

        foreach (var message in _added)
        {
            // A message added by ids alone (Keep Alive's batches) has no conversation loaded: its status stays unsaid.
            yield return MessageAdded.Of(message, message.Id, message.Conversation?.Status);
        }

        foreach (var message in _updated)
        {
            yield return new MessageUpdated(message.ConversationId, message.ChannelId, message.Id);
        }

        foreach (var inboxEvent in Events)
        {
            yield return inboxEvent;
        }
    }
}
