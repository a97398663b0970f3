using System.Globalization;
using System.Security.Claims;
using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using MudBlazor.Services;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Flows;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Flows;

namespace TalkToMe.Tests.Web.Components.Flows;

/// <summary>
/// The flow editor's up/down buttons: the admin moves a step by its named button, saves, and the stored order changed
/// (menu options that point at a step still point at the same step). Real SQLite database, Core's services, pt-BR.
/// </summary>
public sealed class FlowEditorReorderTests : IAsyncLifetime
{
    private readonly BunitContext _context = new();
    private readonly CultureInfo _previousUICulture = CultureInfo.CurrentUICulture;
    private TestDatabase _database = default!;

    public async Task InitializeAsync()
    {
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("pt-BR");
        _database = await TestDatabase.CreateAsync();
        _context.Services.AddLogging();
        _context.Services.AddLocalization(o => o.ResourcesPath = "Resources");
        _context.Services.AddMudServices();
        _context.Services.AddTalkToMeCore(_database.Settings);
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        var authorization = _context.AddAuthorization();
        authorization.SetAuthorized("Admin");
        authorization.SetRoles(Roles.Admin);
        authorization.SetClaims(new Claim(ClaimTypes.NameIdentifier, "admin-id"));
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _database.DisposeAsync();
        CultureInfo.CurrentUICulture = _previousUICulture;
    }

    [Fact]
    public async Task MoveUpThenSave_StoresTheNewOrder_AndMenuOptionsFollowTheirStep()
    {
        var flowId = await AddFlowAsync(
            new FlowStep(FlowStepType.Message, "Olá!"),
            new FlowStep(FlowStepType.Question, "Qual é o seu nome?") { AnswerKey = "nome" },
            new FlowStep(FlowStepType.Menu, "Escolha") { Options = [new MenuOption("Voltar ao início", MenuTargetType.Step, "1")] });
        _context.Render<MudPopoverProvider>();
        var cut = _context.Render<FlowEditor>(p => p.Add(c => c.Id, flowId));
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=flow-step]").Count));

        // The first step cannot go up, the last cannot go down: their buttons are disabled.
        Assert.True(cut.Find("button[aria-label='Subir o passo 1']").HasAttribute("disabled"));
        Assert.True(cut.Find("button[aria-label='Descer o passo 3']").HasAttribute("disabled"));

        cut.Find("button[aria-label='Subir o passo 2']").Click();

        // MudBlazor's button handles the click asynchronously: the new order shows on the render after it.
        cut.WaitForAssertion(() => Assert.Equal(["Passo 1 · Pergunta", "Passo 2 · Mensagem", "Passo 3 · Menu"],
            cut.FindAll("[data-testid=flow-step-title]").Select(t => t.TextContent)));
        await cut.Find("form[data-testid=flow-form]").SubmitAsync();

        var saved = await StoredStepsAsync(flowId);
        Assert.Equal([FlowStepType.Question, FlowStepType.Message, FlowStepType.Menu], saved.Select(s => s.Type));
        Assert.Equal("nome", saved[0].AnswerKey);
        // "Voltar ao início" pointed at the Mensagem, which is now Passo 2.
        Assert.Equal([new MenuOption("Voltar ao início", MenuTargetType.Step, "2")], saved[2].Options);
    }

    [Fact]
    public async Task MoveDownThenSave_StoresTheNewOrder()
    {
        var flowId = await AddFlowAsync(
            new FlowStep(FlowStepType.Message, "Primeiro"),
            new FlowStep(FlowStepType.Message, "Segundo"),
            new FlowStep(FlowStepType.End, "Até logo"));
        _context.Render<MudPopoverProvider>();
        var cut = _context.Render<FlowEditor>(p => p.Add(c => c.Id, flowId));
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=flow-step]").Count));

        cut.Find("button[aria-label='Descer o passo 1']").Click();
        cut.Find("button[aria-label='Descer o passo 2']").Click();
        cut.WaitForAssertion(() => Assert.Equal("Passo 3 · Mensagem", cut.FindAll("[data-testid=flow-step-title]")[2].TextContent));
        await cut.Find("form[data-testid=flow-form]").SubmitAsync();

        var saved = await StoredStepsAsync(flowId);
        Assert.Equal(["Segundo", "Até logo", "Primeiro"], saved.Select(s => s.Text));
    }

    private async Task<int> AddFlowAsync(params FlowStep[] steps)
    {
        await using var db = _database.NewContext();
        var flow = new Flow("Triagem", TestData.Now);
        flow.ReplaceSteps(steps);
        db.Flows.Add(flow);
        await db.SaveChangesAsync();
        return flow.Id;
    }

    private async Task<IReadOnlyList<FlowStep>> StoredStepsAsync(int flowId)
    {
        await using var db = _database.NewContext();
        var flow = await db.Flows.AsNoTracking().Include(f => f.Steps).SingleAsync(f => f.Id == flowId);
        return flow.OrderedSteps();
    }

    [Fact]
    public async Task Salvar_ClickedTwiceWhileSaving_CreatesOneFlow()
    {
        _context.Render<MudPopoverProvider>();
        var cut = _context.Render<FlowEditor>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=flow-step]")));
        cut.Find("[data-testid=flow-form] input").Change("Duplo clique");
        cut.FindAll("[data-testid=flow-step] textarea").First().Change("Olá!");

        // A double click: the second submit arrives while the first is still writing.
        var first = cut.Find("[data-testid=flow-form]").SubmitAsync();
        var second = cut.Find("[data-testid=flow-form]").SubmitAsync();
        await Task.WhenAll(first, second);

        await using var db = _database.NewContext();
        Assert.Equal(1, await db.Flows.CountAsync(f => f.Name == "Duplo clique"));
    }
}
