using Bunit;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Inbox;
using TalkToMe.Web.Components.Shared;

namespace TalkToMe.Tests.Web.Components;

/// <summary>Activity lines are stored as data and read in the reader's language; rows from before the data keep their text.</summary>
public class ActivityLineTests
{
    private static readonly Actor Ana = new("u1", "Ana");

    // 18:30 UTC is 15:30 in Brasília (UTC-3, no daylight saving).
    private static readonly DateTime SnoozeUntil = new(2026, 3, 10, 18, 30, 0, DateTimeKind.Utc);

    public static TheoryData<string, string, string> Lines => new()
    {
        { "Resolved", "Conversa resolvida por Ana", "Conversation resolved by Ana" },
        { "Reopened", "Conversa reaberta por Ana", "Conversation reopened by Ana" },
        { "ReopenedBySystem", "Conversa reaberta por Sistema", "Conversation reopened by System" },
        { "SnoozeEnded", "Conversa reaberta: fim do adiamento", "Conversation reopened: snooze ended" },
        { "Assigned", "Atribuída a Bruno por Ana", "Assigned to Bruno by Ana" },
        { "Unassigned", "Atribuição removida por Ana", "Unassigned by Ana" },
        { "Snoozed", "Adiada até 10/03 15:30 por Ana", "Snoozed until Mar 10, 3:30 PM by Ana" },
        { "PriorityChanged", "Prioridade alterada para Urgente por Ana", "Priority changed to Urgent by Ana" },
        { "LabelAdded", "Etiqueta vip adicionada por Ana", "Label vip added by Ana" },
        { "LabelRemoved", "Etiqueta vip removida por Ana", "Label vip removed by Ana" },
        { "Started", "Conversa iniciada por Ana", "Conversation started by Ana" },
        { "MessageSent", "Mensagem enviada por Ana", "Message sent by Ana" },
        { "NoteAdded", "Nota privada adicionada por Ana", "Private note added by Ana" },
        { "MacroRun", "Macro Boas-vindas executada por Ana", "Macro Boas-vindas run by Ana" },
        { "EntryFlowStarted", "Fluxo de entrada \"Triagem\" iniciado", "Entry flow \"Triagem\" started" },
        { "ExitFlowStarted", "Fluxo de saída \"Pesquisa\" iniciado", "Exit flow \"Pesquisa\" started" },
        { "FlowStopped", "Fluxo interrompido: passos demais sem resposta do cliente", "Flow stopped: too many steps without a customer reply" },
        { "BotHandedOff", "Bot: conversa transferida para atendimento", "Bot: conversation handed over to agents" },
        { "BotHandedOffToGroupAndAgent", "Bot: conversa transferida para atendimento (grupo Vendas) (agente Ana)",
            "Bot: conversation handed over to agents (group Vendas) (agent Ana)" },
        { "BotResolved", "Bot: conversa encerrada", "Bot: conversation closed" },
        { "KeepAliveInactivitySent", "Keep Alive: mensagem de inatividade enviada", "Keep Alive: inactivity message sent" },
        { "KeepAliveClosed", "Keep Alive: conversa encerrada", "Keep Alive: conversation closed" },
        { "Rated", "Avaliação do cliente: 4 de 5", "Customer rating: 4 of 5" },
        { "AutoAssigned", "Atribuída automaticamente a Ana", "Automatically assigned to Ana" },
        { "ReturnedToQueue", "Devolvida à fila: Ana está offline", "Returned to the queue: Ana is offline" },
        { "RatingRequested", "Avaliação pedida ao cliente", "Rating asked of the customer" },
    };

