using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Conversations;

/// <summary>
/// A message template as a reply (what WhatsApp accepts when its 24-hour window is closed, or to write first): stored pending
/// like any reply, its rendered text as content. Refused on channels that send no templates and for templates not synced
/// to this channel.
/// </summary>
internal static class TemplateReply
{
    public static async Task<Message> AddAsync(UnitOfWork unit, Conversation conversation, Channel channel, Actor agent, int templateId,
        IReadOnlyList<string> values, DateTime now, CancellationToken cancellationToken)
    {
        if (!channel.Kind.SendsTemplates)
        {
            throw new ConversationRuleException(ServerText.Get("Error.TemplatesOnlyWhatsApp", "Modelos de mensagem só são enviados por canais do WhatsApp; {0} não é um deles.", channel.Name));
        }

        var template = await unit.Db.WhatsAppTemplates.AsNoTracking()
            .FirstOrDefaultAsync(t => t.Id == templateId && t.ChannelId == channel.Id, cancellationToken)
            ?? throw new ConversationRuleException(ServerText.Get("Error.TemplateNotFound", "Modelo não encontrado no canal {0}: sincronize os modelos na página do canal.", channel.Name));
        var filled = template.Fill(values);
        var reply = conversation.Reply(agent, template.Render(filled.Parameters.Select(p => p.Value).ToList()), now, filled);
        unit.Db.Messages.Add(reply);
        return reply;
    }
}
