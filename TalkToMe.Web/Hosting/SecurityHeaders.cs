namespace TalkToMe.Web.Hosting;

/// <summary>
/// The browser-side defences every response carries. The policy was found by loading every page in Chromium with it and
/// watching for violations (TalkToMe.Tests/Browser/Security): Blazor Server and MudBlazor need no eval and no inline
/// script; MudBlazor sets style attributes from C#, hence style-src 'unsafe-inline' (styles cannot run code). img-src takes
/// blob: because Blazor scales an image the agent attaches down in the browser (RequestImageFileAsync draws a blob: URL)
/// for the reply box's preview; only the page's own scripts can make a blob: URL.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>The Content-Security-Policy, with who may frame the page (decided per page by UseWidgetFraming).</summary>
    public static string ContentSecurityPolicy(string frameAncestors) =>
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        + "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        + $"frame-ancestors {frameAncestors}";

    /// <summary>
    /// Only the microphone is allowed, and only to this app's own pages: the reply box records voice notes (issue 14). Nothing
    /// here needs a camera, a location or payments, and no page may ask for them; a site that frames the widget gets no
    /// microphone either, since (self) leaves other origins out.
    /// </summary>
    public const string PermissionsPolicy =
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), fullscreen=(self), geolocation=(), "
        + "gyroscope=(), magnetometer=(), microphone=(self), midi=(), payment=(), publickey-credentials-get=(), usb=(), "
        + "screen-wake-lock=(), xr-spatial-tracking=()";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers["Permissions-Policy"] = PermissionsPolicy;
        return next(context);
    });
}
