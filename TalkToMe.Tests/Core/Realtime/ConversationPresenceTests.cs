using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Realtime;

/// <summary>"Who is here" on one node, and what it tells and hears from the others, on a fake clock.</summary>
public sealed class ConversationPresenceTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly ConversationPresence _presence;

    public ConversationPresenceTests() =>
        _presence = new ConversationPresence(_clock, Options.Create(new ConversationPresenceOptions()), NullLogger<ConversationPresence>.Instance);

    public void Dispose() => _presence.Dispose();

    private IReadOnlyList<string> Viewers(int conversationId) => _presence.Snapshot(conversationId).Viewers.Select(v => v.Name).ToList();

    private IReadOnlyList<string> Typists(int conversationId) =>
        _presence.Snapshot(conversationId).Typists.Select(t => $"{t.Name}{(t.IsNote ? " (nota)" : "")}{(t.IsContact ? " (cliente)" : "")}").ToList();

    [Fact]
    public void View_ShowsTheViewerUntilTheHandleIsDisposed_AndWakesOnlyThatConversationsWatchers()
    {
        var changes7 = 0;
        var changes8 = 0;
        using var watch7 = _presence.Watch(7, () => changes7++);
        using var watch8 = _presence.Watch(8, () => changes8++);

        var ana = _presence.View(7, "ana", "Ana Souza");
        var bruno = _presence.View(7, "bruno", "Bruno Lima");

        Assert.Equal(["Ana Souza", "Bruno Lima"], Viewers(7));
        Assert.Empty(Viewers(8));
        Assert.Equal(2, changes7);

        ana.Dispose();
        ana.Dispose();

        Assert.Equal(["Bruno Lima"], Viewers(7));
        Assert.Equal(3, changes7);
        Assert.Equal(0, changes8);
        bruno.Dispose();
        Assert.Empty(Viewers(7));
    }

    [Fact]
    public void View_TwoTabsOfOneAgent_OneClosingKeepsTheAgentViewing()
    {
        var first = _presence.View(7, "ana", "Ana Souza");
        using var second = _presence.View(7, "ana", "Ana Souza");

        first.Dispose();

        Assert.Equal(["Ana Souza"], Viewers(7));
    }

    [Fact]
    public void ViewerHere_StaysWithoutExpiring_AndIsRepeatedToTheOtherNodesEveryHeartbeat()
    {
        var told = new List<PresenceSignal>();
        using var relay = _presence.SubscribeHere(told.Add);
        using var ana = _presence.View(7, "ana", "Ana Souza");
        Assert.Equal([PresenceSignalKind.Viewing], told.Select(s => s.Kind));

        _clock.Advance(_presence.Options.ViewerExpiresAfter * 3);

        Assert.Equal(["Ana Souza"], Viewers(7));
        // One repetition per heartbeat, each naming the same page.
        Assert.True(told.Count >= 1 + 9, $"{told.Count} signals");
        Assert.All(told, s => Assert.Equal((PresenceSignalKind.Viewing, 7, "ana", told[0].Key), (s.Kind, s.ConversationId, s.UserId, s.Key)));
    }

    [Fact]
    public void ViewerFromAnotherNode_StaysWhileRepeated_AndExpiresWhenItsNodeFallsSilent()
    {
        var changes = 0;
        using var watch = _presence.Watch(7, () => changes++);
        var viewing = new PresenceSignal(PresenceSignalKind.Viewing, 7, "page-on-node-b", "bruno", "Bruno Lima");

        _presence.ApplyFromOtherNode(viewing);
        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(_presence.Options.ViewerHeartbeat);
            _presence.ApplyFromOtherNode(viewing);
        }

        Assert.Equal(["Bruno Lima"], Viewers(7));
        Assert.Equal(1, changes);

        _clock.Advance(_presence.Options.ViewerExpiresAfter - TimeSpan.FromSeconds(1));
        Assert.Equal(["Bruno Lima"], Viewers(7));
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(Viewers(7));
        Assert.Equal(2, changes);
    }

    [Fact]
    public void ChangesFromOtherNodes_AreNotToldBackToThem()
    {
        var told = new List<PresenceSignal>();
        using var relay = _presence.SubscribeHere(told.Add);

        _presence.ApplyFromOtherNode(new PresenceSignal(PresenceSignalKind.Viewing, 7, "page-on-node-b", "bruno", "Bruno Lima"));
        _presence.ApplyFromOtherNode(new PresenceSignal(PresenceSignalKind.Typing, 7, ConversationPresence.AgentKey("bruno", "Bruno Lima"), "bruno", "Bruno Lima"));
        _clock.Advance(_presence.Options.ViewerHeartbeat);

        Assert.Empty(told);
        Assert.Equal(["Bruno Lima"], Viewers(7));
    }

    [Fact]
    public void Typing_ExpiresAfterTheTimeout_UnlessSignalledAgain()
    {
        var changes = 0;
        using var watch = _presence.Watch(7, () => changes++);

        _presence.Typing(7, "ana", "Ana Souza");
        _clock.Advance(_presence.Options.TypingSignalEvery);
        _presence.Typing(7, "ana", "Ana Souza");
        _clock.Advance(_presence.Options.TypingExpiresAfter - TimeSpan.FromMilliseconds(1));

        Assert.Equal(["Ana Souza"], Typists(7));
        Assert.Equal(1, changes);

        _clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Empty(Typists(7));
        Assert.Equal(2, changes);
    }

    [Fact]
    public void StoppedTyping_ClearsAtOnce_AndANoteShowsAsANote()
    {
        _presence.Typing(7, "ana", "Ana Souza", isNote: true);
        _presence.Typing(7, null, "Maria", isContact: true);
        Assert.Equal(["Ana Souza (nota)", "Maria (cliente)"], Typists(7));

        _presence.Typing(7, "ana", "Ana Souza", isNote: false);
        Assert.Equal(["Ana Souza", "Maria (cliente)"], Typists(7));

        _presence.StoppedTyping(7, "ana", "Ana Souza");
        Assert.Equal(["Maria (cliente)"], Typists(7));
        _presence.StoppedTyping(7, null, "Maria", isContact: true);
        Assert.Empty(Typists(7));
    }

    [Fact]
    public void AWatcherThatThrows_DoesNotStopTheOthers()
    {
        var heard = 0;
        using var failing = _presence.Watch(7, () => throw new InvalidOperationException("boom"));
        using var working = _presence.Watch(7, () => heard++);

        _presence.Typing(7, "ana", "Ana Souza");

        Assert.Equal(1, heard);
    }
}

