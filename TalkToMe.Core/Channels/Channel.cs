using TalkToMe.Core.Conversations;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Hours;
using TalkToMe.Core.KeepAlive;

namespace TalkToMe.Core.Channels;

/// <summary>A channel (an "inbox" in Chatwoot's words): one way customers reach the organisation.</summary>
public class Channel
{
    private readonly List<ChannelGroup> _groups = [];

    private Channel() { }

    public Channel(string name, ChannelType type, string publicKey, DateTime createdAt)
    {
        Rename(name);
        Type = type;
        PublicKey = publicKey;
        CreatedAt = createdAt;
        IsActive = true;
        KeepAlive = new KeepAliveSettings();
    }

    public int Id { get; private set; }
    public string Name { get; private set; } = "";
    public ChannelType Type { get; private set; }

    /// <summary>"Ativo": the channel receives messages and conversations can happen through it.</summary>
    public bool IsActive { get; private set; }

    /// <summary>"Contato ativo": agents may start conversations through this channel from the inbox.</summary>
    public bool AllowsActiveContact { get; private set; }

    public int? EntryFlowId { get; private set; }
    public Flow? EntryFlow { get; private set; }
    public int? ExitFlowId { get; private set; }
    public Flow? ExitFlow { get; private set; }

    /// <summary>Random, unguessable key that names the channel in public URLs (webhooks, widget script).</summary>
    public string PublicKey { get; private set; } = "";

    /// <summary>Type-specific settings as JSON (see <see cref="ChannelSettings"/>); secrets included, never rendered back in full.</summary>
    public string SettingsJson { get; private set; } = "{}";

    /// <summary>SHA-256 of the channel's API token (API channel); the token itself is shown once.</summary>
    public string? ApiTokenHash { get; private set; }

    public KeepAliveSettings KeepAlive { get; private set; } = new();

    /// <summary>"Horário de atendimento" as JSON (see <see cref="BusinessHours"/>); null until an admin saves it (always open).</summary>
    public string? BusinessHoursJson { get; private set; }

    // Parsed once per loaded channel: the inbound writer asks it for every message of a batch.
    private BusinessHours? _businessHours;

    public DateTime CreatedAt { get; private set; }

    /// <summary>Deleted channels stay in the database so their conversations remain readable in history.</summary>
    public DateTime? DeletedAt { get; private set; }

    public IReadOnlyCollection<ChannelGroup> Groups => _groups;

    public bool IsDeleted => DeletedAt is not null;

    /// <summary>Whether an agent may start a conversation through this channel: both switches on, and a type that can.</summary>
    public bool CanStartConversation => IsActive && AllowsActiveContact && !IsDeleted && SupportsActiveContact(Type);

    /// <summary>
    /// Whether the provider lets a business write first. A website visitor, a Messenger or Instagram user and the
    /// Chatbot test chat can only be answered; e-mail, SMS, WhatsApp, Telegram, LINE and the API channel can start.
    /// </summary>
    public static bool SupportsActiveContact(ChannelType type) => ChannelKinds.For(type).SupportsActiveContact;

    /// <summary>What this channel's kind is and can do.</summary>
    public ChannelKind Kind => ChannelKinds.For(Type);

    /// <summary>Whether inbound messages are accepted: "Ativo" off means the channel receives nothing.</summary>
    public bool CanReceive => IsActive && !IsDeleted;

    public void Rename(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name.Trim();
    }

    public void SetSwitches(bool isActive, bool allowsActiveContact)
    {
        IsActive = isActive;
        AllowsActiveContact = allowsActiveContact;
    }

    public void SetFlows(int? entryFlowId, int? exitFlowId)
    {
        EntryFlowId = entryFlowId;
        ExitFlowId = exitFlowId;
    }

    public ChannelSettings GetSettings() => ChannelSettings.Read(Type, SettingsJson);

    public T GetSettings<T>() where T : ChannelSettings => (T)GetSettings();

    public void SetSettings(ChannelSettings settings)
    {
        if (settings.GetType() != ChannelSettings.TypeFor(Type))
        {
            throw new ArgumentException($"{settings.GetType().Name} does not belong to a {Type} channel.", nameof(settings));
        }

        SettingsJson = settings.ToJson();
    }

    public void SetApiTokenHash(string hash) => ApiTokenHash = hash;

    public void ConfigureKeepAlive(KeepAliveSettings settings) => KeepAlive = settings;

    /// <summary>The channel's business hours; disabled (always open) when never saved.</summary>
    public BusinessHours GetBusinessHours() => _businessHours ??= BusinessHours.FromJson(BusinessHoursJson) ?? new BusinessHours();

    public void ConfigureBusinessHours(BusinessHours hours)
    {
        BusinessHoursJson = hours.ToJson();
        _businessHours = hours;
    }

    public void Delete(DateTime at) => DeletedAt ??= at;

    /// <summary>Refuses, with a message for the agent, when nothing can be sent through the channel: deleted, or not Ativo.</summary>
    public void RequireCanSend()
    {
        if (IsDeleted)
        {
            throw new ConversationRuleException(ServerText.Get("Error.ChannelDeleted", "O canal {0} foi excluído; não é possível enviar mensagens.", Name));
        }

        if (!IsActive)
        {
            throw new ConversationRuleException(ServerText.Get("Error.ChannelInactive", "O canal {0} não está ativo; não é possível enviar mensagens.", Name));
        }
    }
}
