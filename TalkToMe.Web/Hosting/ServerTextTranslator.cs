using Microsoft.Extensions.Localization;
using TalkToMe.Core;

namespace TalkToMe.Web.Hosting;

/// <summary>
/// Gives Core's messages (<see cref="ServerText"/> codes) the reader's language from the resource files: pages keep
/// calling the same services and show the messages they return. The culture is the request's or the circuit's
/// (cookie-chosen; pt-BR by default, so the public API, which sends no culture cookie, keeps its pt-BR messages).
/// </summary>
public sealed class ServerTextTranslator(IStringLocalizer<SharedResource> localizer)
{
    public string? Translate(string code)
    {
        var text = localizer[code];
        return text.ResourceNotFound ? null : text.Value;
    }

    public static void Install(IServiceProvider services) =>
        ServerText.Translator = services.GetRequiredService<ServerTextTranslator>().Translate;
}
