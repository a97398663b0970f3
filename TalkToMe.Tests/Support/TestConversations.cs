using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Tests.Support;

/// <summary>
/// The conversation services on one test database, wired as AddTalkToMeCore wires them, for the tests that build them by
/// hand (a fake clock, recording flows, their own hub and signals). No host runs: the inbound writer starts with the first
/// message.
/// </summary>
public sealed class TestConversations
{
    public TestConversations(TestDatabase database, InboxEventHub events, TimeProvider? time = null, IConversationFlows? flows = null,
        OutboxSignal? outbox = null, KeepAliveSignal? keepAlive = null, SnoozeSignal? snooze = null, TalkToMe.Core.Media.IMediaLinks? links = null)
    {
        time ??= TimeProvider.System;
        flows ??= new NoConversationFlows();
        Units = database.Units(events, outbox, keepAlive, snooze);
        Inbound = new InboundWriter(Units, flows, time);
        Commands = new ConversationCommands(Units, flows, time, links);
        Starter = new ConversationStarter(Units, time);
        Macros = new MacroRunner(Units, Commands, time);
        Snoozes = new SnoozeService(database.Factory, Units, time);
    }

    public UnitOfWorkFactory Units { get; }
    public InboundWriter Inbound { get; }
    public ConversationCommands Commands { get; }
    public ConversationStarter Starter { get; }
    public MacroRunner Macros { get; }
    public SnoozeService Snoozes { get; }
}
