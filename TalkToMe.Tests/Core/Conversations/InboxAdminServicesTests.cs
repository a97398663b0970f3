using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

/// <summary>Labels, canned responses and macros: admins only (checked on the server), clear field errors, nothing partial stored.</summary>
public sealed class InboxAdminServicesTests : IAsyncLifetime
{
    private static readonly Actor Admin = new("admin-id", "Admin", IsAdmin: true);
    private static readonly Actor Agent = new("agent-id", "Ana");
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        await using var db = _database.NewContext();
        db.Users.Add(new AppUser { Id = "agent-id", UserName = "ana@x", Email = "ana@x", DisplayName = "Ana" });
        db.Users.Add(new AppUser { Id = "off-id", UserName = "off@x", Email = "off@x", DisplayName = "Fora", IsDeactivated = true });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task LabelSave_ByAgent_IsRefusedAndStoresNothing()
    {
        var service = new LabelService(_database.Factory, _database.Units());

        await Assert.ThrowsAsync<AdminRequiredException>(() => service.SaveAsync(Agent, null, "vip", "#ff0000"));

        Assert.Empty(await service.ListAsync());
    }

    [Fact]
    public async Task LabelSave_WithBadFields_ReturnsFieldErrors()
    {
        var service = new LabelService(_database.Factory, _database.Units());
        await service.SaveAsync(Admin, null, "VIP", "#ff0000");

        var duplicate = await service.SaveAsync(Admin, null, " vip ", "#00ff00");
        var bad = await service.SaveAsync(Admin, null, "", "red");

        Assert.Equal("Já existe uma etiqueta com este nome.", duplicate["Name"]);
        Assert.Equal("Informe o nome.", bad["Name"]);
        Assert.Equal("Use uma cor no formato #RRGGBB.", bad["Color"]);
        var label = Assert.Single(await service.ListAsync());
        Assert.Equal("vip", label.Name);
    }

    [Fact]
    public async Task LabelEditAndDelete_ByAdmin_Work()
    {
        var service = new LabelService(_database.Factory, _database.Units());
        await service.SaveAsync(Admin, null, "vip", "#ff0000");
        var id = (await service.ListAsync())[0].Id;

        Assert.Empty(await service.SaveAsync(Admin, id, "cliente vip", "#00ff00"));
        Assert.Equal(new LabelRow(id, "cliente vip", "#00ff00"), Assert.Single(await service.ListAsync()));

        await Assert.ThrowsAsync<AdminRequiredException>(() => service.DeleteAsync(Agent, id));
        await service.DeleteAsync(Admin, id);
        Assert.Empty(await service.ListAsync());
    }

    [Fact]
    public async Task CannedResponseSave_ValidatesAndRefusesAgents()
    {
        var service = new CannedResponseService(_database.Factory, _database.Units());

        await Assert.ThrowsAsync<AdminRequiredException>(() => service.SaveAsync(Agent, null, "oi", "Olá!"));
        var errors = await service.SaveAsync(Admin, null, "com espaço", " ");
        Assert.Equal("Use até 40 caracteres, sem espaços.", errors["ShortCode"]);
        Assert.Equal("Informe o conteúdo.", errors["Content"]);
        Assert.Empty(await service.SaveAsync(Admin, null, "/oi", "Olá! Como posso ajudar?"));
        Assert.Equal("Já existe uma resposta pronta com este código.", (await service.SaveAsync(Admin, null, "oi", "x"))["ShortCode"]);

        var canned = Assert.Single(await service.ListAsync());
        Assert.Equal("oi", canned.ShortCode);
        Assert.Equal("Olá! Como posso ajudar?", canned.Content);
    }

