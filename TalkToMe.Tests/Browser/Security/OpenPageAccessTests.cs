using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Agents;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Security;

/// <summary>
/// The app with a periodic re-check far in the future (10 min), so what these tests see comes from the check before
/// every action and from the Agentes page's own signal, never from the timer (CircuitRevalidationTests covers that).
/// </summary>
public sealed class LongRevalidationFixture : BrowserFixture
{
    protected override IDictionary<string, string?>? AppSettings => new Dictionary<string, string?>
    {
        ["TalkToMe:Auth:RevalidationInterval"] = "00:10:00",
    };
}

/// <summary>The probe's finding: a deactivated agent could still reply from the tab they had open.</summary>
public sealed class OpenPageAccessTests(LongRevalidationFixture fixture) : IClassFixture<LongRevalidationFixture>
{
    private IDbContextFactory<TalkToMeDbContext> Factory => fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();

    [Fact]
    public async Task DeactivatedAgent_ReplyFromTheOpenTab_IsRefused_AndThePageGoesToSignIn()
    {
        var agent = await fixture.App.CreateUserAsync("deactivated.agent@talktome.local", "Senha-Agente-123", Roles.Agent, "Agente Desativado");
        int conversationId;
        await using (var db = await Factory.CreateDbContextAsync())
        {
            conversationId = await db.Conversations
                .Where(c => c.Channel.Type == ChannelType.Website && c.Status == ConversationStatus.Open)
                .Select(c => c.Id).FirstAsync();
        }

        var page = await fixture.SignedInPageAsync("deactivated.agent@talktome.local", "Senha-Agente-123");
        await page.GotoAsync($"/conversations/{conversationId}");
        await Expect(page.Locator("[data-interactive=true]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var reply = page.GetByLabel("Responder");
        await reply.FillAsync("Resposta depois de desativado");
        // Focused now, while the page is surely there: any activity of the page after the deactivation below (a render
        // acknowledgement, the availability heartbeat) is refused and sends it to sign-in, possibly before the key press.
        await reply.FocusAsync();

        // Deactivated as another server or a script would do it: no signal reaches this page, and its timer is 10 min
        // away. Only the check before the action stands between the click and the customer.
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var user = (await users.FindByIdAsync(agent.Id))!;
            user.IsDeactivated = true;
            await users.UpdateAsync(user);
            await users.UpdateSecurityStampAsync(user);
        }

        // The check may reuse an answer that is a quarter of a second old (UserAccessGate.ReuseAnswerFor): a human's
        // next action is later than that.
        await Task.Delay(UserAccessGate.ReuseAnswerFor * 2);

        // The keyboard, not the locator: the refused key press signs the page out and navigates away mid-press, and a
        // locator's press would retry on the sign-in page.
        try
        {
            await page.Keyboard.PressAsync("Enter");
        }
        catch (PlaywrightException)
        {
            // The page was already on its way to sign-in (any activity after the deactivation is refused), so the key
            // press found no page: what matters below is where it ended and that no reply was stored.
        }

        // Polled, not WaitForURL: the sign-out goes through /account/signed-out, and a redirect chain can abort the
        // navigation WaitForURL is watching.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login\\?error=signedout"), new() { Timeout = 30_000 });
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Sua sessão foi encerrada");
        await using (var db = await Factory.CreateDbContextAsync())
        {
            Assert.Equal(0, await db.Messages.CountAsync(m => m.Content == "Resposta depois de desativado"));
        }

        // The stale sign-in cookie was ended too: the inbox asks for a sign-in, and the deactivated account gets none.
        await page.GotoAsync("/");
        await page.WaitForURLAsync("**/account/login**", new() { WaitUntil = WaitUntilState.Commit });
    }

    [Fact]
    public async Task DemotedAdmin_LosesTheOpenAdminPageAtOnce_AndItsActions()
    {
        var demoted = await fixture.App.CreateUserAsync("demoted.admin@talktome.local", "Senha-Admin-123", Roles.Admin, "Admin Rebaixado");
        var page = await fixture.SignedInPageAsync("demoted.admin@talktome.local", "Senha-Admin-123");
        await page.GotoAsync("/labels");
        await BrowserFixture.WaitForCircuitAsync(page);

        // The main admin makes them an agent on the Agentes page (its service, as the page calls it).
        var admin = await AdminPrincipalAsync();
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var errors = await scope.ServiceProvider.GetRequiredService<AgentAdminService>()
            .UpdateAsync(admin, demoted.Id, new AgentEdit("Admin Rebaixado", "demoted.admin@talktome.local", Roles.Agent));
        Assert.Empty(errors);

        // Without a click: the open page is signed out and says why.
        // Polled, not WaitForURL: the redirect chain through /account/signed-out can abort the navigation it watches.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login\\?error=signedout"), new() { Timeout = 30_000 });
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Sua sessão foi encerrada");

        // Signed in again, they are an agent: the admin pages are closed to them.
        await page.GetByLabel("E-mail").FillAsync("demoted.admin@talktome.local");
        await page.GetByLabel("Senha").FillAsync("Senha-Admin-123");
        await page.GetByRole(AriaRole.Button, new() { Name = "Entrar" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });
        await page.GotoAsync("/labels");
        await page.WaitForURLAsync("**/account/denied**", new() { WaitUntil = WaitUntilState.Commit });
    }

    private async Task<ClaimsPrincipal> AdminPrincipalAsync()
    {
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var principals = scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>();
        return await principals.CreateAsync((await users.FindByEmailAsync(TestApp.AdminEmail))!);
    }
}
