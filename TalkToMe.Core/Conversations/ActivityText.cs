namespace TalkToMe.Core.Conversations;

/// <summary>The pt-BR activity lines a conversation's thread shows ("Conversa resolvida por Ana").</summary>
public static class ActivityText
{
    // Agents read times in Brasília time; Brazil has had no daylight saving since 2019, so a fixed offset is a safe fallback.
    private static readonly TimeZoneInfo Brasilia = FindBrasilia();

    public static string Resolved(Actor actor) => $"Conversa resolvida por {actor.Name}";

    public static string Reopened(Actor actor) => $"Conversa reaberta por {actor.Name}";

    public static string SnoozeEnded() => "Conversa reaberta: fim do adiamento";

    public static string Assigned(string assigneeName, Actor actor) => $"Atribuída a {assigneeName} por {actor.Name}";

    public static string Unassigned(Actor actor) => $"Atribuição removida por {actor.Name}";

    public static string Snoozed(DateTime untilUtc, Actor actor) => $"Adiada até {LocalTime(untilUtc):dd/MM HH:mm} por {actor.Name}";

    public static string Priority(ConversationPriority priority, Actor actor) =>
        $"Prioridade alterada para {PriorityName(priority)} por {actor.Name}";

    public static string LabelAdded(string label, Actor actor) => $"Etiqueta {label} adicionada por {actor.Name}";

    public static string LabelRemoved(string label, Actor actor) => $"Etiqueta {label} removida por {actor.Name}";

    public static string Started(Actor actor) => $"Conversa iniciada por {actor.Name}";

    public static string MessageSent(Actor actor) => $"Mensagem enviada por {actor.Name}";

    public static string NoteAdded(Actor actor) => $"Nota privada adicionada por {actor.Name}";

    public static string MacroRun(string macro, Actor actor) => $"Macro {macro} executada por {actor.Name}";

    public static string PriorityName(ConversationPriority priority) => priority switch
    {
        ConversationPriority.None => "Nenhuma",
        ConversationPriority.Low => "Baixa",
        ConversationPriority.Medium => "Média",
        ConversationPriority.High => "Alta",
        ConversationPriority.Urgent => "Urgente",
        _ => priority.ToString(),
    };

    public static DateTime LocalTime(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Brasilia);

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
