using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Agents;

/// <summary>
/// Issue 15 item 2, "Teams": the one rule of who sees which channels, and every Core route an agent reaches conversations
/// through. Two channels, Loja (in the group Vendas) and Suporte (in no group); Ana is a Vendas agent restricted to her groups'
/// channels, Bruno is a Vendas agent who is not restricted, Carla is an admin whom the flag cannot restrict. Ana must see,
/// open and change only Loja's conversation; Bruno and Carla see both.
/// </summary>
public sealed class ChannelAccessTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(TestData.Now);
    private readonly InboxEventHub _hub = new(NullLogger<InboxEventHub>.Instance);
    private TestDatabase _database = null!;
    private TestConversations _conversations = null!;
    private int _loja, _suporte, _inLoja, _inSuporte, _label, _macro;
    private long _failedInSuporte;

    private static readonly Actor Ana = new("ana", "Ana");
    private static readonly Actor Bruno = new("bruno", "Bruno");
    private static readonly Actor Carla = new("carla", "Carla", IsAdmin: true);

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _conversations = new TestConversations(_database, _hub, _time);
        await using var db = _database.NewContext();
        var loja = await db.AddChannelAsync("Loja");
        var suporte = await db.AddChannelAsync("Suporte");
        (_loja, _suporte) = (loja.Id, suporte.Id);
        // "Contato ativo": "Nova conversa" may start conversations through both.
        loja.SetSwitches(true, true);
        suporte.SetSwitches(true, true);
        var ana = User("ana", "Ana", restricted: true);
        var bruno = User("bruno", "Bruno");
        var carla = User("carla", "Carla", restricted: true);
        db.Users.AddRange(ana, bruno, carla);
        var admin = new IdentityRole(Roles.Admin) { NormalizedName = Roles.Admin.ToUpperInvariant() };
        db.Roles.Add(admin);
        db.UserRoles.Add(new IdentityUserRole<string> { UserId = "carla", RoleId = admin.Id });
        var vendas = new ChannelGroup("Vendas", null);
        vendas.SetChannels([loja]);
        vendas.SetAgents([ana, bruno]);
        db.ChannelGroups.Add(vendas);
        var label = new Label("vip", "#000");
        db.Labels.Add(label);
        var macro = new Macro("Encerrar", [new MacroAction(MacroActionType.Resolve, null)]);
        db.Macros.Add(macro);
        await db.SaveChangesAsync();
        _inLoja = (await db.AddConversationAsync(loja, "Maria", TestData.Now.AddMinutes(-2), "pedido atrasado")).Id;
        var inSuporte = await db.AddConversationAsync(suporte, "Pedro", TestData.Now.AddMinutes(-1), "pedido quebrado");
        _inSuporte = inSuporte.Id;
        var failed = inSuporte.Reply(Bruno, "Vamos ver", TestData.Now);
        db.Messages.Add(failed);
        await db.SaveChangesAsync();
        failed.MarkAttemptFailed("recusado", retryAt: null);
        await db.SaveChangesAsync();
        (_label, _macro, _failedInSuporte) = (label.Id, macro.Id, failed.Id);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private static AppUser User(string id, string name, bool restricted = false) => new()
    {
        Id = id, UserName = $"{id}@x", Email = $"{id}@x", DisplayName = name, RestrictedToGroups = restricted, CreatedAt = TestData.Now,
    };

    private Task<ChannelScope> ScopeAsync(string userId) => new ChannelAccess(_database.Factory).ForUserAsync(userId);

    [Fact]
    public async Task ForUser_RestrictedAgent_SeesOnlyTheirGroupsChannels_OthersSeeAll()
    {
        Assert.Equal([_loja], (await ScopeAsync("ana")).ChannelIds);
        Assert.True((await ScopeAsync("bruno")).IsAll);
        // The flag means nothing for an admin.
        Assert.True((await ScopeAsync("carla")).IsAll);
        Assert.Equal([], (await ScopeAsync("nobody")).ChannelIds);
    }

    [Fact]
    public async Task ForUser_DeactivatedOrRestrictedWithoutGroup_SeesNothing()
    {
        await using (var db = _database.NewContext())
        {
            db.Users.Add(User("dora", "Dora", restricted: true));
            var bruno = await db.Users.SingleAsync(u => u.Id == "bruno");
            bruno.IsDeactivated = true;
            await db.SaveChangesAsync();
        }

        Assert.Equal([], (await ScopeAsync("dora")).ChannelIds);
        Assert.Equal([], (await ScopeAsync("bruno")).ChannelIds);
    }

    [Fact]
    public async Task InboxList_Search_AndCounts_RestrictedAgent_OnlyTheirChannels()
    {
        var query = new InboxQuery(_database.Factory);
        var lookups = new InboxLookups(_database.Factory);
        var ana = new InboxFilter { Channels = await ScopeAsync("ana") };
        var bruno = new InboxFilter { Channels = await ScopeAsync("bruno") };

        Assert.Equal([_inLoja], (await query.ListAsync(ana)).Items.Select(i => i.Id));
        Assert.Equal([_inSuporte, _inLoja], (await query.ListAsync(bruno)).Items.Select(i => i.Id));
        // Search, by message and by contact name, and an explicit filter on the other channel.
        Assert.Equal([_inLoja], (await query.ListAsync(ana with { Search = "pedido" })).Items.Select(i => i.Id));
        Assert.Empty((await query.ListAsync(ana with { Search = "Pedro" })).Items);
        Assert.Empty((await query.ListAsync(ana with { ChannelId = _suporte })).Items);
        Assert.Null(await query.FindAsync(_inSuporte, ana));
        Assert.Equal(1, (await lookups.CountsAsync(AssigneeFilter.All, "ana", ana.Channels))[ConversationStatus.Open]);
        Assert.Equal(2, (await lookups.CountsAsync(AssigneeFilter.All, "bruno", bruno.Channels))[ConversationStatus.Open]);
        Assert.Equal(["Loja"], (await lookups.ChannelsAsync(ana.Channels)).Select(c => c.Name));
        Assert.Equal(["Vendas"], (await lookups.ChannelGroupsAsync(ana.Channels)).Select(g => g.Name));
    }

    [Fact]
    public async Task LiveRow_OfAnotherChannel_DoesNotMatchTheRestrictedAgentsList()
    {
        var query = new InboxQuery(_database.Factory);
        var row = Assert.Single(await query.FindManyAsync([_inSuporte]));
        var change = new InboxRowChange(_inSuporte, row, HasNewMessage: true);

        Assert.Null(await query.FindForChangeAsync(change, new InboxFilter { Channels = await ScopeAsync("ana") }));
        Assert.NotNull(await query.FindForChangeAsync(change, new InboxFilter { Channels = await ScopeAsync("bruno") }));
    }

    [Fact]
    public async Task Thread_OfAnotherChannel_IsNotFound_ForTheRestrictedAgent()
    {
        var lookups = new InboxLookups(_database.Factory);
        var ana = await ScopeAsync("ana");

        Assert.Null(await lookups.HeaderAsync(_inSuporte, ana));
        Assert.Empty(await lookups.MessagesAsync(_inSuporte, 0, ana));
        Assert.NotNull(await lookups.HeaderAsync(_inLoja, ana));
        Assert.NotEmpty(await lookups.MessagesAsync(_inLoja, 0, ana));
        Assert.NotNull(await lookups.HeaderAsync(_inSuporte, await ScopeAsync("bruno")));
        // The contact panel's other conversations stay inside the agent's channels too.
        int contact;
        await using (var db = _database.NewContext())
        {
            contact = await db.Conversations.Where(c => c.Id == _inSuporte).Select(c => c.ContactId).SingleAsync();
        }

        Assert.Empty((await lookups.ContactPanelAsync(contact, ana))!.OtherConversations);
    }

    public static TheoryData<string> Commands =>
    [
        "reply", "note", "assign", "unassign", "resolve", "reopen", "snooze", "priority", "add-label", "remove-label",
        "mark-read", "mark-unread", "retry", "macro", "start",
    ];

    private Task RunAsync(string command, Actor actor, int conversationId) => command switch
    {
        "reply" => _conversations.Commands.ReplyAsync(conversationId, actor, "Oi"),
        "note" => _conversations.Commands.AddNoteAsync(conversationId, actor, "Nota"),
        "assign" => _conversations.Commands.AssignAsync(conversationId, actor, actor.UserId),
        "unassign" => _conversations.Commands.AssignAsync(conversationId, actor, null),
        "resolve" => _conversations.Commands.ResolveAsync(conversationId, actor),
        "reopen" => _conversations.Commands.ReopenAsync(conversationId, actor),
        "snooze" => _conversations.Commands.SnoozeAsync(conversationId, actor, TestData.Now.AddHours(1)),
        "priority" => _conversations.Commands.SetPriorityAsync(conversationId, actor, ConversationPriority.High),
        "add-label" => _conversations.Commands.AddLabelAsync(conversationId, actor, _label),
        "remove-label" => _conversations.Commands.RemoveLabelAsync(conversationId, actor, _label),
        "mark-read" => _conversations.Commands.MarkReadAsync(conversationId, actor),
        "mark-unread" => _conversations.Commands.MarkUnreadAsync(conversationId, actor),
        "retry" => _conversations.Commands.RetryAsync(_failedInSuporte, actor),
        "macro" => _conversations.Macros.RunAsync(conversationId, actor, _macro),
        "start" => _conversations.Starter.StartAsync(actor, _suporte, null, "novo-contato", "Novo", "Olá"),
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };

    private async Task<string> StateAsync()
    {
        await using var db = _database.NewContext();
        var conversations = await db.Conversations.AsNoTracking().Include(c => c.Labels).OrderBy(c => c.Id)
            .Select(c => $"{c.Id}:{c.Status}:{c.AssigneeId}:{c.Priority}:{c.UnreadCount}:{c.Labels.Count}").ToListAsync();
        var messages = await db.Messages.AsNoTracking().OrderBy(m => m.Id).Select(m => $"{m.Id}:{m.DeliveryStatus}").ToListAsync();
        return string.Join("|", conversations) + "#" + string.Join("|", messages);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Command_OnAnotherChannelsConversation_RestrictedAgent_IsRefusedAsNotFound_AndChangesNothing(string command)
    {
        if (command == "remove-label")
        {
            await _conversations.Commands.AddLabelAsync(_inSuporte, Bruno, _label);
        }

        var before = await StateAsync();

        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() => RunAsync(command, Ana, _inSuporte));

        Assert.Equal(command == "start" ? "Canal não encontrado." : "Conversa não encontrada.", refused.Message);
        Assert.Equal(before, await StateAsync());
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Command_UnrestrictedAgent_StillReachesEveryChannel(string command)
    {
        if (command == "remove-label")
        {
            await _conversations.Commands.AddLabelAsync(_inSuporte, Bruno, _label);
        }
        else if (command == "reopen")
        {
            await _conversations.Commands.ResolveAsync(_inSuporte, Bruno);
        }

        // Bruno is in Vendas, which does not have Suporte; not restricted, he still answers it.
        await RunAsync(command, Bruno, _inSuporte);
    }

    [Fact]
    public async Task Command_AdminWithTheFlagSet_StillReachesEveryChannel()
    {
        await _conversations.Commands.ReplyAsync(_inSuporte, Carla, "Oi");
        await _conversations.Commands.AssignAsync(_inSuporte, Carla, "carla");
        await _conversations.Commands.ResolveAsync(_inSuporte, Carla);

        await using var db = _database.NewContext();
        Assert.Equal(ConversationStatus.Resolved, (await db.Conversations.SingleAsync(c => c.Id == _inSuporte)).Status);
    }

    [Fact]
    public async Task Command_OnTheirOwnChannel_RestrictedAgent_Works()
    {
        await _conversations.Commands.ReplyAsync(_inLoja, Ana, "Oi");
        await _conversations.Commands.AssignAsync(_inLoja, Ana, "ana");
        await _conversations.Starter.StartAsync(Ana, _loja, null, "novo", "Novo", "Olá");

        await using var db = _database.NewContext();
        Assert.Equal("ana", (await db.Conversations.SingleAsync(c => c.Id == _inLoja)).AssigneeId);
    }

    [Fact]
    public async Task Assign_RestrictedAgent_ToAConversationOutsideTheirChannels_IsRefused()
    {
        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.AssignAsync(_inSuporte, Carla, "ana"));

        Assert.Contains("Ana", refused.Message);
        await _conversations.Commands.AssignAsync(_inSuporte, Carla, "bruno");
        var agents = await new InboxLookups(_database.Factory).ActiveAgentsAsync(_suporte);
        Assert.Equal(["Bruno", "Carla"], agents.Select(a => a.DisplayName));
    }

    [Fact]
    public async Task EventHub_ScopedSubscription_RestrictedAgentNeverHearsOfAnotherChannel()
    {
        var scope = await ScopeAsync("ana");
        var heard = new List<InboxEvent>();
        using var subscription = _hub.Subscribe(heard.Add, () => scope);

        _hub.Publish(new ConversationChanged(_inSuporte, _suporte, ConversationStatus.Open, null));
        _hub.Publish(new MessageAdded(_inSuporte, _suporte, 1));
        _hub.PublishFromOtherNode(new MessageUpdated(_inSuporte, _suporte, 1));
        _hub.Publish(new MessageAdded(_inLoja, _loja, 2));

        Assert.Equal([_inLoja], heard.Select(e => e.ConversationId));

        // The scope is read at each event: once an admin adds Suporte to her group, its events reach her.
        scope = ChannelScope.Only([_loja, _suporte]);
        _hub.Publish(new MessageAdded(_inSuporte, _suporte, 3));
        Assert.Equal([_inLoja, _inSuporte], heard.Select(e => e.ConversationId));
    }

    [Fact]
    public async Task Feed_ScopedSubscription_RestrictedAgentGetsOnlyTheirChannelsRows()
    {
        var scope = await ScopeAsync("ana");
        using var feed = new InboxFeed(_hub, new InboxQuery(_database.Factory), new InboxLookups(_database.Factory),
            NullLogger<InboxFeed>.Instance);
        var ana = new List<int>();
        var all = new TaskCompletionSource<IReadOnlyList<InboxRowChange>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var anaGotLoja = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var anaPage = feed.Subscribe(changes =>
        {
            lock (ana)
            {
                ana.AddRange(changes.Select(c => c.ConversationId));
            }

            if (changes.Any(c => c.ConversationId == _inLoja))
            {
                anaGotLoja.TrySetResult();
            }
        }, () => scope);
        using var brunoPage = feed.Subscribe(changes => all.TrySetResult(changes), () => ChannelScope.All);

        _hub.Publish(new MessageAdded(_inSuporte, _suporte, 1));
        await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _hub.Publish(new MessageAdded(_inLoja, _loja, 2));
        await anaGotLoja.Task.WaitAsync(TimeSpan.FromSeconds(10));

        lock (ana)
        {
            Assert.Equal([_inLoja], ana);
        }

        var counts = await feed.CountsAsync(AssigneeFilter.All, "ana", feed.Version, scope);
        Assert.Equal(1, counts[ConversationStatus.Open]);
        Assert.Equal(2, (await feed.CountsAsync(AssigneeFilter.All, "bruno", feed.Version, ChannelScope.All))[ConversationStatus.Open]);
    }

    [Fact]
    public async Task GroupService_ChangingAgentsOrChannels_SignalsEveryoneAffected()
    {
        var signal = new ChannelAccessSignal();
        var told = new List<string>();
        using var _ = signal.Subscribe(ids => told.AddRange(ids));
        var groups = new ChannelGroupService(_database.Factory, _database.Units(), signal);
        var admin = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Role, Roles.Admin)], "test"));
        var vendas = (await groups.ListAsync()).Single();
        Assert.Equal(["Ana", "Bruno"], vendas.Agents.Select(a => a.Name));

        var saved = await groups.UpdateAsync(admin, vendas.Id, new ChannelGroupInput("Vendas", null, [_loja, _suporte], ["ana", "carla"]));

        Assert.True(saved.Succeeded);
        Assert.Equal(["ana", "bruno", "carla"], told.Order());
        Assert.Equal([_loja, _suporte], (await ScopeAsync("ana")).ChannelIds);
        // Without AgentIds (the admin API before teams) the team stays as it is.
        await groups.UpdateAsync(admin, vendas.Id, new ChannelGroupInput("Vendas", null, [_loja]));
        Assert.Equal(["Ana", "Carla"], (await groups.GetAsync(vendas.Id))!.Agents.Select(a => a.Name));
        var invalid = await groups.UpdateAsync(admin, vendas.Id, new ChannelGroupInput("Vendas", null, [_loja], ["ghost"]));
        Assert.Equal("Um ou mais agentes não existem.", invalid.Errors["AgentIds"]);
    }
}
