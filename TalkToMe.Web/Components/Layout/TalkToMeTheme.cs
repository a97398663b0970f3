using MudBlazor;

namespace TalkToMe.Web.Components.Layout;

/// <summary>TalkToMe's Material theme: indigo on light grey by day, the same hues lifted for contrast at night.</summary>
public static class TalkToMeTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            Secondary = "#00897b",
            AppbarBackground = "#283593",
            Background = "#f6f7fb",
            DrawerBackground = "#ffffff",
            // Darker than Material's default grey so secondary text keeps a 4.5:1 contrast on white and on the background.
            TextSecondary = "rgba(0,0,0,0.68)",
            ActionDefault = "rgba(0,0,0,0.62)",
            // Material's #f44336 is 3.4:1 on the background; this red reads at 5:1 as text and outlines.
            Error = "#c62828",
            // Status colours dark enough for text and chips on white (Material's defaults are 2-3:1).
            Success = "#2e7d32",
            Warning = "#9a5b00",
            Info = "#1565c0",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9eff",
            // Dark ink on the light indigo and teal: white on them is under 3:1.
            PrimaryContrastText = "#10163a",
            Secondary = "#4db6ac",
            SecondaryContrastText = "#0b2623",
            AppbarBackground = "#1a1f3a",
            Background = "#15171e",
            Surface = "#1e2029",
            DrawerBackground = "#1a1c24",
            TextSecondary = "rgba(255,255,255,0.72)",
            Error = "#ff8a80",
            Success = "#81c784",
            Warning = "#ffb74d",
            Info = "#64b5f6",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Roboto", "Segoe UI", "system-ui", "sans-serif"] },
            // Sentence case, as Chatwoot and Intercom write their buttons: "Enviar", not "ENVIAR".
            Button = new ButtonTypography { TextTransform = "none" },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px", AppbarHeight = "56px" },
    };
}
