namespace TalkToMe.Core.KeepAlive;

public enum TimeUnit
{
    Seconds,
    Minutes,
    Hours,
}

/// <summary>
/// A channel's Keep Alive configuration (owned by the channel). Saving stores it; only <see cref="IsEnabled"/>
/// ("Ativar") makes it effective, exactly as seed 000 warns.
/// </summary>
public record KeepAliveSettings
{
    public int InactivityAmount { get; init; }
    public TimeUnit InactivityUnit { get; init; } = TimeUnit.Minutes;
    public string? InactivityMessage { get; init; }
    public int FinalizationAmount { get; init; }
    public TimeUnit FinalizationUnit { get; init; } = TimeUnit.Minutes;
    public string? FinalizationMessage { get; init; }
    public bool IsEnabled { get; init; }

    public TimeSpan InactivityTimeout => ToTimeSpan(InactivityAmount, InactivityUnit);
    public TimeSpan FinalizationTimeout => ToTimeSpan(FinalizationAmount, FinalizationUnit);

    public static TimeSpan ToTimeSpan(int amount, TimeUnit unit) => unit switch
    {
        TimeUnit.Seconds => TimeSpan.FromSeconds(amount),
        TimeUnit.Minutes => TimeSpan.FromMinutes(amount),
        TimeUnit.Hours => TimeSpan.FromHours(amount),
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };
}
