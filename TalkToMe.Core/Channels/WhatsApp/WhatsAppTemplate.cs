using System.Text.RegularExpressions;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.WhatsApp;

/// <summary>
/// An APPROVED message template of the channel's WhatsApp Business Account, copied from Meta by "Sincronizar modelos".
/// Only the body's text is kept, with its placeholders ({{1}}, {{2}}… or named {{first_name}}) in order of first use.
/// </summary>
public partial class WhatsAppTemplate
{
    public const int MaxParameterLength = 1000;

    private WhatsAppTemplate() { }

    public WhatsAppTemplate(int channelId, string name, string language, string category, string body, DateTime syncedAt)
    {
        ChannelId = channelId;
        Name = name;
        Language = language;
        Update(category, body, syncedAt);
    }

    public int Id { get; private set; }
    public int ChannelId { get; private set; }
    public Channel Channel { get; private set; } = null!;
    public string Name { get; private set; } = "";

    /// <summary>Meta's language code (pt_BR, en_US…): the same name may exist in several languages.</summary>
    public string Language { get; private set; } = "";

    public string Category { get; private set; } = "";
    public string Body { get; private set; } = "";

    /// <summary>The placeholder names in the order they first appear in the body ("1", "2"… or "first_name"…).</summary>
    public List<string> Parameters { get; private set; } = [];

    public DateTime SyncedAt { get; private set; }

    public void Update(string category, string body, DateTime syncedAt)
    {
        Category = category;
        Body = body;
        Parameters = PlaceholdersIn(body);
        SyncedAt = syncedAt;
    }

    public static List<string> PlaceholdersIn(string text) =>
        Placeholder().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();

    /// <summary>The body with each placeholder replaced by its value (values in <see cref="Parameters"/> order).</summary>
    public string Render(IReadOnlyList<string> values) => Render(Body, Parameters, values);

    /// <summary>Unfilled (or empty) placeholders stay as they are, so a preview shows what is still missing.</summary>
    public static string Render(string body, IReadOnlyList<string> parameters, IReadOnlyList<string> values) =>
        Placeholder().Replace(body, m =>
        {
            var index = parameters.ToList().IndexOf(m.Groups[1].Value);
            return index >= 0 && index < values.Count && !string.IsNullOrWhiteSpace(values[index]) ? values[index].Trim() : m.Value;
        });

    /// <summary>
    /// Checks the agent's values the way Meta will (one per placeholder, not empty, no line breaks or tabs, at most four
    /// spaces in a row) and builds what the sender posts; refused values name the placeholder.
    /// </summary>
    public MessageTemplate Fill(IReadOnlyList<string>? values)
    {
        values ??= [];
        if (values.Count != Parameters.Count)
        {
            throw new ConversationRuleException(
                ServerText.Get("Error.TemplateParameterCount", "O modelo {0} espera {1} parâmetro(s); foram enviados {2}.", Name, Parameters.Count, values.Count));
        }

        var parameters = new List<TemplateParameter>(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i]?.Trim() ?? "";
            var placeholder = "{{" + Parameters[i] + "}}";
            if (value.Length == 0)
            {
                throw new ConversationRuleException(ServerText.Get("Error.TemplateParameterRequired", "Preencha o parâmetro {0} do modelo {1}.", placeholder, Name));
            }

            if (value.Length > MaxParameterLength)
            {
                throw new ConversationRuleException(ServerText.Get("Error.TemplateParameterTooLong", "O parâmetro {0} passa do limite de {1} caracteres.", placeholder, MaxParameterLength));
            }

            if (value.Contains('\n') || value.Contains('\r') || value.Contains('\t') || value.Contains("     "))
            {
                throw new ConversationRuleException(
                    ServerText.Get("Error.TemplateParameterWhitespace", "O parâmetro {0} não pode ter quebras de linha, tabulações nem mais de quatro espaços seguidos (regra do WhatsApp).", placeholder));
            }

            parameters.Add(new TemplateParameter(Parameters[i], value));
        }

        return new MessageTemplate(Name, Language, parameters);
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
