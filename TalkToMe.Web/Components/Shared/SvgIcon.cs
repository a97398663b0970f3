using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components;

namespace TalkToMe.Web.Components.Shared;

/// <summary>
/// A Material icon as plain markup, exactly as <c>MudIcon</c> draws it, for controls that stay on an open page for hours.
/// Every <c>MudIcon</c> is a component the circuit keeps in memory with its parameter state; this is one markup frame.
/// </summary>
public static class SvgIcon
{
    /// <param name="icon">One of MudBlazor's <c>Icons.*</c> strings (the SVG's inner markup).</param>
    /// <param name="size">"small", "medium" or "large", as MudBlazor's <c>mud-icon-size-*</c> classes.</param>
    public static RenderFragment Render(string icon, string size = "medium", string? cssClass = null)
    {
        // One string per icon for the whole server: a new one per render would be kept by every open page's render tree.
        var markup = Cache.GetOrAdd((icon, size, cssClass), key => Markup(key.Icon, key.Size, key.CssClass));
        return builder => builder.AddMarkupContent(0, markup);
    }

    private static readonly ConcurrentDictionary<(string Icon, string Size, string? CssClass), string> Cache = new();

    private static string Markup(string icon, string size, string? cssClass) =>
        $"""<svg class="mud-icon-root mud-svg-icon mud-icon-size-{size}{(cssClass is null ? "" : " " + cssClass)}" focusable="false" viewBox="0 0 24 24" aria-hidden="true">{icon}</svg>""";
}
