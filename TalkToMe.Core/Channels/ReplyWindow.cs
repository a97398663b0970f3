using TalkToMe.Core.Conversations;

namespace TalkToMe.Core.Channels;

/// <summary>
/// WhatsApp, Messenger and Instagram accept free-form replies only within 24 hours of the customer's last message;
/// after that only templates may be sent. The inbox says so and blocks free text instead of failing silently.
/// </summary>
public static class ReplyWindow
{
    public static readonly TimeSpan Length = TimeSpan.FromHours(24);

    public static bool Applies(ChannelType type) => ChannelKinds.For(type).HasReplyWindow;

    public static bool IsOpen(ChannelType type, DateTime? lastCustomerMessageAt, DateTime now) =>
        !Applies(type) || (lastCustomerMessageAt is { } last && now - last < Length);

    public static bool IsOpen(Conversation conversation, DateTime now) =>
        IsOpen(conversation.Channel.Type, conversation.LastCustomerMessageAt, now);

    public static string StartNeedsTemplateMessage => ServerText.Get("Error.StartNeedsTemplate",
        "O WhatsApp só deixa a empresa escrever primeiro com um modelo aprovado: use Enviar modelo.");

    public static string ClosedMessage => ServerText.Get("Error.ReplyWindowClosed",
        "A janela de 24 horas para respostas livres está fechada: o cliente precisa escrever de novo (ou envie um modelo aprovado).");
}
