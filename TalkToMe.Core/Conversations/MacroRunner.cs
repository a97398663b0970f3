using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Conversations;

/// <summary>
/// Runs a macro on a conversation: every action in one unit of work, each through the same command an agent would use
/// (<see cref="ConversationCommands"/>) and leaving its activity line; one refused action applies none of them.
/// </summary>
public sealed class MacroRunner(UnitOfWorkFactory units, ConversationCommands commands, TimeProvider time)
{
    public Task RunAsync(int conversationId, Actor agent, int macroId, CancellationToken cancellationToken = default) =>
        units.ChangeConversationAsync(conversationId, agent, async (unit, conversation) =>
        {
            var macro = await unit.Db.Macros.FirstOrDefaultAsync(m => m.Id == macroId, cancellationToken)
                ?? throw new ConversationRuleException(ServerText.Get("Error.MacroNotFound", "Macro não encontrada."));
            if (macro.Actions.Count == 0)
            {
                throw new ConversationRuleException(ServerText.Get("Error.MacroHasNoActions", "A macro {0} não tem ações.", macro.Name));
            }

            var actor = agent with { Name = $"{agent.Name} (macro {macro.Name})" };
            foreach (var action in macro.Actions)
            {
                await ApplyAsync(unit, conversation, actor, action, cancellationToken);
            }

            return true;
        }, cancellationToken);

    private async Task ApplyAsync(UnitOfWork unit, Conversation conversation, Actor actor, MacroAction action, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var value = action.Value?.Trim() ?? "";
        switch (action.Type)
        {
            case MacroActionType.SendMessage:
                conversation.Channel.RequireCanSend();
                commands.Reply(unit, conversation, actor, MessageText.Require(value));
                unit.Record(conversation, ActivityText.MessageSent(actor), now);
                break;
            case MacroActionType.AddPrivateNote:
                commands.AddNote(unit, conversation, actor, MessageText.Require(value));
                unit.Record(conversation, ActivityText.NoteAdded(actor), now);
                break;
            case MacroActionType.AddLabel:
            case MacroActionType.RemoveLabel:
                var name = value.ToLowerInvariant();
                var label = await unit.Db.Labels.FirstOrDefaultAsync(l => l.Name == name, cancellationToken)
                    ?? throw new ConversationRuleException(ServerText.Get("Error.LabelNamedNotFound", "Etiqueta {0} não encontrada.", value));
                unit.Record(conversation, action.Type == MacroActionType.AddLabel
                    ? conversation.AddLabel(label, actor)
                    : conversation.RemoveLabel(label, actor), now);
                break;
            case MacroActionType.Assign:
                await commands.AssignAsync(unit, conversation, actor, value.Length == 0 ? null : value, cancellationToken);
                break;
            case MacroActionType.ChangePriority:
                if (!Enum.TryParse<ConversationPriority>(value, ignoreCase: true, out var priority) || !Enum.IsDefined(priority))
                {
                    throw new ConversationRuleException(ServerText.Get("Error.PriorityInvalidValue", "Prioridade inválida: {0}.", value));
                }

                unit.Record(conversation, conversation.SetPriority(priority, actor), now);
                break;
            case MacroActionType.Snooze:
                if (!int.TryParse(value, out var minutes) || minutes <= 0)
                {
                    throw new ConversationRuleException(ServerText.Get("Error.SnoozeInvalid", "Tempo de adiamento inválido: {0}.", value));
                }

                commands.Snooze(unit, conversation, actor, now.AddMinutes(minutes));
                break;
            case MacroActionType.Resolve:
                await commands.ResolveAsync(unit, conversation, actor, cancellationToken);
                break;
            default:
                throw new ConversationRuleException(ServerText.Get("Error.MacroActionUnknown", "Ação de macro desconhecida: {0}.", action.Type));
        }
    }
}
