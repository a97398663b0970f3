using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Playwright;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Media;

/// <summary>An agent's browser on the real app: a customer's photo and PDF arrive through the API channel and show in the thread.</summary>
public sealed class MediaBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    /// <summary>A real 8×8 PNG: the browser must decode it, not just fetch it.</summary>
    private const string Png = "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGO44GCAFTEMLQkAaplQARqfGIQAAAAASUVORK5CYII=";

    private async Task<int> PostAsync(int channelId, string token, object body)
    {
        using var client = fixture.App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await client.PostAsJsonAsync($"api/v1/channels/{channelId}/messages", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TalkToMe.Web.Endpoints.ApiChannelEndpoints.ReceivedResponse>())!.ConversationId;
    }

    [Fact]
    public async Task CustomerPhotoAndPdf_ShowLiveInTheThread_ThePhotoOpensLargeAndClosesWithEscape()
    {
        var (channelId, token) = await ApiChannels.CreateAsync(fixture.App.Services, "API Mídia");
        var conversationId = await PostAsync(channelId, token, new { contact = new { id = "midia-browser", name = "Paula Mendes" }, text = "Oi, vou mandar as fotos" });
        var page = await fixture.SignedInPageAsync();
        await page.GotoAsync($"/conversations/{conversationId}");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("message-text").Last).ToHaveTextAsync("Oi, vou mandar as fotos");

        // Arrive while the agent looks: the thread adds them live.
        await PostAsync(channelId, token, new
        {
            contact = new { id = "midia-browser" },
            text = "A caixa chegou amassada",
            attachments = new[] { new { data = Png, contentType = "image/png" } },
        });
        await PostAsync(channelId, token, new
        {
            contact = new { id = "midia-browser" },
            attachments = new[] { new { data = Convert.ToBase64String("%PDF-1.4 nota"u8.ToArray()), contentType = "application/pdf", fileName = "nota-fiscal.pdf" } },
        });

        var photo = page.GetByTestId("attachment-image").Locator("img");
        await Expect(photo).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("img => img.complete && img.naturalWidth === 8", await photo.ElementHandleAsync());
        await Expect(page.GetByTestId("message-text").Last).ToHaveTextAsync("A caixa chegou amassada");
        var file = page.GetByTestId("attachment-file");
        await Expect(file).ToContainTextAsync("nota-fiscal.pdf");
        await Expect(file).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex(@"^/media/\d+$"));
        // The list's preview names the file, as Chatwoot and WhatsApp do.
        await Expect(page.Locator($"[data-conversation-id='{conversationId}']")).ToContainTextAsync("nota-fiscal.pdf");

        await Accessibility.AxeScanTests.AssertNoSeriousViolationsAsync(page, "a thread with a photo and a PDF at 1280 px");

        await page.GetByRole(AriaRole.Button, new() { Name = "Ampliar foto" }).ClickAsync();
        var lightbox = page.GetByRole(AriaRole.Dialog, new() { Name = "foto" });
        await Expect(lightbox).ToBeVisibleAsync();
        // Focus moves into the photo once the browser has shown it (a round trip later): Escape is pressed where it is.
        await Expect(lightbox).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(lightbox).ToHaveCountAsync(0);

        // On a phone the thread (with its media) still passes axe.
        await page.SetViewportSizeAsync(390, 844);
        await Expect(photo).ToBeVisibleAsync();
        await Accessibility.AxeScanTests.AssertNoSeriousViolationsAsync(page, "a thread with a photo and a PDF at 390 px");
    }

    /// <summary>
    /// The agent attaches a photo with the button and pastes a PDF into the text (as a screenshot would be pasted), sees both
    /// as chips with the photo's preview, takes one out and puts it back, writes a caption and sends: the API channel's
    /// webhook receives the caption and both files as /media addresses, and the thread shows them as sent.
    /// </summary>
    [Fact]
    public async Task AgentSendsAPhotoAndAPdfFromTheReplyBox_TheWebhookGetsBoth_AndTheThreadShowsThem()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        var (channelId, token) = await ApiChannels.CreateAsync(fixture.App.Services, "API Envio de arquivos", webhookUrl: webhook.Url);
        var conversationId = await PostAsync(channelId, token, new { contact = new { id = "envio-arquivos", name = "Rita Prado" }, text = "Pode mandar o boleto?" });
        var page = await fixture.SignedInPageAsync();
        await page.GotoAsync($"/conversations/{conversationId}");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("message-text").Last).ToHaveTextAsync("Pode mandar o boleto?");

        var attach = page.GetByRole(AriaRole.Button, new() { Name = "Anexar arquivos" });
        await Expect(attach).ToBeVisibleAsync();
        var chooser = await page.RunAndWaitForFileChooserAsync(() => attach.ClickAsync());
        await chooser.SetFilesAsync(new FilePayload { Name = "foto-produto.png", MimeType = "image/png", Buffer = Convert.FromBase64String(Png) });
        var chips = page.GetByTestId("reply-file");
        await Expect(chips).ToHaveCountAsync(1);
        await Expect(chips.First.Locator("img")).ToBeVisibleAsync();

        var pdf = Convert.ToBase64String("%PDF-1.4 boleto de teste"u8.ToArray());
        await PastePdfAsync(page, pdf);
        await Expect(chips).ToHaveCountAsync(2);
        await Expect(chips.Nth(1)).ToContainTextAsync("boleto.pdf");

        await page.GetByRole(AriaRole.Button, new() { Name = "Remover boleto.pdf" }).ClickAsync();
        await Expect(chips).ToHaveCountAsync(1);
        await PastePdfAsync(page, pdf);
        await Expect(chips).ToHaveCountAsync(2);
        await Accessibility.AxeScanTests.AssertNoSeriousViolationsAsync(page, "the reply box with two files chosen");

        await page.Locator("#reply-text").FillAsync("Segue o boleto e a foto");
        await page.GetByRole(AriaRole.Button, new() { Name = "Enviar" }).ClickAsync();
        await Expect(chips).ToHaveCountAsync(0);

        var sent = (await webhook.WaitForAsync(1))[0];
        using var json = System.Text.Json.JsonDocument.Parse(sent.Body);
        var body = json.RootElement.GetRawText();
        Assert.Contains("Segue o boleto e a foto", body);
        Assert.Contains("foto-produto.png", body);
        Assert.Contains("boleto.pdf", body);
        Assert.Matches(@"/media/\d+", body);

        var outgoing = page.GetByTestId("message").Last;
        await Expect(outgoing.GetByTestId("attachment-image").Locator("img")).ToBeVisibleAsync();
        await Expect(outgoing.GetByTestId("attachment-file")).ToContainTextAsync("boleto.pdf");
        await Expect(outgoing.GetByTestId("message-text")).ToHaveTextAsync("Segue o boleto e a foto");
    }

    /// <summary>What the browser does when a file is pasted into the reply's text: a paste event carrying it.</summary>
    private static Task PastePdfAsync(IPage page, string base64) => page.EvaluateAsync("""
        b64 => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], "boleto.pdf", { type: "application/pdf" }));
            document.getElementById("reply-text").dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }
        """, base64);
}
