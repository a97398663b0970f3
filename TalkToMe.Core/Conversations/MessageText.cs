namespace TalkToMe.Core.Conversations;

/// <summary>The text of any message, inbound or outbound: not blank, at most <see cref="MaxLength"/> characters, stored trimmed.</summary>
public static class MessageText
{
    public const int MaxLength = 20_000;

    public static string Require(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ConversationRuleException(ServerText.Get("Error.WriteMessage", "Escreva uma mensagem."));
        }

        if (text.Length > MaxLength)
        {
            throw new ConversationRuleException(ServerText.Get("Error.MessageTooLong", "A mensagem passa do limite de {0} caracteres.", MaxLength));
        }

        return text.Trim();
    }
}
