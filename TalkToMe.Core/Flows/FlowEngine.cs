using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Flows;

/// <summary>
/// Runs a channel's flows inside the caller's transaction. The only state is the conversation's FlowId and
/// FlowStepIndex (the step that waits for the customer), so a restart mid-flow continues where it was.
/// </summary>
public sealed class FlowEngine(TimeProvider time) : IConversationFlows
{
    public const string InvalidOptionHint = "Opção inválida. Responda com o número de uma das opções.";
    public const string GroupAttribute = "grupo";

    /// <summary>Where an Avaliação stores the score among the conversation's answers, usable as {{avaliacao}} in later steps.</summary>
    public const string RatingAttribute = "avaliacao";
    public const string RatingCommentAttribute = "avaliacao_comentario";
    public const string DefaultRatingQuestion = "Como você avalia o nosso atendimento?";
    public const string RatingHint = "Responda de 1 a 5.";
    public const string InvalidRatingHint = "Resposta inválida. Responda com um número de 1 a 5.";
    public const string CommentQuestion = "Quer deixar um comentário? É só escrever (opcional).";

    /// <summary>The scores' labels, in the seed's menu style ("1 - Péssimo").</summary>
    public static IReadOnlyList<string> RatingLabels => RatingScale.Labels;

    // A menu pointing back at itself must not loop forever without the customer saying anything.
    private const int MaxStepsPerRun = 100;

    public bool RunsOnStart(Channel channel) => channel.EntryFlowId is not null;

    public bool RunsOnCustomerMessage(int? flowId, int? flowStepIndex) => flowId is not null && flowStepIndex is not null;

    public async Task OnConversationStartedAsync(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken)
    {
        var channel = await ChannelOf(db, conversation, cancellationToken);
        if (channel.EntryFlowId is not { } flowId || await LoadFlow(db, flowId, cancellationToken) is not { } flow || flow.Steps.Count == 0)
        {
            return;
        }

        // The bot holds the conversation until it hands it to agents.
        conversation.MarkPending();
        BotMessages.Activity(db, conversation, ActivityText.EntryFlowStarted(flow.Name), Now);
        await RunAsync(db, conversation, channel, flow, 0, isExit: false, cancellationToken);
    }

    public async Task<bool> OnCustomerMessageAsync(TalkToMeDbContext db, Conversation conversation, string text, CancellationToken cancellationToken)
    {
        if (!RunsOnCustomerMessage(conversation.FlowId, conversation.FlowStepIndex))
        {
            return false;
        }

        var flowId = conversation.FlowId!.Value;
        var index = conversation.FlowStepIndex!.Value;

        var channel = await ChannelOf(db, conversation, cancellationToken);
        var flow = await LoadFlow(db, flowId, cancellationToken);
        var steps = flow?.OrderedSteps() ?? [];
        // A negative index (~i) is the Avaliação at step i waiting for its optional comment: whatever the customer
        // writes is the comment, then the flow goes on.
        if (flow is not null && index < 0 && ~index < steps.Count && steps[~index].Type == FlowStepType.Rating)
        {
            conversation.CommentRating(text);
            conversation.SetAttributesJson(Attributes.With(conversation.AttributesJson, RatingCommentAttribute, text.Trim()));
            await RunAsync(db, conversation, channel, flow, ~index + 1, IsExitRun(channel, flowId), cancellationToken);
            return true;
        }

        if (flow is null || index < 0 || index >= steps.Count)
        {
            // The flow was edited or deleted while the customer thought: hand the conversation to people.
            conversation.SetFlowState(null, null);
            return false;
        }

        var isExit = IsExitRun(channel, flowId);
        var step = steps[index];
        var answer = text.Trim();
        switch (step.Type)
        {
            case FlowStepType.Question:
                Store(conversation, step, answer);
                await RunAsync(db, conversation, channel, flow, index + 1, isExit, cancellationToken);
                return true;

            case FlowStepType.Menu:
                if (ChooseOption(step, answer) is not { } option)
                {
                    Send(db, conversation, channel, InvalidOptionHint + "\n" + MenuText(conversation, step));
                    return true;
                }

                Store(conversation, step, option.Label);
                await FollowAsync(db, conversation, channel, flow, option, isExit, cancellationToken);
                return true;

            case FlowStepType.Rating:
                if (ChooseRating(answer) is not { } score)
                {
                    AskRating(db, conversation, channel, step, InvalidRatingHint + "\n");
                    return true;
                }

                BotMessages.Activity(db, conversation, conversation.Rate(score, Now), Now);
                conversation.SetAttributesJson(Attributes.With(conversation.AttributesJson, RatingAttribute,
                    score.ToString(CultureInfo.InvariantCulture)));
                if (step.AskComment == true)
                {
                    Send(db, conversation, channel, CommentQuestion);
                    conversation.SetFlowState(flow.Id, ~index);
                    return true;
                }

                await RunAsync(db, conversation, channel, flow, index + 1, isExit, cancellationToken);
                return true;

            default:
                conversation.SetFlowState(null, null);
                return false;
        }
    }

