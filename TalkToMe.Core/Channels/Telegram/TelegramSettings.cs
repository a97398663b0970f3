namespace TalkToMe.Core.Channels.Telegram;

public sealed class TelegramSettings : ChannelSettings
{
    [Secret]
    public string BotToken { get; set; } = "";

    /// <summary>Given to setWebhook; Telegram echoes it in X-Telegram-Bot-Api-Secret-Token.</summary>
    [Secret]
    public string WebhookSecretToken { get; set; } = "";

    public string ApiBaseUrl { get; set; } = "https://api.telegram.org";
}