    [Fact]
    public async Task PostgreSql_TwoAdminsSaveTheSameLabelAndCodeAtOnce_TheSecondGetsTheFieldMessage()
    {
        // PostgreSQL in every pass: there, writers do not queue, so both saves pass the name check.
        await using var database = await TestDatabase.CreatePostgreSqlAsync();
        var labels = new LabelService(database.Factory, database.Units());
        var canned = new CannedResponseService(database.Factory, database.Units());

        // The other admin's save has written its rows and not committed yet: this save's check cannot see them, and its
        // insert waits on the unique index until the other commits.
        await using var other = database.NewContext();
        await using var otherTransaction = await other.Database.BeginTransactionAsync();
        other.Labels.Add(new Label("vip", "#ff0000"));
        other.CannedResponses.Add(new CannedResponse("oi", "Olá!"));
        await other.SaveChangesAsync();

        var label = labels.SaveAsync(Admin, null, "VIP", "#00ff00");
        var code = canned.SaveAsync(Admin, null, "/oi", "Oi, tudo bem?");
        await Task.Delay(500);
        Assert.False(label.IsCompleted, "the second save should be waiting on the unique index");
        await otherTransaction.CommitAsync();

        Assert.Equal("Já existe uma etiqueta com este nome.", (await label.WaitAsync(TimeSpan.FromSeconds(20)))["Name"]);
        Assert.Equal("Já existe uma resposta pronta com este código.", (await code.WaitAsync(TimeSpan.FromSeconds(20)))["ShortCode"]);
        Assert.Equal(("vip", "#ff0000"), (Assert.Single(await labels.ListAsync()).Name, (await labels.ListAsync())[0].Color));
        Assert.Equal("Olá!", Assert.Single(await canned.ListAsync()).Content);
    }

    [Fact]
    public async Task MacroSave_WithABadStep_NamesTheStepAndStoresNothing()
    {
        var labels = new LabelService(_database.Factory, _database.Units());
        await labels.SaveAsync(Admin, null, "vip", "");
        var service = new MacroService(_database.Factory, _database.Units());

        var errors = await service.SaveAsync(Admin, null, "Encerrar VIP",
        [
            new MacroAction(MacroActionType.AddLabel, "vip"),
            new MacroAction(MacroActionType.AddLabel, "inexistente"),
            new MacroAction(MacroActionType.Assign, "off-id"),
            new MacroAction(MacroActionType.Snooze, "0"),
            new MacroAction(MacroActionType.SendMessage, " "),
            new MacroAction(MacroActionType.Resolve, null),
        ]);

        Assert.False(errors.ContainsKey("Actions[0]"));
        Assert.Equal("Escolha uma etiqueta existente.", errors["Actions[1]"]);
        Assert.Equal("Escolha um agente ativo.", errors["Actions[2]"]);
        Assert.Equal("Informe os minutos (1 a 129600).", errors["Actions[3]"]);
        Assert.Equal("Informe o texto.", errors["Actions[4]"]);
        Assert.False(errors.ContainsKey("Actions[5]"));
        Assert.Empty(await service.ListAsync());
        Assert.Equal("Adicione pelo menos uma ação.", (await service.SaveAsync(Admin, null, "Vazia", []))["Actions"]);
    }

    [Fact]
    public async Task MacroSave_ByAdmin_KeepsTheOrderedSteps_AndRefusesAgents()
    {
        var service = new MacroService(_database.Factory, _database.Units());
        MacroAction[] actions =
        [
            new(MacroActionType.SendMessage, "Obrigado pelo contato!"),
            new(MacroActionType.AddPrivateNote, "Encerrado pela macro"),
            new(MacroActionType.Assign, "agent-id"),
            new(MacroActionType.ChangePriority, "High"),
            new(MacroActionType.Resolve, "ignored"),
        ];

        await Assert.ThrowsAsync<AdminRequiredException>(() => service.SaveAsync(Agent, null, "Encerrar", actions));
        Assert.Empty(await service.SaveAsync(Admin, null, "Encerrar", actions));

        var macro = Assert.Single(await service.ListAsync());
        Assert.Equal("Encerrar", macro.Name);
        Assert.Equal(actions.Select(a => a.Type), macro.Actions.Select(a => a.Type));
        Assert.Null(macro.Actions[^1].Value);
        await using var db = _database.NewContext();
        Assert.Equal(5, (await db.Macros.SingleAsync()).Actions.Count);
    }
}