    private static ActivityData Activity(string name) => name switch
    {
        "Resolved" => ActivityText.Resolved(Ana),
        "Reopened" => ActivityText.Reopened(Ana),
        "ReopenedBySystem" => ActivityText.Reopened(Actor.System),
        "SnoozeEnded" => ActivityText.SnoozeEnded(),
        "Assigned" => ActivityText.Assigned("Bruno", Ana),
        "Unassigned" => ActivityText.Unassigned(Ana),
        "Snoozed" => ActivityText.Snoozed(SnoozeUntil, Ana),
        "PriorityChanged" => ActivityText.Priority(ConversationPriority.Urgent, Ana),
        "LabelAdded" => ActivityText.LabelAdded("vip", Ana),
        "LabelRemoved" => ActivityText.LabelRemoved("vip", Ana),
        "Started" => ActivityText.Started(Ana),
        "MessageSent" => ActivityText.MessageSent(Ana),
        "NoteAdded" => ActivityText.NoteAdded(Ana),
        "MacroRun" => ActivityText.MacroRun("Boas-vindas", Ana),
        "EntryFlowStarted" => ActivityText.EntryFlowStarted("Triagem"),
        "ExitFlowStarted" => ActivityText.ExitFlowStarted("Pesquisa"),
        "FlowStopped" => ActivityText.FlowStopped(),
        "BotHandedOff" => ActivityText.BotHandedOff(null, null),
        "BotHandedOffToGroupAndAgent" => ActivityText.BotHandedOff("Vendas", "Ana"),
        "BotResolved" => ActivityText.BotResolved(),
        "KeepAliveInactivitySent" => ActivityText.KeepAliveInactivitySent,
        "KeepAliveClosed" => ActivityText.KeepAliveClosed,
        "Rated" => ActivityText.Rated(4),
        "AutoAssigned" => ActivityText.AutoAssigned("Ana"),
        "ReturnedToQueue" => ActivityText.ReturnedToQueue("Ana"),
        "RatingRequested" => ActivityText.RatingRequested("Como foi?"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Fact]
    public void EveryKind_IsCovered()
    {
        var covered = Lines.Select(row => Activity((string)row[0]).Kind).ToHashSet();
        Assert.Equal(Enum.GetValues<ActivityKind>().ToHashSet(), covered);
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public async Task ActivityLine_RendersEachKind_InPortugueseAndEnglish(string name, string portuguese, string english)
    {
        var activity = Activity(name);
        // The stored Content is the pt-BR sentence, so the API, search and old readers say the same as the pt-BR UI.
        Assert.Equal(portuguese, ActivityText.Portuguese(activity));

        await using (var context = new ComponentTestContext(ComponentTestContext.PortugueseBrazil))
        {
            var cut = context.Render<ActivityLine>(p => p.Add(c => c.Content, "ignored").Add(c => c.Activity, activity));
            Assert.Equal(portuguese, cut.Find("[data-testid=message-text]").TextContent);
        }

        await using (var context = new ComponentTestContext(ComponentTestContext.English))
        {
            var cut = context.Render<ActivityLine>(p => p.Add(c => c.Content, "ignored").Add(c => c.Activity, activity));
            var line = cut.Find("[data-testid=message-text]");
            Assert.Equal(english, line.TextContent);
            Assert.Equal(activity.Kind.ToString(), line.GetAttribute("data-activity-kind"));
        }
    }

    [Fact]
    public async Task ActivityLine_Snoozed_UsesTheReadersTimeZone()
    {
        await using var context = new ComponentTestContext(ComponentTestContext.English);
        var cut = context.Render<ActivityLine>(p => p.Add(c => c.Content, "")
            .Add(c => c.Activity, ActivityText.Snoozed(SnoozeUntil, Ana)).Add(c => c.TimeZone, TimeZoneInfo.Utc));

        Assert.Equal("Snoozed until Mar 10, 6:30 PM by Ana", cut.Find("[data-testid=message-text]").TextContent);
    }

    [Theory]
    [InlineData(ComponentTestContext.PortugueseBrazil)]
    [InlineData(ComponentTestContext.English)]
    public async Task MessageView_OldActivityRow_WithContentOnly_ShowsItsStoredText(string culture)
    {
        var old = new ThreadMessage(5, MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, null, null,
            "Atribuída a Bruno por Ana", DeliveryStatus.None, null, TestData.Now);

        await using var context = new ComponentTestContext(culture);
        var cut = context.Render<MessageView>(p => p.Add(c => c.Message, old));

        Assert.Equal("Atribuída a Bruno por Ana", cut.Find("[data-testid=message-text]").TextContent);
    }

    [Fact]
    public async Task MessageView_ActivityRowWithData_ReadsInEnglishForAnEnglishReader()
    {
        var activity = ActivityText.Resolved(Ana);
        var row = new ThreadMessage(6, MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, null, null,
            ActivityText.Portuguese(activity), DeliveryStatus.None, null, TestData.Now, Activity: activity);

        await using var context = new ComponentTestContext(ComponentTestContext.English);
        var cut = context.Render<MessageView>(p => p.Add(c => c.Message, row));

        Assert.Equal("Conversation resolved by Ana", cut.Find("[data-testid=message-text]").TextContent);
        Assert.Contains("ttm-message-activity", cut.Find("[data-testid=message]").ClassList);
    }
}
