using System.Reflection;
using System.Text.Json;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Channels;

/// <summary>Marks a settings property as a secret: never rendered back in full; left empty on edit, it keeps its value.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute;

/// <summary>
/// A channel type's own settings, stored as JSON on the channel. Each type has its class in its feature folder
/// (WhatsApp/WhatsAppSettings.cs…); <see cref="TypeFor"/> maps a channel type to it.
/// </summary>
public abstract class ChannelSettings
{
    // One blank instance per type, asked only what the type can do; never handed out (settings are mutable).
    private static readonly Dictionary<ChannelType, ChannelSettings> Blank = Enum.GetValues<ChannelType>().ToDictionary(t => t, CreateFor);

    public static Type TypeFor(ChannelType type) => type switch
    {
        ChannelType.Website => typeof(Website.WebsiteSettings),
        ChannelType.Email => typeof(Email.EmailSettings),
        ChannelType.WhatsApp => typeof(WhatsApp.WhatsAppSettings),
        ChannelType.Facebook => typeof(Meta.FacebookSettings),
        ChannelType.Instagram => typeof(Meta.InstagramSettings),
        ChannelType.Telegram => typeof(Telegram.TelegramSettings),
        ChannelType.Sms => typeof(Sms.TwilioSmsSettings),
        ChannelType.Line => typeof(Line.LineSettings),
        ChannelType.Api => typeof(Api.ApiChannelSettings),
        ChannelType.Chatbot => typeof(ChatbotSettings),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static ChannelSettings CreateFor(ChannelType type) => (ChannelSettings)Activator.CreateInstance(TypeFor(type))!;

    public static ChannelSettings Read(ChannelType type, string json) =>
        (ChannelSettings)(JsonSerializer.Deserialize(string.IsNullOrWhiteSpace(json) ? "{}" : json, TypeFor(type), JsonDefaults.Options)
            ?? CreateFor(type));

    /// <summary>Whether the type's provider lets a business write first (see <see cref="SupportsActiveContact"/>).</summary>
    public static bool SupportsActiveContactFor(ChannelType type) => Blank[type].SupportsActiveContact();

    // What the channel type can do and how it names contacts: methods, so they never become part of the stored JSON.

    /// <summary>
    /// Whether the provider lets a business write first, so "Contato ativo" is possible at all. Most can; a website visitor,
    /// a Messenger or Instagram user and the Chatbot test chat can only be answered.
    /// </summary>
    public virtual bool SupportsActiveContact() => true;

    /// <summary>
    /// The identity an agent types to write first (a number, an address…) as this channel's inbound webhook stores it, so the
    /// customer's answer finds the same contact; refused with a message when it cannot be one. Most channels take it as typed.
    /// </summary>
    public virtual string ContactIdentity(string typed) => typed;

    /// <summary>The phone number a contact created for <paramref name="identity"/> gets (WhatsApp: the number itself).</summary>
    public virtual string? ContactPhone(string identity) => null;

    /// <summary>Whether approved message templates are sent through this channel (what WhatsApp needs outside its 24-hour window).</summary>
    public virtual bool SendsTemplates() => false;

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

/// <summary>The Chatbot channel is TalkToMe's own test chat: its conversations are run by flows, nothing to configure.</summary>
public sealed class ChatbotSettings : ChannelSettings
{
    public override bool SupportsActiveContact() => false;
}
