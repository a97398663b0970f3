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
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Roboto", "Segoe UI", "system-ui", "sans-serif"] },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px", AppbarHeight = "56px" },
    };
}
