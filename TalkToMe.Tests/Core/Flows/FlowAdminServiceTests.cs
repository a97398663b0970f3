using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Flows;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Flows;

public class FlowAdminServiceTests : IAsyncLifetime
{
    private static readonly Actor Admin = new("admin", "Admin", IsAdmin: true);
    private TestDatabase _database = null!;
    private FlowAdminService _service = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _service = new FlowAdminService(_database.Factory, _database.Units(), new FakeTimeProvider(TestData.Now));
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Save_CreatesAndEditsAFlowWithItsStepsInOrder()
    {
        var created = await _service.SaveAsync(Admin, new FlowDraft
        {
            Name = "Boas-vindas",
            Steps =
            [
                new() { Type = FlowStepType.Message, Text = "Olá!" },
                new() { Type = FlowStepType.Question, Text = "Seu nome?", AnswerKey = "nome_cliente", StoreOnContact = true },
                new() { Type = FlowStepType.Menu, Text = "Escolha:", Options = [new() { Label = "Voltar", Target = MenuTargetType.Step, TargetValue = "1" }] },
                new() { Type = FlowStepType.Transfer },
                new() { Type = FlowStepType.End, Text = "Tchau" },
            ],
        });
        Assert.True(created.Succeeded);

        var draft = (await _service.GetAsync(created.FlowId!.Value))!;
        Assert.Equal([FlowStepType.Message, FlowStepType.Question, FlowStepType.Menu, FlowStepType.Transfer, FlowStepType.End],
            draft.Steps.Select(s => s.Type));
        draft.Name = "Boas-vindas 2";
        draft.Steps.RemoveAt(0);
        draft.Steps[1].Options[0].TargetValue = "2";
        Assert.True((await _service.SaveAsync(Admin, draft)).Succeeded);

        var edited = (await _service.GetAsync(created.FlowId.Value))!;
        Assert.Equal("Boas-vindas 2", edited.Name);
        Assert.Equal(4, edited.Steps.Count);
        await using var db = _database.NewContext();
        Assert.Equal(4, await db.FlowSteps.CountAsync());
    }

    [Fact]
    public async Task Save_WithBadInput_ReturnsFieldErrorsAndStoresNothing()
    {
        var result = await _service.SaveAsync(Admin, new FlowDraft
        {
            Name = " ",
            Steps =
            [
                new() { Type = FlowStepType.Question, Text = "Seu nome?", AnswerKey = "" },
                new() { Type = FlowStepType.Menu, Text = "", Options = [new() { Label = "X", Target = MenuTargetType.Step, TargetValue = "9" }] },
            ],
        });

        Assert.False(result.Succeeded);
        Assert.Contains("Name", result.Errors.Keys);
        Assert.Contains("Steps[0].AnswerKey", result.Errors.Keys);
        Assert.Contains("Steps[1].Text", result.Errors.Keys);
        Assert.Contains("Steps[1].Options[0].TargetValue", result.Errors.Keys);
        await using var db = _database.NewContext();
        Assert.Equal(0, await db.Flows.CountAsync());
    }

    [Fact]
    public async Task Save_ByAnAgent_IsRefused()
    {
        var agent = new Actor("agent", "Agente");
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            _service.SaveAsync(agent, new FlowDraft { Name = "X", Steps = [new() { Type = FlowStepType.End }] }));
    }

    [Fact]
    public async Task Delete_WhileAChannelUsesTheFlow_IsRefusedNamingTheChannels()
    {
        var flowId = (await _service.SaveAsync(Admin, new FlowDraft { Name = "Pesquisa", Steps = [new() { Type = FlowStepType.End }] })).FlowId!.Value;
        await using (var db = _database.NewContext())
        {
            var whatsapp = await db.AddChannelAsync("WhatsApp Vendas");
            whatsapp.SetFlows(flowId, null);
            var site = await db.AddChannelAsync("Site institucional");
            site.SetFlows(null, flowId);
            await db.SaveChangesAsync();
        }

        var refused = await _service.DeleteAsync(Admin, flowId);

        Assert.NotNull(refused);
        Assert.Contains("Site institucional", refused);
        Assert.Contains("WhatsApp Vendas", refused);
        Assert.NotNull(await _service.GetAsync(flowId));
    }

    [Fact]
    public async Task Delete_WhenOnlyDeletedChannelsUsedIt_DeletesTheFlow()
    {
        var flowId = (await _service.SaveAsync(Admin, new FlowDraft { Name = "Antigo", Steps = [new() { Type = FlowStepType.End }] })).FlowId!.Value;
        await using (var db = _database.NewContext())
        {
            var old = await db.AddChannelAsync("Canal antigo");
            old.SetFlows(flowId, flowId);
            old.Delete(TestData.Now);
            await db.SaveChangesAsync();
        }

        Assert.Null(await _service.DeleteAsync(Admin, flowId));
        Assert.Null(await _service.GetAsync(flowId));
    }
}
