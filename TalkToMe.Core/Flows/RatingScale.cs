using System.Globalization;

namespace TalkToMe.Core.Flows;

/// <summary>
/// The five scores of an "Avaliação" as every channel shows them: "1 - Péssimo" … "5 - Ótimo" (the seed's menu style), and
/// the id a channel's own picker carries back for each (WhatsApp's list rows: "avaliacao:4"), so picking an option means
/// the same as typing its number.
/// </summary>
public static class RatingScale
{
    public const int Lowest = 1;
    public const int Highest = 5;

    public static readonly IReadOnlyList<string> Labels = ["Péssimo", "Ruim", "Regular", "Bom", "Ótimo"];

    private const string OptionIdPrefix = "avaliacao:";

    public static IEnumerable<int> Scores => Enumerable.Range(Lowest, Highest - Lowest + 1);

    /// <summary>"4 - Bom": a menu line on text channels and the row's title in WhatsApp's list (at most 24 characters there).</summary>
    public static string Title(int score) => string.Create(CultureInfo.InvariantCulture, $"{score} - {Labels[score - Lowest]}");

    public static string OptionId(int score) => OptionIdPrefix + score.ToString(CultureInfo.InvariantCulture);

    /// <summary>The score an option id names; null for any other id (a picker of something else, or a forged one).</summary>
    public static int? ScoreOf(string? optionId) =>
        optionId is { Length: > 0 } id && id.StartsWith(OptionIdPrefix, StringComparison.Ordinal)
            && int.TryParse(id.AsSpan(OptionIdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var score)
            && score is >= Lowest and <= Highest
            ? score
            : null;
}
