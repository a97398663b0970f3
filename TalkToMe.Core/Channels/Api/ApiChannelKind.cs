using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Api;

/// <summary>
/// The generic API channel: external systems post messages with the channel's token; replies are POSTed, signed, to the
/// channel's webhook.
/// </summary>
public sealed class ApiChannelKind : ChannelKind<ApiChannelSettings>
{
    public override ChannelType Type => ChannelType.Api;

    /// <summary>The receiver fetches /media/{id} itself: only the store's own limit applies.</summary>
    public override MediaRules Media { get; } = new("canal de API",
        new(long.MaxValue), new(long.MaxValue), new(long.MaxValue), new(long.MaxValue));

    protected override void Check(ApiChannelSettings api, IDictionary<string, string> errors) =>
        ChannelSettingsRules.Url(errors, nameof(api.WebhookUrl), api.WebhookUrl, required: false);

    protected override void FillKeys(ApiChannelSettings api) => api.WebhookSecret = Secrets.OrNewKey(api.WebhookSecret);

    public override void AddServices(IServiceCollection services)
    {
        services.AddHttpClient(ApiChannelSender.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<IChannelSender, ApiChannelSender>();
        services.AddSingleton<IMediaSource, ApiChannelMediaSource>();
        services.AddSingleton<ApiChannelDirectory>();
    }
}
