using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Sms;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Flows;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;
using static TalkToMe.Tests.Core.Channels.ChannelGroupServiceTests;

namespace TalkToMe.Tests.Core.Channels;

public class ChannelAdminServiceTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private readonly KeepAliveSignal _signal = new();
    private ChannelAdminService _service = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _service = new ChannelAdminService(_database.Factory, _database.Units(new InboxEventHub(NullLogger<InboxEventHub>.Instance), keepAlive: _signal),
            new FakeTimeProvider(TestData.Now));
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private static WhatsAppSettings ValidWhatsApp() => new() { PhoneNumberId = "123", AccessToken = "token-1234567890", AppSecret = "segredo-1234567890" };

    [Fact]
    public async Task Create_ValidWhatsAppWithFlows_StoresItAndGeneratesTheVerifyToken()
    {
        int flowId;
        await using (var db = _database.NewContext())
        {
            var flow = new Flow("Boas-vindas", TestData.Now);
            db.Flows.Add(flow);
            await db.SaveChangesAsync();
            flowId = flow.Id;
        }

        var result = await _service.CreateAsync(Admin, new ChannelInput("  WhatsApp  ", ChannelType.WhatsApp, flowId, flowId, ValidWhatsApp()));

        Assert.True(result.Succeeded);
        var view = result.Value!.Channel;
        Assert.Equal("WhatsApp", view.Name);
        Assert.Equal("Boas-vindas", view.EntryFlow!.Name);
        Assert.Equal("Boas-vindas", view.ExitFlow!.Name);
        Assert.True(view.IsActive);
        Assert.False(view.AllowsActiveContact);
        Assert.Matches("^[0-9a-f]{32}$", ((WhatsAppSettings)view.Settings).VerifyToken);
        // The view never carries a secret in full.
        Assert.DoesNotContain("token-1234567890", view.Settings.ToJson());
        Assert.Equal([view.Id], _signal.TakeChangedChannels());
    }

    [Fact]
    public async Task Create_MissingRequiredFields_ReturnsOneErrorPerFieldAndStoresNothing()
    {
        var result = await _service.CreateAsync(Admin,
            new ChannelInput("", ChannelType.Sms, 999, null, new TwilioSmsSettings { FromNumber = "123", ApiBaseUrl = "ftp://x" }));

        Assert.False(result.Succeeded);
        Assert.Equal(["EntryFlowId", "Name", "Settings.AccountSid", "Settings.ApiBaseUrl", "Settings.AuthToken", "Settings.FromNumber"],
            result.Errors.Keys.Order());
        await using var db = _database.NewContext();
        Assert.False(await db.Channels.AnyAsync());
    }

    [Theory]
    [InlineData(ChannelType.Website, "Settings.WebsiteUrl")]
    [InlineData(ChannelType.Email, "Settings.EmailAddress")]
    [InlineData(ChannelType.Telegram, "Settings.BotToken")]
    [InlineData(ChannelType.Facebook, "Settings.PageAccessToken")]
    [InlineData(ChannelType.Instagram, "Settings.InstagramAccountId")]
    [InlineData(ChannelType.Line, "Settings.ChannelSecret")]
    public async Task Create_EmptySettings_NamesTheTypesRequiredFields(ChannelType type, string field)
    {
        var result = await _service.CreateAsync(Admin, new ChannelInput("Canal", type, null, null, ChannelSettings.CreateFor(type)));

        Assert.Contains(field, result.Errors.Keys);
    }

    [Fact]
    public async Task Create_ApiChannel_ReturnsItsTokenOnceAndStoresOnlyTheHash()
    {
        var result = await _service.CreateAsync(Admin, new ChannelInput("API", ChannelType.Api, null, null, null));

        Assert.True(result.Succeeded, string.Join(", ", result.Errors));
        var token = result.Value!.NewApiToken!;
        Assert.StartsWith("ttm_ch_", token);
        Assert.True(result.Value.NewSecrets.ContainsKey("WebhookSecret"));
        await using var db = _database.NewContext();
        var stored = await db.Channels.SingleAsync();
        Assert.Equal(Secrets.Hash(token), stored.ApiTokenHash);
        Assert.DoesNotContain(token, stored.SettingsJson);

        var regenerated = await _service.RegenerateApiTokenAsync(Admin, stored.Id);
        Assert.NotEqual(token, regenerated.Value);
        await using var check = _database.NewContext();
        Assert.Equal(Secrets.Hash(regenerated.Value!), (await check.Channels.SingleAsync()).ApiTokenHash);
    }

    [Fact]
    public async Task Update_EmptySecrets_KeepTheStoredOnes_AndTypeCannotChange()
    {
        var created = await _service.CreateAsync(Admin, new ChannelInput("WA", ChannelType.WhatsApp, null, null, ValidWhatsApp()));
        var id = created.Value!.Channel.Id;
        var verify = ((WhatsAppSettings)created.Value.Channel.Settings).VerifyToken;

        var changedType = await _service.UpdateAsync(Admin, id, new ChannelInput("WA", ChannelType.Telegram, null, null, new TelegramSettings()));
        var updated = await _service.UpdateAsync(Admin, id,
            new ChannelInput("WA 2", ChannelType.WhatsApp, null, null, new WhatsAppSettings { PhoneNumberId = "456" }));

        Assert.Contains("Type", changedType.Errors.Keys);
        Assert.True(updated.Succeeded, string.Join(", ", updated.Errors));
        await using var db = _database.NewContext();
        var stored = (await db.Channels.SingleAsync()).GetSettings<WhatsAppSettings>();
        Assert.Equal("456", stored.PhoneNumberId);
        Assert.Equal("token-1234567890", stored.AccessToken);
        Assert.Equal("segredo-1234567890", stored.AppSecret);
        Assert.Equal(verify, stored.VerifyToken);
    }

    [Theory]
    [InlineData(true, false, true, false)]
    [InlineData(true, true, true, true)]
    [InlineData(false, true, false, false)]
    [InlineData(false, false, false, false)]
    public async Task SetSwitches_AtivoOffBlocksEverything_ContatoAtivoOnlyAgentStarts(bool ativo, bool contatoAtivo, bool receives, bool canStart)
    {
        var created = await _service.CreateAsync(Admin, new ChannelInput("Chat", ChannelType.Api, null, null, null));
        var id = created.Value!.Channel.Id;
        _signal.TakeChangedChannels();

        var result = await _service.SetSwitchesAsync(Admin, id, ativo, contatoAtivo);

        Assert.Equal(ativo, result.Value!.IsActive);
        Assert.Equal(contatoAtivo, result.Value.AllowsActiveContact);
        Assert.Equal([id], _signal.TakeChangedChannels());
        await using var db = _database.NewContext();
        var channel = await db.Channels.SingleAsync();
        Assert.Equal(receives, channel.CanReceive);
        Assert.Equal(canStart, channel.CanStartConversation);
    }

    [Fact]
    public async Task ConfigureKeepAlive_SalvarWithoutAtivar_StoresButStaysInactive_ThenAtivarMakesItActive()
    {
        var id = (await _service.CreateAsync(Admin, new ChannelInput("Chat", ChannelType.Chatbot, null, null, null))).Value!.Channel.Id;
        var settings = new KeepAliveSettings
        {
            InactivityAmount = 10, InactivityUnit = TimeUnit.Minutes, InactivityMessage = " Ainda aí? ",
            FinalizationAmount = 2, FinalizationUnit = TimeUnit.Hours, FinalizationMessage = "Tchau",
        };

        var saved = await _service.ConfigureKeepAliveAsync(Admin, id, settings);
        Assert.False(saved.Value!.KeepAlive.IsEnabled);
        Assert.Equal("Ainda aí?", saved.Value.KeepAlive.InactivityMessage);
        Assert.Equal(TimeSpan.FromHours(2), saved.Value.KeepAlive.FinalizationTimeout);

        var activated = await _service.ConfigureKeepAliveAsync(Admin, id, settings with { IsEnabled = true });
        Assert.True(activated.Value!.KeepAlive.IsEnabled);
        Assert.True((await _service.GetAsync(id))!.KeepAlive.IsEnabled);
    }

    [Fact]
    public async Task ConfigureKeepAlive_InvalidValues_ReturnFieldErrorsAndChangeNothing()
    {
        var id = (await _service.CreateAsync(Admin, new ChannelInput("Chat", ChannelType.Chatbot, null, null, null))).Value!.Channel.Id;

        var result = await _service.ConfigureKeepAliveAsync(Admin, id, new KeepAliveSettings
        {
            InactivityAmount = 721, InactivityUnit = TimeUnit.Hours, FinalizationAmount = 0,
            FinalizationMessage = new string('x', 1001), IsEnabled = true,
        });

        Assert.Equal(["FinalizationAmount", "FinalizationMessage", "InactivityAmount", "InactivityMessage"], result.Errors.Keys.Order());
        Assert.Equal(new KeepAliveSettings(), (await _service.GetAsync(id))!.KeepAlive);
    }

    [Theory]
    [InlineData(30 * 24, TimeUnit.Hours, true)]
    [InlineData(30 * 24 * 60 + 1, TimeUnit.Minutes, false)]
    [InlineData(1, TimeUnit.Seconds, true)]
    [InlineData(-5, TimeUnit.Seconds, false)]
    public void KeepAliveRules_TimesAreAboveZeroAndAtMostThirtyDays(int amount, TimeUnit unit, bool valid)
    {
        var errors = KeepAliveRules.Validate(new KeepAliveSettings { InactivityAmount = amount, InactivityUnit = unit, FinalizationAmount = 1 });

        Assert.Equal(valid, !errors.ContainsKey("InactivityAmount"));
    }

    [Fact]
    public void KeepAliveRules_MessagesOnlyRequiredWhenActivated()
    {
        var stored = KeepAliveRules.Validate(new KeepAliveSettings { InactivityAmount = 1, FinalizationAmount = 1 });
        var activated = KeepAliveRules.Validate(new KeepAliveSettings { InactivityAmount = 1, FinalizationAmount = 1, IsEnabled = true });

        Assert.Empty(stored);
        Assert.Equal(["FinalizationMessage", "InactivityMessage"], activated.Keys.Order());
    }

    [Fact]
    public async Task Delete_IsSoft_ChannelLeavesListsButKeepsConversations()
    {
        var id = (await _service.CreateAsync(Admin, new ChannelInput("Chat", ChannelType.Chatbot, null, null, null))).Value!.Channel.Id;
        await using (var db = _database.NewContext())
        {
            await db.AddConversationAsync(await db.Channels.SingleAsync(), "Cliente", TestData.Now);
        }

        Assert.True(await _service.DeleteAsync(Admin, id));

        Assert.Empty(await _service.ListAsync());
        Assert.Null(await _service.GetAsync(id));
        Assert.True((await _service.SetSwitchesAsync(Admin, id, true, true)).NotFound);
        await using var check = _database.NewContext();
        var channel = await check.Channels.SingleAsync();
        Assert.True(channel.IsDeleted);
        Assert.False(channel.CanReceive);
        Assert.Equal(1, await check.Conversations.CountAsync());
    }

    [Fact]
    public async Task Changes_ByAnAgent_AreRefusedAndChangeNothing()
    {
        var id = (await _service.CreateAsync(Admin, new ChannelInput("Chat", ChannelType.Chatbot, null, null, null))).Value!.Channel.Id;

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => _service.CreateAsync(Agent, new ChannelInput("X", ChannelType.Chatbot, null, null, null)));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => _service.UpdateAsync(Agent, id, new ChannelInput("X", ChannelType.Chatbot, null, null, null)));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => _service.SetSwitchesAsync(Agent, id, false, true));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => _service.ConfigureKeepAliveAsync(Agent, id, new KeepAliveSettings { InactivityAmount = 1, FinalizationAmount = 1 }));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => _service.DeleteAsync(Agent, id));

        var channel = Assert.Single(await _service.ListAsync());
        Assert.Equal("Chat", channel.Name);
        Assert.True(channel.IsActive);
        Assert.False(channel.AllowsActiveContact);
        Assert.Equal(new KeepAliveSettings(), channel.KeepAlive);
    }
}
