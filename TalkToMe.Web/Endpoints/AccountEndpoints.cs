using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using TalkToMe.Core.Agents;
using TalkToMe.Web.Agents;

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

        // A form post with the antiforgery token (the account menu renders it): another site cannot sign an agent out.
        account.MapPost("/logout", async (HttpContext context, IAntiforgery antiforgery, SignInManager<AppUser> signIn) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.BadRequest("The sign-out form is out of date: reload the page and sign out again.");
            }

            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login");
        });

        // An open page learned its sign-in is no longer valid (deactivated, role changed): end that sign-in and say why.
        // Only a sign-in the database no longer accepts is ended, so a link to this address cannot sign anyone out.
        account.MapGet("/signed-out", async (string? returnUrl, HttpContext context, SignInManager<AppUser> signIn,
            UserAccessCheck access) =>
        {
            var back = SafeReturnUrl(returnUrl);
            if (context.User.Identity?.IsAuthenticated == true)
            {
                if (await access.SignInStillValidAsync(context.User, context.RequestAborted))
                {
                    return Results.LocalRedirect(back);
                }

                await signIn.SignOutAsync();
            }

            return Results.LocalRedirect($"/account/login?error=signedout&returnUrl={Uri.EscapeDataString(back)}");
        }).AllowAnonymous();
    }

    private static string SafeReturnUrl(string? returnUrl) => LocalUrls.OrRoot(returnUrl);

    private static string LoginUrl(string error, string returnUrl, string? email) =>
        $"/account/login?error={error}&returnUrl={Uri.EscapeDataString(returnUrl)}&email={Uri.EscapeDataString(email ?? "")}";
}
