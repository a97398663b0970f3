using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Browser.Channels;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Contacts;

public class ContactBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static ILocator Row(IPage page, string text) =>
        page.GetByTestId("contact-list").GetByRole(AriaRole.Row).Filter(new() { HasText = text });

    private async Task<(int WhatsAppContact, int EmailContact)> DuplicatesAsync()
    {
        var factory = fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var whatsApp = await db.AddChannelAsync("WhatsApp Contatos", ChannelType.WhatsApp);
        var email = await db.AddChannelAsync("E-mail Contatos", ChannelType.Email);
        var phoneContact = new Contact("Renata Lopes", TestData.Now);
        phoneContact.AddIdentity(whatsApp.Id, "5581999990000");
        var emailContact = new Contact("Renata L.", TestData.Now);
        emailContact.AddIdentity(email.Id, "renata@exemplo.com");
        db.Contacts.AddRange(phoneContact, emailContact);
        await db.SaveChangesAsync();
        return (phoneContact.Id, emailContact.Id);
    }

    [Fact]
    public async Task Contact_IsEdited_ThenMergedWithItsDuplicate()
    {
        var (keptId, removedId) = await DuplicatesAsync();
        var page = await fixture.SignedInPageAsync();
        await ChannelAdminBrowserTests.GoAsync(page, "/contacts");

        await page.GetByPlaceholder("Buscar contatos").FillAsync("Renata");
        // E-mail and phone come from the channel identities until someone types them.
        await Expect(Row(page, "Renata Lopes").GetByTestId("contact-phone")).ToHaveTextAsync("+5581999990000");
        await Expect(Row(page, "Renata L.").GetByTestId("contact-email")).ToHaveTextAsync("renata@exemplo.com");

        var dialog = page.GetByRole(AriaRole.Dialog);
        // A click that lands while the search's debounced re-render replaces the row's handlers is dropped by Blazor
        // (the event targets a handler id that no longer exists), so click again until the dialog is there.
        for (var attempt = 0; attempt < 3 && !await dialog.IsVisibleAsync(); attempt++)
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Editar Renata Lopes" }).ClickAsync();
            try
            {
                await dialog.GetByLabel("Telefone").WaitForAsync(new() { Timeout = 5_000 });
            }
            catch (TimeoutException)
            {
            }
        }

        // The name field takes the focus when the dialog's first render reaches the browser. Under load that can land
        // in the middle of a fill and move the typed text into the name (CI, session 10), or not at all within 15 s
        // (CI, session 11), so fill until both fields hold what a user sees they typed.
        for (var attempt = 1; ; attempt++)
        {
            await dialog.GetByLabel("Telefone").FillAsync("abc");
            if (await dialog.GetByLabel("Nome").InputValueAsync() == "Renata Lopes"
                && await dialog.GetByLabel("Telefone").InputValueAsync() == "abc")
            {
                break;
            }

            Assert.True(attempt < 3, "the phone could not be typed: the focus kept moving to the name");
            await dialog.GetByLabel("Nome").FillAsync("Renata Lopes");
        }

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();
        await Expect(dialog.GetByText("Informe um telefone válido, como +55 11 91234-5678.")).ToBeVisibleAsync();
        await dialog.GetByLabel("Telefone").FillAsync("+55 81 99999-0000");
        await Expect(dialog.GetByText("Informe um telefone válido, como +55 11 91234-5678.")).ToHaveCountAsync(0);
        await dialog.GetByLabel("Nome").FillAsync("Renata Lopes Silva");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();
        await Expect(page.GetByText("Contato salvo.")).ToBeVisibleAsync();
        await Expect(Row(page, "Renata Lopes Silva").GetByTestId("contact-phone")).ToHaveTextAsync("+55 81 99999-0000");

        await page.GetByRole(AriaRole.Button, new() { Name = "Mesclar Renata Lopes Silva" }).ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        // The search box has the focus, and its (empty) suggestions must not cover the dialog's buttons.
        await Expect(page.GetByRole(AriaRole.Option)).ToHaveCountAsync(0);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Mesclar" }).ClickAsync();
        await Expect(dialog.GetByText("Escolha o contato duplicado.")).ToBeVisibleAsync();
        await dialog.GetByLabel("Contato duplicado").FillAsync("renata@");
        await page.GetByRole(AriaRole.Option, new() { Name = "Renata L. (renata@exemplo.com)" }).ClickAsync();
        await Expect(dialog.GetByText("Escolha o contato duplicado.")).ToHaveCountAsync(0);
        // The suggestions close after the choice; until they have, they cover the dialog's buttons.
        await Expect(page.GetByRole(AriaRole.Option)).ToHaveCountAsync(0);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Mesclar" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Dialog).Filter(new() { HasText = "Não é possível desfazer" });
        await Expect(confirm).ToContainTextAsync("Mesclar Renata L. em Renata Lopes Silva?");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Mesclar" }).ClickAsync();

        await Expect(page.GetByText("Contatos mesclados.")).ToBeVisibleAsync();
        await Expect(Row(page, "Renata")).ToHaveCountAsync(1);
        await Expect(Row(page, "Renata Lopes Silva").GetByTestId("contact-email")).ToHaveTextAsync("renata@exemplo.com");

        var factory = fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        Assert.False(await db.Contacts.AnyAsync(c => c.Id == removedId));
        Assert.Equal(2, await db.ContactIdentities.CountAsync(i => i.ContactId == keptId));
    }
}
