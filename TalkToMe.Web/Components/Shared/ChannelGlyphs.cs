using System.Text;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using TalkToMe.Core.Channels;

namespace TalkToMe.Web.Components.Shared;

/// <summary>
/// The channel-type icons of the inbox list as one stylesheet: a CSS variable per type holding the icon as an SVG data URL,
/// drawn by the row's <c>::before</c> as a mask in the text colour. A live list inserts a row for most new messages, and an
/// inline SVG per row was the top script function in a profile of a live page (parsing its markup); a class costs no parsing.
/// </summary>
public sealed class ChannelGlyphs : ComponentBase
{
    private static readonly string Css = BuildCss();

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        builder.OpenElement(0, "style");
        builder.AddContent(1, Css);
        builder.CloseElement();
    }

    private static string BuildCss()
    {
        var css = new StringBuilder();
        foreach (var type in Enum.GetValues<ChannelType>())
        {
            var svg = $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\">{ChannelTypeIcon.IconOf(type)}</svg>";
            css.Append(".ttm-channel-").Append(type.ToString().ToLowerInvariant())
                .Append("{--ttm-glyph:url(\"data:image/svg+xml,").Append(Uri.EscapeDataString(svg)).Append("\")}");
        }

        return css.ToString();
    }
}
