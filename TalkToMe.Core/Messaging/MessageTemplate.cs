namespace TalkToMe.Core.Messaging;

/// <summary>One filled-in placeholder of a template: its name as the template writes it ("1" for {{1}}, "first_name" for {{first_name}}).</summary>
public sealed record TemplateParameter(string Name, string Value);

/// <summary>
/// A provider-approved template an outgoing message was sent as (WhatsApp "type":"template"): the message's Content is the
/// rendered text the agents read, this is what the provider is sent.
/// </summary>
public sealed record MessageTemplate(string Name, string Language, IReadOnlyList<TemplateParameter> Parameters)
{
    /// <summary>Meta's "NAMED" parameter format: placeholders with names instead of numbers.</summary>
    public bool HasNamedParameters => Parameters.Any(p => !p.Name.All(char.IsAsciiDigit));
}
