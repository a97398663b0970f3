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
        var document = await ComponentRenderer.RenderAsync<KeepAliveStatus>(new Dictionary<string, object?>
        {
            [nameof(KeepAliveStatus.Stage)] = KeepAliveStage.AwaitingInactivity,
            [nameof(KeepAliveStatus.DueAt)] = Now.AddMinutes(7),
            [nameof(KeepAliveStatus.Now)] = Now,
        });

        var status = document.QuerySelector("[data-testid=keepalive-status]");
        Assert.NotNull(status);
        Assert.Contains("Keep Alive: mensagem de inatividade", status.TextContent);
        Assert.Contains("em 7 min", status.TextContent);
    }

    [Fact]
    public async Task KeepAliveStatus_AwaitingFinalization_SaysTheConversationWillClose()
    {
        var document = await ComponentRenderer.RenderAsync<KeepAliveStatus>(new Dictionary<string, object?>
        {
            [nameof(KeepAliveStatus.Stage)] = KeepAliveStage.AwaitingFinalization,
            [nameof(KeepAliveStatus.DueAt)] = Now.AddSeconds(30),
            [nameof(KeepAliveStatus.Now)] = Now,
        });

        var text = string.Join(" ", document.QuerySelector("[data-testid=keepalive-status]")!.TextContent
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("Keep Alive: encerramento em 30 s", text);
    }

    [Fact]
    public async Task KeepAliveStatus_WithoutKeepAlive_RendersNothing()
    {
        var document = await ComponentRenderer.RenderAsync<KeepAliveStatus>(new Dictionary<string, object?>
        {
            [nameof(KeepAliveStatus.Stage)] = KeepAliveStage.None,
            [nameof(KeepAliveStatus.DueAt)] = null,
        });

        Assert.Null(document.QuerySelector("[data-testid=keepalive-status]"));
    }

    [Fact]
    public async Task ConversationAttributes_ShowsStoredAnswersAsText()
    {
        var document = await ComponentRenderer.RenderAsync<ConversationAttributes>(new Dictionary<string, object?>
        {
            [nameof(ConversationAttributes.AttributesJson)] = """{"satisfacao":"Bom","nota":"<b>5</b>"}""",
        });

        var section = document.QuerySelector("[data-testid=conversation-attributes]");
        Assert.NotNull(section);
        Assert.Equal(["nota", "satisfacao"], section.QuerySelectorAll("dt").Select(d => d.TextContent));
        Assert.Equal(["<b>5</b>", "Bom"], section.QuerySelectorAll("dd").Select(d => d.TextContent));
        Assert.Empty(section.QuerySelectorAll("dd b"));
    }
}
