using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;
using TalkToMe.Core.Hours;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Hours;

public sealed class OutOfOfficeAppFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;
    public WebhookReceiver Receiver { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        App = await TestApp.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

/// <summary>
/// The out-of-office reply through the real inbound endpoint of an API channel: sent once per conversation while the
/// channel is closed, through the outbound pipeline to the channel's webhook, and never while it is open.
/// </summary>
public sealed class OutOfOfficeEndpointTests(OutOfOfficeAppFixture fixture) : IClassFixture<OutOfOfficeAppFixture>
{
    private TestApp App => fixture.App;

    // Open no day of the week: closed whenever the test runs. Around the clock: open whenever it runs.
    private static readonly BusinessHours AlwaysClosed = new() { IsEnabled = true, TimeZoneId = "America/Sao_Paulo" };

    private static readonly BusinessHours AlwaysOpen = AlwaysClosed with
    {
        Intervals = [.. Enum.GetValues<DayOfWeek>().Select(d => new BusinessInterval(d, "00:00", "24:00"))],
    };

    private async Task<(int ChannelId, string Token)> ChannelAsync(BusinessHours hours)
    {
        var (channelId, token) = await ApiChannels.CreateAsync(App.Services, webhookUrl: fixture.Receiver.Url);
        await using var db = await App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
        var channel = await db.Channels.SingleAsync(c => c.Id == channelId);
        channel.ConfigureBusinessHours(hours);
        await db.SaveChangesAsync();
        return (channelId, token);
    }

    private async Task<int> PostAsync(int channelId, string token, string contactId, string text)
    {
        using var client = App.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/channels/{channelId}/messages")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { contact = new { id = contactId, name = "Maria" }, text, id = Guid.NewGuid().ToString("N") }),
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("conversationId").GetInt32();
    }

    private async Task<List<Message>> BotRepliesAsync(int conversationId)
    {
        await using var db = await App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
        return await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.Direction == MessageDirection.Outgoing && m.Kind == MessageKind.Text)
            .OrderBy(m => m.Id).ToListAsync();
    }

    /// <summary>The reply is written after the customer's request is answered: wait for it (or for the time it would take).</summary>
    private async Task<List<Message>> RepliesAfterAsync(int conversationId, int expected)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        List<Message> replies;
        while ((replies = await BotRepliesAsync(conversationId)).Count < expected && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
        }

        return replies;
    }

    [Fact]
    public async Task Post_WhileClosed_SendsOutOfOfficeOncePerConversationThroughTheChannel()
    {
        var (channelId, token) = await ChannelAsync(AlwaysClosed);
        var contact = "fora-" + Guid.NewGuid().ToString("N")[..8];

        var conversationId = await PostAsync(channelId, token, contact, "Olá, alguém aí?");
        var first = await RepliesAfterAsync(conversationId, 1);
        Assert.Equal(conversationId, await PostAsync(channelId, token, contact, "Oi?"));
        Assert.Equal(conversationId, await PostAsync(channelId, token, contact, "Tem alguém?"));
        // The same wait as for the first: a second reply would have been written by now.
        await Task.Delay(500);
        var replies = await RepliesAfterAsync(conversationId, 2);

        var reply = Assert.Single(replies);
        Assert.Equal(first.Single().Id, reply.Id);
        Assert.Equal((BusinessHours.DefaultOutOfOfficeMessage("pt-BR"), SenderType.Bot), (reply.Content, reply.SenderType));
        // Through the outbound pipeline: the channel's webhook receives it.
        var webhooks = await fixture.Receiver.WaitForAsync(1);
        Assert.Contains(webhooks, w => w.Body.Contains("Estamos fora do horário de atendimento", StringComparison.Ordinal));
        await using var db = await App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
        Assert.NotNull((await db.Conversations.SingleAsync(c => c.Id == conversationId)).OutOfOfficeSentAt);
    }

    [Fact]
    public async Task Post_WhileClosed_EachConversationGetsItsOwnReplyInTheChannelsText()
    {
        var (channelId, token) = await ChannelAsync(AlwaysClosed with { Language = BusinessHours.English, OutOfOfficeMessage = "We are closed, back at 8." });

        var first = await PostAsync(channelId, token, "a-" + Guid.NewGuid().ToString("N")[..8], "Hi");
        var second = await PostAsync(channelId, token, "b-" + Guid.NewGuid().ToString("N")[..8], "Hello");

        Assert.Equal("We are closed, back at 8.", Assert.Single(await RepliesAfterAsync(first, 1)).Content);
        Assert.Equal("We are closed, back at 8.", Assert.Single(await RepliesAfterAsync(second, 1)).Content);
    }

    [Fact]
    public async Task Post_WhileOpen_SendsNothing()
    {
        var (channelId, token) = await ChannelAsync(AlwaysOpen);

        var conversationId = await PostAsync(channelId, token, "aberto-" + Guid.NewGuid().ToString("N")[..8], "Olá");
        await Task.Delay(500);

        Assert.Empty(await BotRepliesAsync(conversationId));
    }
}
