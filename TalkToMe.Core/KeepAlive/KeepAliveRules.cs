namespace TalkToMe.Core.KeepAlive;

/// <summary>Validation of a channel's Keep Alive settings; errors keyed by <see cref="KeepAliveSettings"/> property names.</summary>
public static class KeepAliveRules
{
    public const int MaxMessageLength = 1000;
    public static readonly TimeSpan MaxTime = TimeSpan.FromDays(30);

    public static Dictionary<string, string> Validate(KeepAliveSettings settings)
    {
        var errors = new Dictionary<string, string>();
        Time(errors, nameof(KeepAliveSettings.InactivityAmount), settings.InactivityAmount, settings.InactivityUnit);
        Time(errors, nameof(KeepAliveSettings.FinalizationAmount), settings.FinalizationAmount, settings.FinalizationUnit);
        Message(errors, nameof(KeepAliveSettings.InactivityMessage), settings.InactivityMessage, settings.IsEnabled);
        Message(errors, nameof(KeepAliveSettings.FinalizationMessage), settings.FinalizationMessage, settings.IsEnabled);
        return errors;
    }

    /// <summary>Trims messages and turns blank ones into null, so what is stored is what is sent.</summary>
    public static KeepAliveSettings Normalize(KeepAliveSettings settings) => settings with
    {
        InactivityMessage = string.IsNullOrWhiteSpace(settings.InactivityMessage) ? null : settings.InactivityMessage.Trim(),
        FinalizationMessage = string.IsNullOrWhiteSpace(settings.FinalizationMessage) ? null : settings.FinalizationMessage.Trim(),
    };

    private static void Time(Dictionary<string, string> errors, string field, int amount, TimeUnit unit)
    {
        if (!Enum.IsDefined(unit))
        {
            errors[field] = ServerText.Get("Error.UnitRequired", "Escolha segundos, minutos ou horas.");
        }
        else if (amount <= 0)
        {
            errors[field] = ServerText.Get("Error.TimePositive", "Informe um tempo maior que zero.");
        }
        else if (KeepAliveSettings.ToTimeSpan(amount, unit) > MaxTime)
        {
            errors[field] = ServerText.Get("Error.TimeMax30Days", "O tempo máximo é de 30 dias.");
        }
    }

    private static void Message(Dictionary<string, string> errors, string field, string? message, bool enabled)
    {
        if (enabled && string.IsNullOrWhiteSpace(message))
        {
            errors[field] = ServerText.Get("Error.KeepAliveMessageRequired", "Informe a mensagem para ativar o Keep Alive.");
        }
        else if (message is not null && message.Trim().Length > MaxMessageLength)
        {
            errors[field] = ServerText.Get("Error.MessageMaxLength", "A mensagem pode ter no máximo {0} caracteres.", MaxMessageLength);
        }
    }
}