    /// <summary>The customer answers an Avaliação with 1–5 ("5", "5 - Ótimo", "5.") or a label ("ótimo").</summary>
    public static int? ChooseRating(string answer)
    {
        var trimmed = answer.Trim().TrimEnd('.', ')', '!');
        if (trimmed.Length > 0 && trimmed[0] is >= '1' and <= '5' && (trimmed.Length == 1 || !char.IsDigit(trimmed[1])))
        {
            return trimmed[0] - '0';
        }

        for (var i = 0; i < RatingLabels.Count; i++)
        {
            if (string.Equals(RatingLabels[i], trimmed, StringComparison.CurrentCultureIgnoreCase))
            {
                return i + 1;
            }
        }

        return null;
    }

    /// <summary>
    /// The question, the five labelled scores and "Responda de 1 a 5.": what a text channel sends and what the agents read
    /// (the widget also shows five buttons). The message is marked as a rating question with the question alone, so a
    /// channel with its own picker (WhatsApp's list: the question, "Avaliar", the same five titles) offers the scores there.
    /// </summary>
    private void AskRating(TalkToMeDbContext db, Conversation conversation, Channel channel, FlowStep step, string prefix = "")
    {
        var filled = Fill(conversation, step.Text).Trim();
        var question = prefix + (filled.Length > 0 ? filled : DefaultRatingQuestion);
        var text = new StringBuilder(question);
        foreach (var score in RatingScale.Scores)
        {
            text.Append('\n').Append(RatingScale.Title(score));
        }

        text.Append('\n').Append(RatingHint);
        BotMessages.SendRatingQuestion(db, conversation, channel, text.ToString(), question, BotMessages.BotName, Now);
    }

