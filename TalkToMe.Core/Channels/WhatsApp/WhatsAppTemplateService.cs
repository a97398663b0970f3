using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.WhatsApp;

/// <summary>A stored template as the inbox offers it.</summary>
public sealed record WhatsAppTemplateRow(int Id, string Name, string Language, string Category, string Body, IReadOnlyList<string> Parameters)
{
    public string Render(IReadOnlyList<string> values) => WhatsAppTemplate.Render(Body, Parameters, values);
}

/// <summary>What a sync did: approved templates stored, and the ones skipped because TalkToMe cannot fill them (with why).</summary>
public sealed record TemplateSyncResult(int Stored, IReadOnlyList<string> Skipped);

/// <summary>
/// Copies the APPROVED message templates of a WhatsApp channel's Business Account from Meta
/// (<c>GET {base}/{version}/{WABA-ID}/message_templates?fields=name,language,status,category,components</c>, Bearer token,
/// following <c>paging.next</c>) and lists them for the inbox. A sync replaces the channel's stored set in one transaction;
/// a failed one changes nothing and says why.
/// </summary>
public sealed class WhatsAppTemplateService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units, IHttpClientFactory clients,
    TimeProvider time, IOptions<OutboundOptions> options)
{
    public const string Fields = "name,language,status,category,components";
    private const int MaxPages = 50;

    public async Task<IReadOnlyList<WhatsAppTemplateRow>> ListAsync(int channelId, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var templates = await db.WhatsAppTemplates.AsNoTracking().Where(t => t.ChannelId == channelId)
            .OrderBy(t => t.Name).ThenBy(t => t.Language).ToListAsync(cancellationToken);
        return templates.Select(t => new WhatsAppTemplateRow(t.Id, t.Name, t.Language, t.Category, t.Body, t.Parameters)).ToList();
    }

    /// <summary>Admins only. Errors come back under the key "Templates" (pt-BR, shown as is).</summary>
    public async Task<AdminResult<TemplateSyncResult>> SyncAsync(ClaimsPrincipal caller, int channelId, CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        WhatsAppSettings settings;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            var channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId && c.DeletedAt == null, cancellationToken);
            if (channel is null)
            {
                return AdminResult<TemplateSyncResult>.Missing();
            }

            if (channel.Type != ChannelType.WhatsApp)
            {
                return Error(ServerText.Get("Error.TemplatesWhatsAppOnly", "Modelos de mensagem existem só em canais do WhatsApp."));
            }

            settings = channel.GetSettings<WhatsAppSettings>();
        }

        if (string.IsNullOrWhiteSpace(settings.BusinessAccountId) || string.IsNullOrWhiteSpace(settings.AccessToken))
        {
            return Error(ServerText.Get("Error.TemplatesNeedCredentials", "Informe o ID da conta WhatsApp Business e o token de acesso do canal e salve antes de sincronizar os modelos."));
        }

        var url = ProviderHttp.Url(settings.ApiBaseUrl, $"{Uri.EscapeDataString(settings.ApiVersion.Trim())}/"
            + $"{Uri.EscapeDataString(settings.BusinessAccountId.Trim())}/message_templates?fields={Fields}&limit=100");
        if (url is null)
        {
            return Error(ServerText.Get("Error.WhatsAppApiUrlInvalid", "URL da API do WhatsApp inválida."));
        }

        var fetched = new List<FetchedTemplate>();
        var skipped = new List<string>();
        for (var page = 0; url is not null; page++)
        {
            if (page == MaxPages)
            {
                return Error(ServerText.Get("Error.TemplatesTooManyPages", "A Meta devolveu mais de {0} páginas de modelos; nada foi alterado.", MaxPages));
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.AccessToken.Trim());
            var (response, failure) = await ProviderHttp.SendAsync(clients, request, options.Value.SendTimeout, "WhatsApp", cancellationToken);
            if (failure is not null)
            {
                return Error(ServerText.Get("Error.TemplatesFetchFailed", "Não foi possível buscar os modelos: {0}.", failure.Error));
            }

            using var json = response!.Json();
            if (!response.IsSuccess || json?.RootElement is not { ValueKind: JsonValueKind.Object } root
                || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                return Error(ServerText.Get("Error.TemplatesRefused", "A Meta recusou a busca de modelos: {0}.", Reason(response, json)));
            }

            foreach (var item in data.EnumerateArray())
            {
                Read(item, fetched, skipped);
            }

            url = NextPage(root, settings.ApiBaseUrl);
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using (var unit = await units.BeginAsync(cancellationToken))
        {
            var db = unit.Db;
            var stored = await db.WhatsAppTemplates.Where(t => t.ChannelId == channelId).ToListAsync(cancellationToken);
            foreach (var template in fetched.DistinctBy(t => (t.Name, t.Language)))
            {
                var existing = stored.FirstOrDefault(t => t.Name == template.Name && t.Language == template.Language);
                if (existing is null)
                {
                    db.WhatsAppTemplates.Add(new WhatsAppTemplate(channelId, template.Name, template.Language, template.Category, template.Body, now));
                }
                else
                {
                    existing.Update(template.Category, template.Body, now);
                    stored.Remove(existing);
                }
            }

            // Templates Meta no longer lists as approved (deleted, paused, rejected) can no longer be sent.
            db.WhatsAppTemplates.RemoveRange(stored);
            await unit.CommitAsync(cancellationToken);
        }

        return AdminResult<TemplateSyncResult>.Ok(new TemplateSyncResult(fetched.DistinctBy(t => (t.Name, t.Language)).Count(), skipped));
    }

    private sealed record FetchedTemplate(string Name, string Language, string Category, string Body);

    /// <summary>
    /// Keeps an approved template whose only variables are in its body. Media headers, header variables, dynamic URL
    /// buttons and authentication (copy-code) templates need parameters TalkToMe does not collect: skipped, with the reason.
    /// </summary>
    private static void Read(JsonElement item, List<FetchedTemplate> fetched, List<string> skipped)
    {
        var name = StringOf(item, "name");
        var language = StringOf(item, "language");
        if (StringOf(item, "status") != "APPROVED" || string.IsNullOrWhiteSpace(name) || string.IsNullOrWhiteSpace(language)
            || name.Length > 512 || language.Length > 20)
        {
            return;
        }

        var category = StringOf(item, "category") ?? "";
        string? body = null;
        string? unsupported = null;
        if (item.TryGetProperty("components", out var components) && components.ValueKind == JsonValueKind.Array)
        {
            foreach (var component in components.EnumerateArray())
            {
                var type = StringOf(component, "type")?.ToUpperInvariant();
                var text = StringOf(component, "text") ?? "";
                switch (type)
                {
                    case "BODY":
                        body = text;
                        break;
                    case "HEADER" when (StringOf(component, "format")?.ToUpperInvariant() ?? "TEXT") != "TEXT":
                        unsupported ??= "cabeçalho com mídia";
                        break;
                    case "HEADER" when WhatsAppTemplate.PlaceholdersIn(text).Count > 0:
                        unsupported ??= "variável no cabeçalho";
                        break;
                    case "BUTTONS" when component.TryGetProperty("buttons", out var buttons) && buttons.ValueKind == JsonValueKind.Array
                        && buttons.EnumerateArray().Any(b => WhatsAppTemplate.PlaceholdersIn(StringOf(b, "url") ?? "").Count > 0
                            || StringOf(b, "type")?.ToUpperInvariant() is "OTP" or "COPY_CODE" or "FLOW" or "CATALOG" or "MPM"):
                        unsupported ??= "botão com parâmetro";
                        break;
                }
            }
        }

        if (category.Equals("AUTHENTICATION", StringComparison.OrdinalIgnoreCase))
        {
            unsupported ??= "modelo de autenticação";
        }

        if (string.IsNullOrWhiteSpace(body))
        {
            unsupported ??= "sem corpo de texto";
        }

        if (unsupported is not null)
        {
            skipped.Add($"{name} ({language}): {unsupported}");
            return;
        }

        fetched.Add(new FetchedTemplate(name, language, category.Length > 30 ? category[..30] : category, body!));
    }

    /// <summary>paging.next, followed only while it stays on the configured API host: the token never goes anywhere else.</summary>
    private static Uri? NextPage(JsonElement root, string apiBaseUrl)
    {
        if (!root.TryGetProperty("paging", out var paging) || StringOf(paging, "next") is not { Length: > 0 } next
            || !Uri.TryCreate(next, UriKind.Absolute, out var url) || ProviderHttp.Url(apiBaseUrl, "") is not { } api
            || !string.Equals(url.GetLeftPart(UriPartial.Authority), api.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return url;
    }

    private static string Reason(ProviderResponse response, JsonDocument? json)
    {
        if (json?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("error", out var error)
            && error.ValueKind == JsonValueKind.Object)
        {
            var message = StringOf(error, "message");
            var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.ToString() : null;
            return $"HTTP {response.Status}" + (message is null ? "" : $": {message}") + (code is null ? "" : $" ({code})");
        }

        return response.IsSuccess ? "resposta sem a lista data[]" : $"HTTP {response.Status}";
    }

    private static AdminResult<TemplateSyncResult> Error(string message) =>
        AdminResult<TemplateSyncResult>.Invalid(new Dictionary<string, string> { ["Templates"] = message });

    private static string? StringOf(JsonElement parent, string property) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
