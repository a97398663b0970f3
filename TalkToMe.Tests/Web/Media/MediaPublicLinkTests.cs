using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Endpoints;

namespace TalkToMe.Tests.Web.Media;

/// <summary>
/// /media/public/{token}: what LINE, Twilio and Meta fetch an agent's file from, with no sign-in. A link the app signed opens
/// the file with the same headers as /media/{id}; a changed link, a customer's file or a link of another app does not.
/// </summary>
public class MediaPublicLinkTests(MediaFixture fixture) : IClassFixture<MediaFixture>
{
    public const string PublicUrl = "https://chat.exemplo.com.br";

    private static readonly byte[] Pdf = "%PDF-1.4 orçamento assinado"u8.ToArray();

    private async Task<(long AgentFile, long CustomerFile)> FilesAsync()
    {
        var channel = await fixture.AddChannelAsync(ChannelType.Api, new ApiChannelSettings());
        var store = fixture.App.Services.GetRequiredService<IMediaStore>();
        var inbound = fixture.App.Services.GetRequiredService<InboundWriter>();
        var customerFile = await store.SaveAsync(new MemoryStream("%PDF-1.4 do cliente"u8.ToArray()), CancellationToken.None);
        var received = await inbound.ReceiveAsync(new InboundMessage(channel.Id, $"link-{Guid.NewGuid():N}", "Lia", null, "Meu documento")
        {
            Media = [new InboundMedia(MediaKind.Document, null, "application/pdf", "cliente.pdf") { Stored = customerFile }],
        });
        var stored = await store.SaveAsync(new MemoryStream(Pdf), CancellationToken.None);
        var reply = await fixture.App.Services.GetRequiredService<ConversationCommands>()
            .ReplyAsync(received.ConversationId!.Value, new Actor(null, "Ana"), "Segue", [new OutgoingFile("orçamento.pdf", "application/pdf", stored)]);
        await using var db = await fixture.Db.CreateDbContextAsync();
        var ids = await db.Attachments.Where(a => a.ConversationId == received.ConversationId).OrderBy(a => a.Id)
            .Select(a => new { a.Id, a.MessageId }).ToListAsync();
        return (ids.Single(a => a.MessageId == reply.Id).Id, ids.Single(a => a.MessageId != reply.Id).Id);
    }

    private static string PathOf(string link)
    {
        Assert.StartsWith($"{PublicUrl}/media/public/", link);
        return link[PublicUrl.Length..];
    }

    [Fact]
    public async Task ASignedLink_OpensTheAgentsFile_WithoutSignIn_AsADownload()
    {
        var (agentFile, _) = await FilesAsync();
        var link = fixture.App.Services.GetRequiredService<IMediaLinks>().For(agentFile)!;
        using var client = fixture.App.CreateClient();

        var response = await client.GetAsync(PathOf(link));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Pdf, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task AChangedLink_ACustomersFile_OrAnotherAppsLink_AreNotFound()
    {
        var (agentFile, customerFile) = await FilesAsync();
        var links = fixture.App.Services.GetRequiredService<SignedMediaLinks>();
        using var client = fixture.App.CreateClient();
        var path = PathOf(links.For(agentFile)!);

        var changed = await client.GetAsync(path[..^3] + (path[^3] == 'x' ? "yyy" : "xxx"));
        // Even a link the app signed opens only what agents sent.
        var customers = await client.GetAsync(PathOf(links.For(customerFile)!));
        var otherApp = new SignedMediaLinks(new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider(),
            Microsoft.Extensions.Options.Options.Create(new PublicUrlOptions { PublicUrl = PublicUrl }),
            Microsoft.Extensions.Options.Options.Create(new MediaOptions()), TimeProvider.System);
        var foreign = await client.GetAsync(PathOf(otherApp.For(agentFile)!));

        Assert.Equal(HttpStatusCode.NotFound, changed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, customers.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }
}
