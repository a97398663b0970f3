using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using TalkToMe.Core.Media;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Media;

/// <summary>A browser whose microphone is Chromium's fake device (a beep), allowed without a prompt; only this class uses it.</summary>
public sealed class FakeMicrophoneBrowserFixture : BrowserFixture
{
    protected override string[] ChromiumArgs => ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"];
}

/// <summary>
/// An agent records a voice note in the reply box and sends it (issue 14): Chromium records WebM/Opus from its fake
/// microphone, and the API channel's receiver gets an Ogg Opus file marked as a voice note.
/// </summary>
public sealed class VoiceNoteBrowserTests(FakeMicrophoneBrowserFixture fixture) : IClassFixture<FakeMicrophoneBrowserFixture>
{
    private async Task<int> PostAsync(int channelId, string token, object body)
    {
        using var client = fixture.App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await client.PostAsJsonAsync($"api/v1/channels/{channelId}/messages", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TalkToMe.Web.Endpoints.ApiChannelEndpoints.ReceivedResponse>())!.ConversationId;
    }

    private async Task<IPage> OpenConversationAsync(string contactId, string text, string webhookUrl = "")
    {
        var (channelId, token) = await ApiChannels.CreateAsync(fixture.App.Services, $"API Voz {contactId}", webhookUrl: webhookUrl);
        var conversationId = await PostAsync(channelId, token, new { contact = new { id = contactId, name = "Rita Prado" }, text });
        var page = await fixture.SignedInPageAsync();
        await page.Context.GrantPermissionsAsync(["microphone"], new() { Origin = fixture.App.BaseUrl });
        await page.GotoAsync($"/conversations/{conversationId}");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("message-text").Last).ToHaveTextAsync(text);
        return page;
    }

    [Fact]
    public async Task AgentRecordsAVoiceNoteAndSendsIt_TheWebhookGetsAnOggVoiceNote()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        var page = await OpenConversationAsync("voz-envio", "Pode me mandar um áudio?", webhook.Url);
        var reply = page.GetByTestId("reply-box");

        await reply.GetByRole(AriaRole.Button, new() { Name = "Gravar áudio" }).ClickAsync();
        var timer = reply.GetByRole(AriaRole.Timer);
        // About two seconds of speech: the clock the agent sees says so.
        await Expect(timer).ToHaveTextAsync("0:02");
        await Accessibility.AxeScanTests.AssertNoSeriousViolationsAsync(page, "the reply box while recording a voice note");

        await reply.GetByRole(AriaRole.Button, new() { Name = "Parar" }).ClickAsync();
        var chip = page.GetByTestId("reply-file");
        await Expect(chip).ToHaveCountAsync(1);
        await Expect(chip).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"audio-\d{4}-\d{2}-\d{2}-\d{4}\.ogg"));
        await Expect(timer).ToHaveCountAsync(0);

        await reply.GetByRole(AriaRole.Button, new() { Name = "Enviar" }).ClickAsync();
        await Expect(chip).ToHaveCountAsync(0);

        var sent = (await webhook.WaitForAsync(1))[0];
        using var json = JsonDocument.Parse(sent.Body);
        var attachment = json.RootElement.GetProperty("message").GetProperty("attachments").EnumerateArray().Single();
        Assert.Equal("Voice", attachment.GetProperty("kind").GetString());
        Assert.Equal("audio/ogg", attachment.GetProperty("contentType").GetString());

        // The file the receiver downloads is Ogg Opus.
        var url = new Uri(attachment.GetProperty("url").GetString()!, UriKind.RelativeOrAbsolute);
        var download = await page.Context.APIRequest.GetAsync(url.IsAbsoluteUri ? url.PathAndQuery : url.ToString());
        Assert.Equal(200, download.Status);
        var ogg = await download.BodyAsync();
        Assert.StartsWith("OggS", Encoding.ASCII.GetString(ogg, 0, 4));
        Assert.Contains("OpusHead", Encoding.ASCII.GetString(ogg));
        Assert.Contains("OpusTags", Encoding.ASCII.GetString(ogg));
    }

    [Fact]
    public async Task AgentCancelsARecording_NoFileIsAttached()
    {
        var page = await OpenConversationAsync("voz-cancelar", "Deixa para lá o áudio");
        var reply = page.GetByTestId("reply-box");

        await reply.GetByRole(AriaRole.Button, new() { Name = "Gravar áudio" }).ClickAsync();
        await Expect(reply.GetByRole(AriaRole.Timer)).ToHaveTextAsync("0:01");
        await reply.GetByRole(AriaRole.Button, new() { Name = "Cancelar gravação" }).ClickAsync();

        await Expect(reply.GetByRole(AriaRole.Button, new() { Name = "Gravar áudio" })).ToBeVisibleAsync();
        await Expect(reply.GetByRole(AriaRole.Timer)).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("reply-file")).ToHaveCountAsync(0);
    }

    /// <summary>What Chromium's MediaRecorder really writes (unknown sizes, its own OpusHead) goes through WebmOpusToOgg whole.</summary>
    [Fact]
    public async Task ARealChromiumRecording_BecomesValidOggOpus()
    {
        var page = await fixture.NewPageAsync();
        await page.Context.GrantPermissionsAsync(["microphone"], new() { Origin = fixture.App.BaseUrl });
        await page.GotoAsync("/account/login");
        var base64 = await page.EvaluateAsync<string>("""
            async () => {
                const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
                const recorder = new MediaRecorder(stream, { mimeType: "audio/webm;codecs=opus", audioBitsPerSecond: 32000 });
                const chunks = [];
                recorder.ondataavailable = e => chunks.push(e.data);
                const stopped = new Promise(r => recorder.onstop = r);
                recorder.start(250);
                await new Promise(r => setTimeout(r, 1500));
                recorder.stop();
                await stopped;
                stream.getTracks().forEach(t => t.stop());
                const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
                let text = "";
                for (const b of bytes) text += String.fromCharCode(b);
                return btoa(text);
            }
            """);
        var webm = Convert.FromBase64String(base64);
        Assert.Equal("video/webm", MediaSniffer.Sniff(webm));

        using var output = new MemoryStream();
        await WebmOpusToOgg.ConvertAsync(new MemoryStream(webm), output);
        var ogg = output.ToArray();

        // Every page: the capture pattern, a CRC that checks out, granule positions that only grow, EOS on the last.
        var at = 0;
        var granules = new List<long>();
        byte lastFlags = 0;
        while (at < ogg.Length)
        {
            Assert.Equal("OggS", Encoding.ASCII.GetString(ogg, at, 4));
            var count = ogg[at + 26];
            var length = 27 + count + ogg.AsSpan(at + 27, count).ToArray().Sum(b => b);
            var pageBytes = ogg.AsSpan(at, length);
            Assert.Equal(System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(pageBytes[22..]), OggCrc.Compute(pageBytes));
            granules.Add(System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(pageBytes[6..]));
            lastFlags = pageBytes[5];
            at += length;
        }

        Assert.Equal("OpusHead", Encoding.ASCII.GetString(ogg, 28, 8));
        Assert.Equal(0x04, lastFlags);
        Assert.Equal(granules.Order(), granules);
        var preSkip = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(ogg.AsSpan(28 + 10));
        // 1.5 s recorded (give or take the recorder's start and its last frame).
        Assert.InRange((granules[^1] - preSkip) / 48000.0, 1.0, 3.0);

        // And a real decoder takes it: Chromium decodes the Ogg Opus file to about as long as was recorded.
        var decoded = await page.EvaluateAsync<double>("""
            async b64 => {
                const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
                const context = new OfflineAudioContext(1, 48000, 48000);
                const audio = await context.decodeAudioData(bytes.buffer);
                return audio.duration;
            }
            """, Convert.ToBase64String(ogg));
        Assert.InRange(decoded, 1.0, 3.0);
    }
}
