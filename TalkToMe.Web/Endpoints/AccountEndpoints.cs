using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using TalkToMe.Core.Agents;

namespace TalkToMe.Web.Endpoints;

/// <summary>Sign-in and sign-out are plain form posts: the cookie must be written by an HTTP response, not a circuit.</summary>
public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account");

        account.MapPost("/login", async (
            [FromForm] string? email,
            [FromForm] string? password,
            [FromForm] string? rememberMe,
            [FromForm] string? returnUrl,
            SignInManager<AppUser> signIn,
            UserManager<AppUser> users,
            ILoggerFactory loggers) =>
        {
            var back = SafeReturnUrl(returnUrl);
            if (string.IsNullOrWhiteSpace(email) || string.IsNullOrWhiteSpace(password))
            {
                return Results.LocalRedirect(LoginUrl("missing", back, email));
            }

            var user = await users.FindByEmailAsync(email.Trim());
            if (user is null)
            {
                return Results.LocalRedirect(LoginUrl("invalid", back, email));
            }

            if (user.IsDeactivated)
            {
                return Results.LocalRedirect(LoginUrl("deactivated", back, email));
            }

            var result = await signIn.PasswordSignInAsync(user, password, rememberMe == "on", lockoutOnFailure: true);
            if (result.Succeeded)
            {
                return Results.LocalRedirect(back);
            }

            var logger = loggers.CreateLogger("TalkToMe.Account");
            logger.LogWarning("Failed sign-in for user {UserId} (locked out: {LockedOut})", user.Id, result.IsLockedOut);
            return Results.LocalRedirect(LoginUrl(result.IsLockedOut ? "locked" : "invalid", back, email));
        }).AllowAnonymous();

        // After a password change the security stamp is new, so this browser's cookie would be refused within a minute;
        // a fresh cookie with the new stamp keeps the agent who changed it signed in (other browsers are still signed out).
        account.MapGet("/refresh-sign-in", async (string? returnUrl, HttpContext context, SignInManager<AppUser> signIn,
            UserManager<AppUser> users) =>
        {
            if (await users.GetUserAsync(context.User) is not { IsDeactivated: false } user)
            {
                return Results.LocalRedirect("/account/login");
            }

            await signIn.RefreshSignInAsync(user);
            return Results.LocalRedirect(SafeReturnUrl(returnUrl));
        }).RequireAuthorization();

        account.MapPost("/logout", async (SignInManager<AppUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login");
        });
    }

    private static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") && !returnUrl.StartsWith("/\\")
            ? returnUrl
            : "/";

    private static string LoginUrl(string error, string returnUrl, string? email) =>
        $"/account/login?error={error}&returnUrl={Uri.EscapeDataString(returnUrl)}&email={Uri.EscapeDataString(email ?? "")}";
}
