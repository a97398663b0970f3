namespace TalkToMe.Web.Endpoints;

/// <summary>Where a "go back to" parameter may send the browser: only a path on this site, anything else goes to "/".</summary>
public static class LocalUrls
{
    /// <summary>
    /// The same rule as <see cref="Microsoft.AspNetCore.Http.Results.LocalRedirect(string, bool, bool)"/> (which throws,
    /// answering 500, on anything else): starts with one "/" not followed by "/" or "\", and no control characters.
    /// </summary>
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);

    public static string OrRoot(string? url) => IsLocal(url) ? url! : "/";
}
