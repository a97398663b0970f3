namespace TalkToMe.Core.Channels;

/// <summary>
/// What each channel type needs before it can work, and the keys TalkToMe generates for it (verify tokens, webhook
/// secrets): each <see cref="ChannelKind"/> has its rules, written with the field checks here. Errors are keyed
/// "Settings.&lt;Property&gt;", one message per field.
/// </summary>
public static class ChannelSettingsRules
{
    public const string Prefix = "Settings.";

    /// <summary>Fills the keys TalkToMe owns (verify token, webhook secrets) when they are still empty.</summary>
    public static void GenerateMissingKeys(ChannelSettings settings) => ChannelKinds.For(settings).GenerateMissingKeys(settings);

    /// <summary>On edit, an empty verify token (not a secret: it is shown so it can be pasted) keeps the stored one.</summary>
    public static void KeepGeneratedKeysFrom(ChannelSettings settings, ChannelSettings stored) =>
        ChannelKinds.For(settings).KeepGeneratedKeysFrom(settings, stored);

    public static void Validate(ChannelSettings settings, IDictionary<string, string> errors) => ChannelKinds.For(settings).Validate(settings, errors);

    internal static void Required(IDictionary<string, string> errors, string field, string? value, string message)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[Prefix + field] = message;
        }
    }

    internal static void Max(IDictionary<string, string> errors, string field, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            errors[Prefix + field] = ServerText.Get("Error.MaxCharacters", "No máximo {0} caracteres.", max);
        }
    }

    internal static void Url(IDictionary<string, string> errors, string field, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors[Prefix + field] = ServerText.Get("Error.UrlRequired", "Informe o endereço (https://…).");
            }

            return;
        }

        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            errors[Prefix + field] = ServerText.Get("Error.UrlInvalid", "Informe um endereço http(s) válido.");
        }
    }
}
