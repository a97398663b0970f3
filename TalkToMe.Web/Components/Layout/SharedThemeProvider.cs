using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components.Rendering;
using MudBlazor;

namespace TalkToMe.Web.Components.Layout;

/// <summary>
/// MudThemeProvider whose CSS is built once per theme and mode for the whole server instead of once per page. The stock
/// provider renders a fresh ~12,000-character <c>&lt;style&gt;</c> string on every circuit, twice (kept in the current and
/// the previous render tree): ~46 KB of every open page's memory for text that is the same for every agent. The markup is
/// the stock one: the scrollbar, chart and theme styles, in that order.
/// </summary>
public sealed class SharedThemeProvider : MudThemeProvider
{
    private const string ChartStyle = """
        <style>
            .mud-chart-serie:hover {
                filter: url(#lighten);
            }

            .mud-chart-serie-hovered
            {
                filter: url(#lighten);
            }
        </style>
        """;

    private static readonly ConcurrentDictionary<(MudTheme Theme, bool Dark, bool DefaultScrollbar), string> Css = new();

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        // The parameters as the renderer last set them; BuildTheme reads the same values.
#pragma warning disable MUD0010
        var key = (Theme ?? TalkToMeTheme.Theme, IsDarkMode, DefaultScrollbar);
#pragma warning restore MUD0010
        var css = Css.GetOrAdd(key, k => (k.DefaultScrollbar ? "" : BuildMudBlazorScrollbar()) + ChartStyle + BuildTheme());
        builder.AddMarkupContent(0, css);
    }
}
