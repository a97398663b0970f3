using Bunit;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Shared;

namespace TalkToMe.Tests.Web.Components;

public class KeepAliveComponentTests
{
    private static readonly DateTime Now = new(2026, 11, 2, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task KeepAliveStatus_AwaitingInactivity_ShowsWhatIsSentNextAndWhen()
    {
        await using var context = new ComponentTestContext();
        var cut = context.Render<KeepAliveStatus>(p => p
            .Add(c => c.Stage, KeepAliveStage.AwaitingInactivity)
            .Add(c => c.DueAt, Now.AddMinutes(7))
            .Add(c => c.Now, Now));

        var status = cut.Find("[data-testid=keepalive-status]");
        Assert.Contains("Keep Alive: mensagem de inatividade", status.TextContent);
        Assert.Contains("em 7 min", status.TextContent);
    }

    [Fact]
    public async Task KeepAliveStatus_AwaitingFinalization_SaysTheConversationWillClose()
    {
        await using var context = new ComponentTestContext();
        var cut = context.Render<KeepAliveStatus>(p => p
            .Add(c => c.Stage, KeepAliveStage.AwaitingFinalization)
            .Add(c => c.DueAt, Now.AddSeconds(30))
            .Add(c => c.Now, Now));

        var text = string.Join(" ", cut.Find("[data-testid=keepalive-status]").TextContent
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("Keep Alive: encerramento em 30 s", text);
    }

    [Fact]
    public async Task KeepAliveStatus_WithoutKeepAlive_RendersNothing()
    {
        await using var context = new ComponentTestContext();
        var cut = context.Render<KeepAliveStatus>(p => p
            .Add(c => c.Stage, KeepAliveStage.None)
            .Add(c => c.DueAt, null));

        Assert.Empty(cut.FindAll("[data-testid=keepalive-status]"));
    }

    [Fact]
    public async Task ConversationAttributes_ShowsStoredAnswersAsText()
    {
        await using var context = new ComponentTestContext();
        var cut = context.Render<ConversationAttributes>(p => p
            .Add(c => c.AttributesJson, """{"satisfacao":"Bom","nota":"<b>5</b>"}"""));

        var section = cut.Find("[data-testid=conversation-attributes]");
        Assert.Equal(["nota", "satisfacao"], section.QuerySelectorAll("dt").Select(d => d.TextContent));
        Assert.Equal(["<b>5</b>", "Bom"], section.QuerySelectorAll("dd").Select(d => d.TextContent));
        Assert.Empty(section.QuerySelectorAll("dd b"));
    }
}
