using Microsoft.Extensions.Localization;
using TalkToMe.Core.Channels.WhatsApp;

namespace TalkToMe.Web.Components.Pages.Inbox;

/// <summary>The template an agent is filling in ("Enviar modelo"): which one, and one value per placeholder.</summary>
public sealed class TemplateDraft
{
    public WhatsAppTemplateRow? Template { get; private set; }
    public List<string> Values { get; } = [];

    public void Choose(WhatsAppTemplateRow? template)
    {
        Template = template;
        Values.Clear();
        if (template is not null)
        {
            Values.AddRange(template.Parameters.Select(_ => ""));
        }
    }

    public static string Placeholder(string name) => "{{" + name + "}}";

    /// <summary>Field messages: "Template" when none is chosen, "Param{i}" for each empty value.</summary>
    public Dictionary<string, string> Validate(IStringLocalizer localizer)
    {
        var errors = new Dictionary<string, string>();
        if (Template is null)
        {
            errors["Template"] = localizer["Templates.Required"];
            return errors;
        }

        for (var i = 0; i < Template.Parameters.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Values[i]))
            {
                errors[$"Param{i}"] = string.Format(localizer["Templates.ParameterRequired"], Placeholder(Template.Parameters[i]));
            }
        }

        return errors;
    }
}
