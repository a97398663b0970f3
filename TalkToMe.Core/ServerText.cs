using System.Globalization;

namespace TalkToMe.Core;

/// <summary>
/// Messages the services hand to people (field errors, refused operations): each has a stable code (a resource key such
/// as <c>Error.NameRequired</c>) and its pt-BR text. The web layer installs <see cref="Translator"/> so the reader gets the
/// text in their UI culture from its resource files; without one (Core alone, tests) the pt-BR text is the message.
/// </summary>
public static class ServerText
{
    /// <summary>Looks a code up for the current UI culture; null when it has no translation (the pt-BR text is used).</summary>
    public static Func<string, string?>? Translator { get; set; }

    public static string Get(string code, string portuguese, params object?[] args)
    {
        var format = Translator?.Invoke(code) ?? portuguese;
        return args.Length == 0 ? format : string.Format(CultureInfo.CurrentCulture, format, args);
    }
}
