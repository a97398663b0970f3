using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Web.Components.Shared;

namespace TalkToMe.Tests.Web.Components;

public class KeepAliveComponentTests : BunitContext
{
    private static readonly DateTime Now = new(2026, 11, 2, 12, 0, 0, DateTimeKind.Utc);

    public KeepAliveComponentTests()
    {
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("pt-BR");
        Services.AddLocalization(o => o.ResourcesPath = "Resources");
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private AngleSharp.Dom.IDocument RenderDocument<TComponent>(Action<ComponentParameterCollectionBuilder<TComponent>> parameters)
        where TComponent : Microsoft.AspNetCore.Components.IComponent
    {
        var rendered = Render(parameters);
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument($"<html><body>{rendered.Markup}</body></html>");
        return document;
    }

    [Fact]
    public void KeepAliveStatus_AwaitingInactivity_ShowsWhatIsSentNextAndWhen()
    {
        var document = RenderDocument<KeepAliveStatus>(p => p
            .Add(c => c.Stage, KeepAliveStage.AwaitingInactivity)
            .Add(c => c.DueAt, Now.AddMinutes(7))
            .Add(c => c.Now, Now));

        var status = document.QuerySelector("[data-testid=keepalive-status]");
        Assert.NotNull(status);
        Assert.Contains("Keep Alive: mensagem de inatividade", status.TextContent);
        Assert.Contains("em 7 min", status.TextContent);
    }

    [Fact]
    public void KeepAliveStatus_AwaitingFinalization_SaysTheConversationWillClose()
    {
        var document = RenderDocument<KeepAliveStatus>(p => p
            .Add(c => c.Stage, KeepAliveStage.AwaitingFinalization)
            .Add(c => c.DueAt, Now.AddSeconds(30))
            .Add(c => c.Now, Now));

        var text = string.Join(" ", document.QuerySelector("[data-testid=keepalive-status]")!.TextContent
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("Keep Alive: encerramento em 30 s", text);
    }

    [Fact]
    public void KeepAliveStatus_WithoutKeepAlive_RendersNothing()
    {
        var document = RenderDocument<KeepAliveStatus>(p => p
            .Add(c => c.Stage, KeepAliveStage.None)
            .Add(c => c.DueAt, (DateTime?)null));

        Assert.Null(document.QuerySelector("[data-testid=keepalive-status]"));
    }

    [Fact]
    public void ConversationAttributes_ShowsStoredAnswersAsText()
    {
        var document = RenderDocument<ConversationAttributes>(p => p
            .Add(c => c.AttributesJson, """{"satisfacao":"Bom","nota":"<b>5</b>"}"""));

        var section = document.QuerySelector("[data-testid=conversation-attributes]");
        Assert.NotNull(section);
        Assert.Equal(["nota", "satisfacao"], section.QuerySelectorAll("dt").Select(d => d.TextContent));
        Assert.Equal(["<b>5</b>", "Bom"], section.QuerySelectorAll("dd").Select(d => d.TextContent));
        Assert.Empty(section.QuerySelectorAll("dd b"));
    }
}