public sealed class TypingThrottleTests
{
    private readonly FakeTimeProvider _clock = new(TestData.Now);

    [Fact]
    public void ShouldSignal_FirstKeystrokeAtOnce_ThenAtMostOncePerInterval()
    {
        var throttle = new TypingThrottle(_clock, TimeSpan.FromSeconds(2.5));
        var signals = 0;

        // Ten keystrokes a second for ten seconds.
        for (var i = 0; i < 100; i++)
        {
            signals += throttle.ShouldSignal() ? 1 : 0;
            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(4, signals);
    }

    [Fact]
    public void ShouldSignal_SwitchingBetweenReplyAndNote_SignalsAtOnce()
    {
        var throttle = new TypingThrottle(_clock, TimeSpan.FromSeconds(2.5));

        Assert.True(throttle.ShouldSignal(isNote: false));
        Assert.False(throttle.ShouldSignal(isNote: false));
        Assert.True(throttle.ShouldSignal(isNote: true));
        Assert.False(throttle.ShouldSignal(isNote: true));
    }

    [Fact]
    public void Stop_IsTrueOnlyAfterASignal_AndTheNextKeystrokeSignalsAtOnce()
    {
        var throttle = new TypingThrottle(_clock, TimeSpan.FromSeconds(2.5));
        Assert.False(throttle.Stop());

        Assert.True(throttle.ShouldSignal());
        Assert.True(throttle.Stop());
        Assert.False(throttle.Stop());

        Assert.True(throttle.ShouldSignal());
    }
}