    public async Task OnConversationResolvedAsync(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken)
    {
        var channel = await ChannelOf(db, conversation, cancellationToken);
        conversation.SetFlowState(null, null);
        if (channel.ExitFlowId is not { } flowId || await LoadFlow(db, flowId, cancellationToken) is not { } flow || flow.Steps.Count == 0)
        {
            return;
        }

        BotMessages.Activity(db, conversation, ActivityText.ExitFlowStarted(flow.Name), Now);
        await RunAsync(db, conversation, channel, flow, 0, isExit: true, cancellationToken);
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private async Task RunAsync(TalkToMeDbContext db, Conversation conversation, Channel channel, Flow flow, int index, bool isExit,
        CancellationToken cancellationToken)
    {
        var steps = flow.OrderedSteps();
        for (var executed = 0; executed < MaxStepsPerRun; executed++)
        {
            if (index >= steps.Count)
            {
                await FinishAsync(db, conversation, isExit, cancellationToken);
                return;
            }

            var step = steps[index];
            switch (step.Type)
            {
                case FlowStepType.Message:
                    SendIfAny(db, conversation, channel, step.Text);
                    index++;
                    break;

                case FlowStepType.Question:
                    SendIfAny(db, conversation, channel, step.Text);
                    conversation.SetFlowState(flow.Id, index);
                    return;

                case FlowStepType.Menu:
                    Send(db, conversation, channel, MenuText(conversation, step));
                    conversation.SetFlowState(flow.Id, index);
                    return;

                case FlowStepType.Rating:
                    AskRating(db, conversation, channel, step);
                    conversation.SetFlowState(flow.Id, index);
                    return;

                case FlowStepType.Transfer:
                    SendIfAny(db, conversation, channel, step.Text);
                    await HandOffAsync(db, conversation, step.TransferGroupId, step.TransferAgentId, cancellationToken);
                    return;

                case FlowStepType.End:
                    SendIfAny(db, conversation, channel, step.Text);
                    await EndAsync(db, conversation, isExit, cancellationToken);
                    return;
            }
        }

        conversation.SetFlowState(null, null);
        BotMessages.Activity(db, conversation, ActivityText.FlowStopped(), Now);
    }

    private async Task FollowAsync(TalkToMeDbContext db, Conversation conversation, Channel channel, Flow flow, MenuOption option,
        bool isExit, CancellationToken cancellationToken)
    {
        switch (option.Target)
        {
            case MenuTargetType.Step when int.TryParse(option.TargetValue, NumberStyles.None, CultureInfo.InvariantCulture, out var number):
                await RunAsync(db, conversation, channel, flow, number - 1, isExit, cancellationToken);
                break;
            case MenuTargetType.ChannelGroup when int.TryParse(option.TargetValue, NumberStyles.None, CultureInfo.InvariantCulture, out var groupId):
                await HandOffAsync(db, conversation, groupId, null, cancellationToken);
                break;
            case MenuTargetType.Agent when !string.IsNullOrEmpty(option.TargetValue):
                await HandOffAsync(db, conversation, null, option.TargetValue, cancellationToken);
                break;
            case MenuTargetType.End:
                await EndAsync(db, conversation, isExit, cancellationToken);
                break;
            default:
                // An option whose target is gone: people take over rather than the customer being stuck.
                await HandOffAsync(db, conversation, null, null, cancellationToken);
                break;
        }
    }

    /// <summary>Transferir: the bot lets go, agents see the conversation as Aberta (assigned when an agent is named).</summary>
    private async Task HandOffAsync(TalkToMeDbContext db, Conversation conversation, int? groupId, string? agentId,
        CancellationToken cancellationToken)
    {
        conversation.SetFlowState(null, null);
        conversation.Reopen();
        string? handedToGroup = null, handedToAgent = null;
        if (groupId is { } gid && await db.ChannelGroups.AsNoTracking().Where(g => g.Id == gid).Select(g => g.Name)
                .FirstOrDefaultAsync(cancellationToken) is { } groupName)
        {
            conversation.SetAttributesJson(Attributes.With(conversation.AttributesJson, GroupAttribute, groupName));
            handedToGroup = groupName;
        }

        if (agentId is not null && await db.Set<AppUser>().AsNoTracking().Where(u => u.Id == agentId && !u.IsDeactivated)
                .Select(u => u.DisplayName).FirstOrDefaultAsync(cancellationToken) is { } agentName)
        {
            conversation.Assign(agentId);
            handedToAgent = agentName;
        }

        BotMessages.Activity(db, conversation, ActivityText.BotHandedOff(handedToGroup, handedToAgent), Now);
    }

    /// <summary>Encerrar: resolve; an entry flow that ends the conversation hands over to the exit flow, like an agent would.</summary>
    private async Task EndAsync(TalkToMeDbContext db, Conversation conversation, bool isExit, CancellationToken cancellationToken)
    {
        conversation.SetFlowState(null, null);
        if (isExit)
        {
            Resolve(db, conversation);
            return;
        }

        Resolve(db, conversation);
        await OnConversationResolvedAsync(db, conversation, cancellationToken);
    }

    private async Task FinishAsync(TalkToMeDbContext db, Conversation conversation, bool isExit, CancellationToken cancellationToken)
    {
        if (isExit)
        {
            // The customer's answer to the exit flow may have reopened the conversation; it was over already.
            conversation.SetFlowState(null, null);
            if (conversation.Status != ConversationStatus.Resolved)
            {
                conversation.Resolve(Now);
            }

            return;
        }

        // An entry flow that ran out of steps without Encerrar hands the conversation to agents.
        await HandOffAsync(db, conversation, null, null, cancellationToken);
    }

    private void Resolve(TalkToMeDbContext db, Conversation conversation)
    {
        if (conversation.Status != ConversationStatus.Resolved)
        {
            conversation.Resolve(Now);
            BotMessages.Activity(db, conversation, ActivityText.BotResolved(), Now);
        }
    }

    private static void Store(Conversation conversation, FlowStep step, string answer)
    {
        if (string.IsNullOrWhiteSpace(step.AnswerKey))
        {
            return;
        }

        if (step.StoreOnContact && conversation.Contact is { } contact)
        {
            contact.SetAttributesJson(Attributes.With(contact.AttributesJson, step.AnswerKey, answer));
        }
        else
        {
            conversation.SetAttributesJson(Attributes.With(conversation.AttributesJson, step.AnswerKey, answer));
        }
    }

    /// <summary>The customer answers with an option's number (or its exact label).</summary>
    public static MenuOption? ChooseOption(FlowStep step, string answer)
    {
        var trimmed = answer.Trim().TrimEnd('.', ')');
        if (int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && number >= 1 && number <= step.Options.Count)
        {
            return step.Options[number - 1];
        }

        return step.Options.FirstOrDefault(o => string.Equals(o.Label.Trim(), trimmed, StringComparison.CurrentCultureIgnoreCase));
    }

    private string MenuText(Conversation conversation, FlowStep step)
    {
        var text = new StringBuilder(Fill(conversation, step.Text).Trim());
        for (var i = 0; i < step.Options.Count; i++)
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(CultureInfo.InvariantCulture, $"{i + 1} - {Fill(conversation, step.Options[i].Label)}");
        }

        return text.ToString();
    }

