using Microsoft.AspNetCore.Localization;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Web.Endpoints;

public static class CultureEndpoints
{
    public static void MapCultureEndpoints(this IEndpointRouteBuilder app)
    {
        // A full page load re-renders everything in the chosen language, circuits included.
        app.MapGet("/culture/set", (string culture, string? redirectUri, HttpContext context) =>
        {
            if (!WebServices.Cultures.Contains(culture))
            {
                return Results.BadRequest($"Unsupported culture '{culture}'. Use one of: {string.Join(", ", WebServices.Cultures)}.");
            }

            context.Response.Cookies.Append(
                CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                new CookieOptions
                {
                    Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, HttpOnly = true, SameSite = SameSiteMode.Lax,
                    Secure = context.Request.IsHttps,
                });
            return Results.LocalRedirect(LocalUrls.OrRoot(redirectUri));
        }).AllowAnonymous();
    }
}
