namespace TalkToMe.Core.Channels;

/// <summary>The kinds of channel an organisation can connect. Stored as text so the column stays readable.</summary>
public enum ChannelType
{
    Website,
    Email,
    WhatsApp,
    Telegram,
    Sms,
    Facebook,
    Instagram,
    Line,
    Api,
    Chatbot,
}
