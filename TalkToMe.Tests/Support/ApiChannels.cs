using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Data;

namespace TalkToMe.Tests.Support;

/// <summary>API channels created straight in a running app's database, with a known token.</summary>
public static class ApiChannels
{
    public static async Task<(int ChannelId, string Token)> CreateAsync(IServiceProvider services, string name = "API Teste",
        bool active = true, bool deleted = false, string webhookUrl = "", string webhookSecret = "segredo")
    {
        var factory = services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var token = Secrets.NewToken("ttmch");
        var channel = new Channel(name, ChannelType.Api, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetApiTokenHash(Secrets.Hash(token));
        channel.SetSettings(new ApiChannelSettings { WebhookUrl = webhookUrl, WebhookSecret = webhookSecret });
        channel.SetSwitches(active, allowsActiveContact: false);
        if (deleted)
        {
            channel.Delete(DateTime.UtcNow);
        }

        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return (channel.Id, token);
    }
}
