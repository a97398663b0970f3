using System.Text;

namespace TalkToMe.Core.Conversations;

/// <summary>
/// Builds activity lines as <see cref="ActivityData"/> and their pt-BR sentence ("Conversa resolvida por Ana"), which is
/// stored as the message's Content so the API, search, the widget and old readers keep a sensible text. The inbox renders
/// the data in the reader's language instead.
/// </summary>
public static class ActivityText
{
    // Agents read times in Brasília time; Brazil has had no daylight saving since 2019, so a fixed offset is a safe fallback.
    public static readonly TimeZoneInfo Brasilia = FindBrasilia();

    public const string SystemName = "Sistema";

    public static ActivityData Resolved(Actor actor) => By(ActivityKind.Resolved, actor);

    public static ActivityData Reopened(Actor actor) => By(ActivityKind.Reopened, actor);

    public static ActivityData SnoozeEnded() => new(ActivityKind.SnoozeEnded);

    public static ActivityData Assigned(string assigneeName, Actor actor) => By(ActivityKind.Assigned, actor) with { Assignee = assigneeName };

    public static ActivityData Unassigned(Actor actor) => By(ActivityKind.Unassigned, actor);

    public static ActivityData Snoozed(DateTime untilUtc, Actor actor) =>
        By(ActivityKind.Snoozed, actor) with { Until = DateTime.SpecifyKind(untilUtc, DateTimeKind.Utc) };

    public static ActivityData Priority(ConversationPriority priority, Actor actor) => By(ActivityKind.PriorityChanged, actor) with { Priority = priority };

    public static ActivityData LabelAdded(string label, Actor actor) => By(ActivityKind.LabelAdded, actor) with { Label = label };

    public static ActivityData LabelRemoved(string label, Actor actor) => By(ActivityKind.LabelRemoved, actor) with { Label = label };

    public static ActivityData Started(Actor actor) => By(ActivityKind.Started, actor);

    public static ActivityData MessageSent(Actor actor) => By(ActivityKind.MessageSent, actor);

    public static ActivityData NoteAdded(Actor actor) => By(ActivityKind.NoteAdded, actor);

    public static ActivityData MacroRun(string macro, Actor actor) => By(ActivityKind.MacroRun, actor) with { Name = macro };

    public static ActivityData EntryFlowStarted(string flow) => new(ActivityKind.EntryFlowStarted) { Name = flow };

    public static ActivityData ExitFlowStarted(string flow) => new(ActivityKind.ExitFlowStarted) { Name = flow };

    public static ActivityData FlowStopped() => new(ActivityKind.FlowStopped);

    public static ActivityData BotHandedOff(string? group, string? agent) => new(ActivityKind.BotHandedOff) { Group = group, Agent = agent };

    public static ActivityData BotResolved() => new(ActivityKind.BotResolved);

    public static readonly ActivityData KeepAliveInactivitySent = new(ActivityKind.KeepAliveInactivitySent);

    public static readonly ActivityData KeepAliveClosed = new(ActivityKind.KeepAliveClosed);

    public static ActivityData Rated(int score) => new(ActivityKind.Rated) { Score = score };

    public static ActivityData RatingRequested(string question) => new(ActivityKind.RatingRequested) { Question = question };

    public static ActivityData AutoAssigned(string assigneeName) => new(ActivityKind.AutoAssigned) { Assignee = assigneeName };

    public static ActivityData ReturnedToQueue(string assigneeName) => new(ActivityKind.ReturnedToQueue) { Assignee = assigneeName };

    /// <summary>The pt-BR sentence stored as Content (times in Brasília).</summary>
    public static string Portuguese(ActivityData data)
    {
        var actor = data.Actor ?? SystemName;
        return data.Kind switch
        {
            ActivityKind.Resolved => $"Conversa resolvida por {actor}",
            ActivityKind.Reopened => $"Conversa reaberta por {actor}",
            ActivityKind.SnoozeEnded => "Conversa reaberta: fim do adiamento",
            ActivityKind.Assigned => $"Atribuída a {data.Assignee} por {actor}",
            ActivityKind.Unassigned => $"Atribuição removida por {actor}",
            ActivityKind.Snoozed => $"Adiada até {LocalTime(data.Until ?? default):dd/MM HH:mm} por {actor}",
            ActivityKind.PriorityChanged => $"Prioridade alterada para {PriorityName(data.Priority ?? ConversationPriority.None)} por {actor}",
            ActivityKind.LabelAdded => $"Etiqueta {data.Label} adicionada por {actor}",
            ActivityKind.LabelRemoved => $"Etiqueta {data.Label} removida por {actor}",
            ActivityKind.Started => $"Conversa iniciada por {actor}",
            ActivityKind.MessageSent => $"Mensagem enviada por {actor}",
            ActivityKind.NoteAdded => $"Nota privada adicionada por {actor}",
            ActivityKind.MacroRun => $"Macro {data.Name} executada por {actor}",
            ActivityKind.EntryFlowStarted => $"Fluxo de entrada \"{data.Name}\" iniciado",
            ActivityKind.ExitFlowStarted => $"Fluxo de saída \"{data.Name}\" iniciado",
            ActivityKind.FlowStopped => "Fluxo interrompido: passos demais sem resposta do cliente",
            ActivityKind.BotHandedOff => HandOff(data),
            ActivityKind.BotResolved => "Bot: conversa encerrada",
            ActivityKind.KeepAliveInactivitySent => "Keep Alive: mensagem de inatividade enviada",
            ActivityKind.KeepAliveClosed => "Keep Alive: conversa encerrada",
            ActivityKind.Rated => $"Avaliação do cliente: {data.Score} de 5",
            ActivityKind.AutoAssigned => $"Atribuída automaticamente a {data.Assignee}",
            ActivityKind.ReturnedToQueue => $"Devolvida à fila: {data.Assignee} está offline",
            ActivityKind.RatingRequested => "Avaliação pedida ao cliente",
            _ => data.Kind.ToString(),
        };
    }

    public static string PriorityName(ConversationPriority priority) => priority switch
    {
        ConversationPriority.None => "Nenhuma",
        ConversationPriority.Low => "Baixa",
        ConversationPriority.Medium => "Média",
        ConversationPriority.High => "Alta",
        ConversationPriority.Urgent => "Urgente",
        _ => priority.ToString(),
    };

    public static DateTime LocalTime(DateTime utc) => LocalTime(utc, Brasilia);

    public static DateTime LocalTime(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);

    private static ActivityData By(ActivityKind kind, Actor actor) =>
        new(kind) { Actor = actor == Actor.System ? null : actor.Name };

    private static string HandOff(ActivityData data)
    {
        var line = new StringBuilder("Bot: conversa transferida para atendimento");
        if (data.Group is not null)
        {
            line.Append($" (grupo {data.Group})");
        }

        if (data.Agent is not null)
        {
            line.Append($" (agente {data.Agent})");
        }

        return line.ToString();
    }

    private static TimeZoneInfo FindBrasilia()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("America/Sao_Paulo");
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return TimeZoneInfo.CreateCustomTimeZone("BRT", TimeSpan.FromHours(-3), "Brasília", "Brasília");
        }
    }
}
