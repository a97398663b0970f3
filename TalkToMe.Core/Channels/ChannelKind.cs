using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Media;

namespace TalkToMe.Core.Channels;

/// <summary>
/// Everything TalkToMe knows about one kind of channel, in one class in the kind's folder (WhatsApp/WhatsAppKind.cs…), as
/// Chatwoot's <c>Channel::Whatsapp</c>: its settings and their rules, what its provider allows (writing first, a reply
/// window, templates, which files and how large), and the services that talk to the provider (sender, media download,
/// profile look-up), which it registers itself. The webhook parsing sits beside it in the same folder; the web host maps
/// each kind's webhook URL. <see cref="ChannelKinds"/> lists the kinds; adding one is a folder and a line there.
/// </summary>
public abstract class ChannelKind
{
    public abstract ChannelType Type { get; }

    /// <summary>The class of the settings stored as JSON on a channel of this kind.</summary>
    public abstract Type SettingsType { get; }

    public abstract ChannelSettings NewSettings();

    /// <summary>
    /// Whether the provider lets a business write first, so "Contato ativo" is possible at all. Most can; a website visitor,
    /// a Messenger or Instagram user and the Chatbot test chat can only be answered.
    /// </summary>
    public virtual bool SupportsActiveContact => true;

    /// <summary>Whether free-form replies are allowed only within 24 hours of the customer's last message (<see cref="ReplyWindow"/>).</summary>
    public virtual bool HasReplyWindow => false;

    /// <summary>Whether approved message templates are sent through this kind (what WhatsApp needs outside its reply window).</summary>
    public virtual bool SendsTemplates => false;

    /// <summary>The provider's limits per kind of file an agent sends; null when the kind sends no files.</summary>
    public virtual MediaRules? Media => null;

    /// <summary>Whether the provider fetches each file an agent sends from a public link (LINE, Twilio, Meta) instead of taking an upload.</summary>
    public virtual bool FetchesMediaByUrl => false;

    /// <summary>Whether the provider calls <c>/webhooks/{type}/{publicKey}</c> (the URL the channel page shows to paste).</summary>
    public virtual bool HasProviderWebhook => false;

    /// <summary>
    /// The identity an agent types to write first (a number, an address…) as this kind's inbound webhook stores it, so the
    /// customer's answer finds the same contact; throws a rule exception when it cannot be one. Most kinds take it as typed.
    /// </summary>
    public virtual string ContactIdentity(string typed) => typed;

    /// <summary>The phone number <paramref name="identity"/> is, when this kind knows contacts by their numbers (WhatsApp, SMS).</summary>
    public virtual string? ContactPhone(string identity) => null;

    /// <summary>The e-mail address <paramref name="identity"/> is, when this kind knows contacts by their addresses.</summary>
    public virtual string? ContactEmail(string identity) => null;

    /// <summary>Adds one message per invalid field to <paramref name="errors"/>, keyed "Settings.&lt;Property&gt;".</summary>
    public abstract void Validate(ChannelSettings settings, IDictionary<string, string> errors);

    /// <summary>Fills the keys TalkToMe owns (verify tokens, webhook secrets) when they are still empty.</summary>
    public abstract void GenerateMissingKeys(ChannelSettings settings);

    /// <summary>On edit, an empty generated key that is shown rather than masked (a verify token) keeps the stored one.</summary>
    public abstract void KeepGeneratedKeysFrom(ChannelSettings settings, ChannelSettings stored);

    /// <summary>Registers the services that talk to this kind's provider: its <c>IChannelSender</c>, media source, profile source.</summary>
    public virtual void AddServices(IServiceCollection services)
    {
    }
}

/// <summary>A kind whose settings are <typeparamref name="TSettings"/>: the rules are written against that class.</summary>
public abstract class ChannelKind<TSettings> : ChannelKind where TSettings : ChannelSettings, new()
{
    public sealed override Type SettingsType => typeof(TSettings);

    public sealed override ChannelSettings NewSettings() => new TSettings();

    public sealed override void Validate(ChannelSettings settings, IDictionary<string, string> errors) => Check((TSettings)settings, errors);

    public sealed override void GenerateMissingKeys(ChannelSettings settings) => FillKeys((TSettings)settings);

    public sealed override void KeepGeneratedKeysFrom(ChannelSettings settings, ChannelSettings stored)
    {
        if (stored is TSettings old)
        {
            KeepKeys((TSettings)settings, old);
        }
    }

    /// <inheritdoc cref="ChannelKind.Validate"/>
    protected virtual void Check(TSettings settings, IDictionary<string, string> errors)
    {
    }

    /// <inheritdoc cref="ChannelKind.GenerateMissingKeys"/>
    protected virtual void FillKeys(TSettings settings)
    {
    }

    /// <inheritdoc cref="ChannelKind.KeepGeneratedKeysFrom"/>
    protected virtual void KeepKeys(TSettings settings, TSettings stored)
    {
    }
}

/// <summary>The kinds of channel, one per <see cref="ChannelType"/>.</summary>
public static class ChannelKinds
{
    public static readonly IReadOnlyList<ChannelKind> All =
    [
        new Website.WebsiteKind(),
        new Email.EmailKind(),
        new WhatsApp.WhatsAppKind(),
        new Telegram.TelegramKind(),
        new Sms.TwilioSmsKind(),
        new Meta.FacebookKind(),
        new Meta.InstagramKind(),
        new Line.LineKind(),
        new Api.ApiChannelKind(),
        new ChatbotKind(),
    ];

    private static readonly Dictionary<ChannelType, ChannelKind> ByType = All.ToDictionary(k => k.Type);
    private static readonly Dictionary<Type, ChannelKind> BySettings = All.ToDictionary(k => k.SettingsType);

    public static ChannelKind For(ChannelType type) =>
        ByType.TryGetValue(type, out var kind) ? kind : throw new ArgumentOutOfRangeException(nameof(type), type, "Not a channel type.");

    /// <summary>The kind <paramref name="settings"/> belong to.</summary>
    public static ChannelKind For(ChannelSettings settings) => BySettings[settings.GetType()];
}

/// <summary>The Chatbot channel is TalkToMe's own test chat: its conversations are run by flows; nothing to configure, no provider.</summary>
public sealed class ChatbotKind : ChannelKind<ChatbotSettings>
{
    public override ChannelType Type => ChannelType.Chatbot;

    public override bool SupportsActiveContact => false;
}
