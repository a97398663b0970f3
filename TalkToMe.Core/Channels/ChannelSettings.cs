using System.Reflection;
using System.Text.Json;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Channels;

/// <summary>Marks a settings property as a secret: never rendered back in full; left empty on edit, it keeps its value.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute;

/// <summary>
/// A channel type's own settings, stored as JSON on the channel. Each type has its class in its feature folder
/// (WhatsApp/WhatsAppSettings.cs…), named by its <see cref="ChannelKind.SettingsType"/>. Only data: what the type can do
/// and its rules are on its <see cref="ChannelKind"/>.
/// </summary>
public abstract class ChannelSettings
{
    public static Type TypeFor(ChannelType type) => ChannelKinds.For(type).SettingsType;

    public static ChannelSettings CreateFor(ChannelType type) => ChannelKinds.For(type).NewSettings();

    public static ChannelSettings Read(ChannelType type, string json) =>
        (ChannelSettings)(JsonSerializer.Deserialize(string.IsNullOrWhiteSpace(json) ? "{}" : json, TypeFor(type), JsonDefaults.Options)
            ?? CreateFor(type));

    public string ToJson() => JsonSerializer.Serialize(this, GetType(), JsonDefaults.Options);

    public IEnumerable<PropertyInfo> SecretProperties() =>
        GetType().GetProperties().Where(p => p.GetCustomAttribute<SecretAttribute>() is not null && p.PropertyType == typeof(string));

    /// <summary>On edit, an empty secret field means "keep what is stored".</summary>
    public void KeepSecretsFrom(ChannelSettings stored)
    {
        if (stored.GetType() != GetType())
        {
            return;
        }

        foreach (var property in SecretProperties())
        {
            if (string.IsNullOrEmpty((string?)property.GetValue(this)))
            {
                property.SetValue(this, property.GetValue(stored));
            }
        }
    }

    /// <summary>A copy safe to show: every secret replaced by its mask.</summary>
    public ChannelSettings Masked()
    {
        var copy = (ChannelSettings)JsonSerializer.Deserialize(ToJson(), GetType(), JsonDefaults.Options)!;
        foreach (var property in copy.SecretProperties())
        {
            property.SetValue(copy, Secrets.Mask((string?)property.GetValue(copy)));
        }

        return copy;
    }
}

/// <summary>The Chatbot channel is TalkToMe's own test chat (<see cref="ChatbotKind"/>): nothing to configure.</summary>
public sealed class ChatbotSettings : ChannelSettings;