    private void SendIfAny(TalkToMeDbContext db, Conversation conversation, Channel channel, string text)
    {
        var filled = Fill(conversation, text).Trim();
        if (filled.Length > 0)
        {
            Send(db, conversation, channel, filled);
        }
    }

    private void Send(TalkToMeDbContext db, Conversation conversation, Channel channel, string text) =>
        BotMessages.Send(db, conversation, channel, Fill(conversation, text), SenderType.Bot, BotMessages.BotName, Now);

    private static string Fill(Conversation conversation, string text)
    {
        var builtIn = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (conversation.Contact is { } contact)
        {
            builtIn["nome"] = contact.Name;
        }

        return Attributes.Fill(text, Attributes.Read(conversation.AttributesJson),
            Attributes.Read(conversation.Contact?.AttributesJson), builtIn);
    }

    private static bool IsExitRun(Channel channel, int flowId) => flowId == channel.ExitFlowId && flowId != channel.EntryFlowId;

    private static async Task<Channel> ChannelOf(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken)
    {
        if (conversation.Contact is null)
        {
            await db.Entry(conversation).Reference(c => c.Contact).LoadAsync(cancellationToken);
        }

        return conversation.Channel ?? await db.Channels.SingleAsync(c => c.Id == conversation.ChannelId, cancellationToken);
    }

    private static Task<Flow?> LoadFlow(TalkToMeDbContext db, int flowId, CancellationToken cancellationToken) =>
        db.Flows.AsNoTracking().Include(f => f.Steps).FirstOrDefaultAsync(f => f.Id == flowId, cancellationToken);
}
