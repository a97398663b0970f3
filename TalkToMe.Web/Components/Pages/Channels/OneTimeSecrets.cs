namespace TalkToMe.Web.Components.Pages.Channels;

/// <summary>
/// Carries a just-created channel's API token and generated keys from the create form to the channel page, within one
/// circuit, so they are shown once and then forgotten.
/// </summary>
public sealed class OneTimeSecrets
{
    private readonly Dictionary<int, (string? ApiToken, IReadOnlyDictionary<string, string> Secrets)> _pending = [];

    public void Put(int channelId, string? apiToken, IReadOnlyDictionary<string, string> secrets) => _pending[channelId] = (apiToken, secrets);

    public (string? ApiToken, IReadOnlyDictionary<string, string> Secrets)? Take(int channelId) =>
        _pending.Remove(channelId, out var value) ? value : null;
}
