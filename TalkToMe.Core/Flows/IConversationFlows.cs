using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Flows;

/// <summary>
/// The flow engine as the conversation pipeline sees it. Each call runs inside the caller's transaction (same
/// <paramref name="db"/>; the caller saves): bot messages it adds are pending outgoing messages like any other.
/// </summary>
public interface IConversationFlows
{
    /// <summary>Whether a new conversation on this channel would run a flow. When not, the inbound pipeline may store it
    /// without calling <see cref="OnConversationStartedAsync"/> (its fast path has no tracked entities to hand over).</summary>
    bool RunsOnStart(Channel channel);

    /// <summary>Whether a customer message into a conversation with this flow state would reach a flow; when not, the
    /// inbound pipeline may skip <see cref="OnCustomerMessageAsync"/>.</summary>
    bool RunsOnCustomerMessage(int? flowId, int? flowStepIndex);

    /// <summary>A conversation just started on a channel: run its Fluxo de entrada, if any.</summary>
    Task OnConversationStartedAsync(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken);

    /// <summary>A customer message arrived; returns true when a running flow consumed it (an answer to a question or menu).</summary>
    Task<bool> OnCustomerMessageAsync(TalkToMeDbContext db, Conversation conversation, string text, CancellationToken cancellationToken);

    /// <summary>The conversation was resolved (by an agent, a macro or Keep Alive): run the channel's Fluxo de saída, if any.</summary>
    Task OnConversationResolvedAsync(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken);
}

/// <summary>Used until the flow engine is registered: conversations run without bots.</summary>
public sealed class NoConversationFlows : IConversationFlows
{
    public bool RunsOnStart(Channel channel) => false;

    public bool RunsOnCustomerMessage(int? flowId, int? flowStepIndex) => false;

    public Task OnConversationStartedAsync(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task<bool> OnCustomerMessageAsync(TalkToMeDbContext db, Conversation conversation, string text, CancellationToken cancellationToken) =>
        Task.FromResult(false);

    public Task OnConversationResolvedAsync(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
