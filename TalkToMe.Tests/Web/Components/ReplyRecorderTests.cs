using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Core.Media;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Inbox;

namespace TalkToMe.Tests.Web.Components;

/// <summary>
/// The reply box's voice note (issue 14): where the microphone button is offered, what the agent reads when the browser
/// refuses the microphone, and a recording (as the browser hands it to the file input) stored and sent as an Ogg voice note.
/// The microphone itself is recorded in the browser test (VoiceNoteBrowserTests).
/// </summary>
public sealed class ReplyRecorderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ttm-reply-voice-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<(IRenderedComponent<ReplyBox> Cut, int ConversationId)> OpenAsync(ComponentTestContext context, ChannelType type,
        ChannelType? shownAs = null) => context.OpenReplyBoxAsync(_folder, type, "Pode mandar um áudio?", shownAs);

    [Fact]
    public async Task MicrophoneButton_NamedInPortuguese_AndGoneOnAPrivateNote()
    {
        await using var context = new ComponentTestContext();
        var (cut, _) = await OpenAsync(context, ChannelType.WhatsApp);

        Assert.Equal("Gravar áudio", cut.Find("[data-testid=record-button]").GetAttribute("aria-label"));

        cut.Find("#reply-tab-note").Click();
        Assert.Empty(cut.FindAll("[data-testid=record-button]"));
        cut.Find("#reply-tab-reply").Click();
        Assert.Single(cut.FindAll("[data-testid=record-button]"));
    }

    [Fact]
    public async Task MicrophoneButton_NamedInEnglish()
    {
        await using var context = new ComponentTestContext(ComponentTestContext.English);
        var (cut, _) = await OpenAsync(context, ChannelType.Telegram);

        Assert.Equal("Record voice note", cut.Find("[data-testid=record-button]").GetAttribute("aria-label"));
    }

    [Fact]
    public async Task TheChatbotChannel_OffersNoMicrophone()
    {
        await using var context = new ComponentTestContext();
        var (cut, _) = await OpenAsync(context, ChannelType.Api, shownAs: ChannelType.Chatbot);

        Assert.Empty(cut.FindAll("[data-testid=record-button]"));
    }

    [Fact]
    public async Task MicrophoneDenied_TheAgentReadsWhy()
    {
        await using var context = new ComponentTestContext();
        context.JSInterop.Setup<string>("ttmRecorder.start", _ => true).SetResult("denied");
        var (cut, _) = await OpenAsync(context, ChannelType.Api);

        cut.Find("[data-testid=record-button]").Click();

        cut.WaitForAssertion(() => Assert.Contains("não deu acesso ao microfone", cut.Find("[role=alert]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=voice-recording]"));
    }

    [Fact]
    public async Task Recording_ShowsTheTimerStopAndCancel_SendWaits_CancelLeavesNoFile()
    {
        await using var context = new ComponentTestContext();
        context.JSInterop.Setup<string>("ttmRecorder.start", _ => true).SetResult("recording");
        var (cut, _) = await OpenAsync(context, ChannelType.Api);

        cut.Find("[data-testid=record-button]").Click();

        cut.WaitForAssertion(() => Assert.Equal("0:00", cut.Find("[role=timer]").TextContent));
        Assert.Equal("Parar gravação e anexar", cut.Find("[data-testid=stop-recording]").GetAttribute("aria-label"));
        Assert.True(cut.Find("button.ttm-send").HasAttribute("disabled"));

        cut.Find("[data-testid=cancel-recording]").Click();
        Assert.Empty(cut.FindAll("[role=timer]"));
        Assert.Single(cut.FindAll("[data-testid=record-button]"));
        Assert.Empty(cut.FindAll("[data-testid=reply-file]"));
        Assert.Single(context.JSInterop.Invocations, i => i.Identifier == "ttmRecorder.cancel");
    }

    [Fact]
    public async Task RecordingReachesItsLimit_TheAgentIsToldItStoppedAndWasAttached()
    {
        await using var context = new ComponentTestContext();
        context.JSInterop.Setup<string>("ttmRecorder.start", _ => true).SetResult("recording");
        var (cut, _) = await OpenAsync(context, ChannelType.Api);
        cut.Find("[data-testid=record-button]").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[role=timer]")));

        // What recorder.js does at 15 minutes: it attaches the recording, then tells the component.
        var recorder = cut.FindComponent<ReplyRecorder>();
        cut.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromBinary(TestWebm.Recording(), "audio-2026-12-04-1530.webm", contentType: "audio/webm"));
        await recorder.InvokeAsync(recorder.Instance.RecordingReachedLimit);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=reply-file]")));
        Assert.Contains("A gravação parou em 15 minutos", cut.Find("[role=alert]").TextContent);
        Assert.Empty(cut.FindAll("[role=timer]"));
        Assert.False(cut.Find("button.ttm-send").HasAttribute("disabled"));
    }

    [Fact]
    public async Task ARecordedWebm_IsStoredAsOgg_AndSentAsAVoiceNote()
    {
        await using var context = new ComponentTestContext();
        var (cut, conversationId) = await OpenAsync(context, ChannelType.WhatsApp);

        // What recorder.js puts in the file input when the agent presses Parar.
        cut.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromBinary(TestWebm.Recording(), "audio-2026-12-04-1530.webm", contentType: "audio/webm"));
        cut.WaitForAssertion(() => Assert.Contains("audio-2026-12-04-1530.ogg", cut.Find("[data-testid=reply-file]").TextContent));

        await cut.Find("form[data-testid=reply-box]").SubmitAsync();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=reply-file]")));

        await using var db = context.Database.NewContext();
        var reply = await db.Messages.AsNoTracking().SingleAsync(m => m.ConversationId == conversationId && m.Direction == MessageDirection.Outgoing);
        var file = await db.Attachments.AsNoTracking().SingleAsync(a => a.MessageId == reply.Id);
        Assert.Equal(MediaKind.Voice, file.Kind);
        Assert.Equal("audio/ogg", file.ContentType);
        Assert.Equal("audio-2026-12-04-1530.ogg", file.FileName);
        await using var stored = (await context.GetService<IMediaStore>().OpenReadAsync(file.Sha256!, CancellationToken.None))!;
        using var copy = new MemoryStream();
        await stored.CopyToAsync(copy);
        Assert.StartsWith("OggS", System.Text.Encoding.ASCII.GetString(copy.ToArray(), 0, 4));
    }

    [Fact]
    public async Task AWebmThatIsNotOpus_IsRefusedByName()
    {
        await using var context = new ComponentTestContext();
        var (cut, _) = await OpenAsync(context, ChannelType.Telegram);

        cut.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromBinary(TestWebm.Webm(true, "A_VORBIS", TestWebm.Cluster(0)), "musica.webm", contentType: "audio/webm"));

        cut.WaitForAssertion(() => Assert.Contains("“musica.webm” não é um áudio WebM/Opus", cut.Find("[role=alert]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=reply-file]"));
    }
}
