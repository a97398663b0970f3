using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Email;

/// <summary>
/// Which conversation an incoming mail continues (PROTOCOLS "E-mail", Threading): the mail it answers (<c>In-Reply-To</c>),
/// then the newest known id in <c>References</c>, each looked up among the Message-IDs of this channel's mails — ours
/// (outgoing) and the customers' (incoming). No match means a new conversation, even from the same sender: a new subject
/// is a new matter, and merging on the address alone is how helpdesks mix up unrelated conversations.
/// </summary>
public sealed class EmailThreads(IDbContextFactory<TalkToMeDbContext> factory)
{
    public async Task<int?> FindConversationAsync(int channelId, InboundEmail mail, CancellationToken cancellationToken)
    {
        var candidates = new List<string>();
        if (mail.InReplyTo is not null)
        {
            candidates.Add(mail.InReplyTo);
        }

        // References lists the thread oldest first: the newest known mail decides.
        candidates.AddRange(Enumerable.Reverse(mail.References).Where(r => !candidates.Contains(r)).Take(50));
        candidates.Remove(mail.MessageId ?? "");
        if (candidates.Count == 0)
        {
            return null;
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var known = await db.Messages.AsNoTracking()
            .Where(m => m.ChannelId == channelId && m.Kind == MessageKind.Text && m.ExternalId != null && candidates.Contains(m.ExternalId))
            .Select(m => new { m.ExternalId, m.ConversationId })
            .ToListAsync(cancellationToken);
        foreach (var id in candidates)
        {
            if (known.FirstOrDefault(k => k.ExternalId == id) is { } match)
            {
                return match.ConversationId;
            }
        }

        return null;
    }
}
