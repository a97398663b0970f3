using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Telegram;

/// <summary>A Telegram bot (Bot API): updates by webhook with a secret header, replies by sendMessage and the send* media methods.</summary>
public sealed partial class TelegramKind : ChannelKind<TelegramSettings>
{
    public override ChannelType Type => ChannelType.Telegram;

    public override bool HasProviderWebhook => true;

    /// <summary>
    /// Bot API uploads: sendPhoto up to 10 MB, every other method up to 50 MB; a type sendPhoto/sendVideo would not take goes
    /// as a document (TelegramSender), so no type is refused. A WebP goes by sendSticker, up to 512 KB (the sticker-set rule;
    /// sendSticker states none of its own).
    /// </summary>
    public override MediaRules Media { get; } = new("Telegram",
        new(10 * MediaLimit.Mb), new(50 * MediaLimit.Mb), new(50 * MediaLimit.Mb), new(50 * MediaLimit.Mb),
        Sticker: new(512 * StickerLimit.Kb, 512 * StickerLimit.Kb));

    protected override void Check(TelegramSettings tg, IDictionary<string, string> errors)
    {
        if (string.IsNullOrWhiteSpace(tg.BotToken))
        {
            errors[ChannelSettingsRules.Prefix + nameof(tg.BotToken)] = ServerText.Get("Error.BotTokenRequired", "Informe o token do bot.");
        }
        else if (!BotToken().IsMatch(tg.BotToken.Trim()))
        {
            errors[ChannelSettingsRules.Prefix + nameof(tg.BotToken)] = ServerText.Get("Error.BotTokenFormat", "O token do bot tem o formato 123456:ABC… (copie do BotFather).");
        }

        ChannelSettingsRules.Url(errors, nameof(tg.ApiBaseUrl), tg.ApiBaseUrl, required: true);
    }

    protected override void FillKeys(TelegramSettings tg) => tg.WebhookSecretToken = Secrets.OrNewKey(tg.WebhookSecretToken);

    public override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IChannelSender, TelegramSender>();
        services.AddSingleton<IMediaSource, TelegramMediaSource>();
    }

    [GeneratedRegex(@"^\d+:[A-Za-z0-9_-]+$")]
    private static partial Regex BotToken();
}
