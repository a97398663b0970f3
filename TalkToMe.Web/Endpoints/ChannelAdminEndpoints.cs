using Microsoft.Extensions.Options;
using System.Text.Json;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Web.Endpoints;

public sealed record ChannelRequest(
    string? Name,
    string? Type,
    int? EntryFlowId,
    int? ExitFlowId,
    JsonElement? Settings,
    bool? IsActive,
    bool? AllowsActiveContact);

public sealed record SwitchesRequest(bool IsActive, bool AllowsActiveContact);

public sealed record KeepAliveDto(
    int InactivityAmount,
    string? InactivityUnit,
    string? InactivityMessage,
    int FinalizationAmount,
    string? FinalizationUnit,
    string? FinalizationMessage,
    bool IsEnabled);

/// <param name="AgentIds">The group's agents (user ids); omitted: left as they are.</param>
/// <param name="AssignMode">ChannelDecides, Off, RoundRobin or LeastBusy; absent leaves it as it is.</param>
public sealed record ChannelGroupRequest(string? Name, string? Description, int[]? ChannelIds, string[]? AgentIds = null, string? AssignMode = null);

public sealed record ChannelConnectionDto(string? WebhookUrl, string? VerifyToken, string? ScriptTag, string? ApiEndpoint);

public sealed record ChannelDto(
    int Id,
    string Name,
    string Type,
    bool IsActive,
    bool AllowsActiveContact,
    bool KeepAliveActive,
    int? EntryFlowId,
    int? ExitFlowId,
    string PublicKey,
    JsonElement Settings,
    KeepAliveDto KeepAlive,
    IReadOnlyList<ChannelRef> Groups,
    ChannelConnectionDto Connection,
    DateTime CreatedAt,
    string? ApiToken = null,
    IReadOnlyDictionary<string, string>? GeneratedSecrets = null);

/// <summary>
/// The admin API under /api/v1: channels with their settings, the Ativo / Contato ativo switches, Keep Alive and
/// channel groups. Personal API tokens only, admins only; the channel-token message endpoint lives elsewhere.
/// </summary>
public static class ChannelAdminEndpoints
{
    public const string ApiAdminPolicy = "ApiAdmin";

    public static void MapChannelAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").RequireAuthorization(ApiAdminPolicy).WithTags("Admin");

        api.MapGet("/channels", async (ChannelAdminService channels, HttpContext http) =>
            Results.Ok((await channels.ListAsync(http.RequestAborted)).Select(c => ToDto(c, BaseUrl(http))).ToList()));

        api.MapGet("/channels/{id:int}", async (int id, ChannelAdminService channels, HttpContext http) =>
            await channels.GetAsync(id, http.RequestAborted) is { } channel ? Results.Ok(ToDto(channel, BaseUrl(http))) : NotFound());

        api.MapPost("/channels", async (ChannelRequest request, ChannelAdminService channels, HttpContext http) =>
        {
            if (!TryParse(request, out var input, out var errors))
            {
                return Results.ValidationProblem(errors);
            }

            var result = await channels.CreateAsync(http.User, input, http.RequestAborted);
            if (!result.Succeeded)
            {
                return Problem(result.Errors);
            }

            var saved = result.Value!;
            var dto = ToDto(saved.Channel, BaseUrl(http)) with { ApiToken = saved.NewApiToken, GeneratedSecrets = saved.NewSecrets };
            return Results.Created($"/api/v1/channels/{saved.Channel.Id}", dto);
        });

        api.MapPut("/channels/{id:int}", async (int id, ChannelRequest request, ChannelAdminService channels, HttpContext http) =>
        {
            if (!TryParse(request, out var input, out var errors))
            {
                return Results.ValidationProblem(errors);
            }

            return ToResponse(await channels.UpdateAsync(http.User, id, input, http.RequestAborted), http);
        });

        api.MapDelete("/channels/{id:int}", async (int id, ChannelAdminService channels, HttpContext http) =>
            await channels.DeleteAsync(http.User, id, http.RequestAborted) ? Results.NoContent() : NotFound());

        api.MapPut("/channels/{id:int}/switches", async (int id, SwitchesRequest request, ChannelAdminService channels, HttpContext http) =>
            ToResponse(await channels.SetSwitchesAsync(http.User, id, request.IsActive, request.AllowsActiveContact, http.RequestAborted), http));

        api.MapGet("/channels/{id:int}/keep-alive", async (int id, ChannelAdminService channels, HttpContext http) =>
            await channels.GetAsync(id, http.RequestAborted) is { } channel ? Results.Ok(ToDto(channel.KeepAlive)) : NotFound());

        api.MapPut("/channels/{id:int}/keep-alive", async (int id, KeepAliveDto request, ChannelAdminService channels, HttpContext http) =>
        {
            var errors = new Dictionary<string, string[]>();
            var inactivityUnit = ParseUnit(request.InactivityUnit, "InactivityUnit", errors);
            var finalizationUnit = ParseUnit(request.FinalizationUnit, "FinalizationUnit", errors);
            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors);
            }

            var settings = new KeepAliveSettings
            {
                InactivityAmount = request.InactivityAmount,
                InactivityUnit = inactivityUnit,
                InactivityMessage = request.InactivityMessage,
                FinalizationAmount = request.FinalizationAmount,
                FinalizationUnit = finalizationUnit,
                FinalizationMessage = request.FinalizationMessage,
                IsEnabled = request.IsEnabled,
            };
            var result = await channels.ConfigureKeepAliveAsync(http.User, id, settings, http.RequestAborted);
            return result.NotFound ? NotFound() : result.Succeeded ? Results.Ok(ToDto(result.Value!.KeepAlive)) : Problem(result.Errors);
        });

        api.MapPost("/channels/{id:int}/api-token", async (int id, ChannelAdminService channels, HttpContext http) =>
        {
            var result = await channels.RegenerateApiTokenAsync(http.User, id, http.RequestAborted);
            return result.NotFound ? NotFound() : result.Succeeded ? Results.Ok(new { apiToken = result.Value }) : Problem(result.Errors);
        });

        api.MapGet("/channel-groups", async (ChannelGroupService groups, HttpContext http) =>
            Results.Ok(await groups.ListAsync(http.RequestAborted)));

        api.MapGet("/channel-groups/{id:int}", async (int id, ChannelGroupService groups, HttpContext http) =>
            await groups.GetAsync(id, http.RequestAborted) is { } group ? Results.Ok(group) : NotFound());

        api.MapPost("/channel-groups", async (ChannelGroupRequest request, ChannelGroupService groups, HttpContext http) =>
        {
            if (ToInput(request) is not { } input)
            {
                return AssignModeProblem();
            }

            var result = await groups.CreateAsync(http.User, input, http.RequestAborted);
            return result.Succeeded ? Results.Created($"/api/v1/channel-groups/{result.Value!.Id}", result.Value) : Problem(result.Errors);
        });

        api.MapPut("/channel-groups/{id:int}", async (int id, ChannelGroupRequest request, ChannelGroupService groups, HttpContext http) =>
        {
            if (ToInput(request) is not { } input)
            {
                return AssignModeProblem();
            }

            var result = await groups.UpdateAsync(http.User, id, input, http.RequestAborted);
            return result.NotFound ? NotFound() : result.Succeeded ? Results.Ok(result.Value) : Problem(result.Errors);
        });

        api.MapDelete("/channel-groups/{id:int}", async (int id, ChannelGroupService groups, HttpContext http) =>
            await groups.DeleteAsync(http.User, id, http.RequestAborted) ? Results.NoContent() : NotFound());
    }

    /// <summary>The URLs and values the outside world needs to talk to a channel (shared by the channel page and the API).</summary>
    public static ChannelConnectionDto Connection(ChannelView channel, string baseUrl)
    {
        var webhook = PublicUrls.Webhook(baseUrl, channel.Type, channel.PublicKey);
        var verifyToken = channel.Settings switch
        {
            Core.Channels.WhatsApp.WhatsAppSettings wa => wa.VerifyToken,
            Core.Channels.Meta.FacebookSettings meta => meta.VerifyToken,
            _ => null,
        };
        var script = channel.Type == ChannelType.Website
            ? $"<script src=\"{baseUrl}/widget.js\" data-channel=\"{channel.PublicKey}\" async></script>"
            : null;
        var apiEndpoint = channel.Type == ChannelType.Api ? $"POST {baseUrl}/api/v1/channels/{channel.Id}/messages" : null;
        return new ChannelConnectionDto(webhook, verifyToken, script, apiEndpoint);
    }

    /// <summary>TalkToMe:PublicUrl when set (behind a proxy the request's own host may be an internal one), else the request's.</summary>
    private static string BaseUrl(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<PublicUrlOptions>>().Value.BaseUrl
        ?? $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";

    private static bool TryParse(ChannelRequest request, out ChannelInput input, out Dictionary<string, string[]> errors)
    {
        errors = new Dictionary<string, string[]>();
        input = null!;
        if (string.IsNullOrWhiteSpace(request.Type) || !Enum.TryParse<ChannelType>(request.Type, ignoreCase: true, out var type) ||
            !Enum.IsDefined(type) || int.TryParse(request.Type, out _))
        {
            errors["Type"] = [$"Tipo do canal inválido. Use um de: {string.Join(", ", Enum.GetNames<ChannelType>())}."];
            return false;
        }

        ChannelSettings? settings = null;
        if (request.Settings is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } json)
        {
            try
            {
                settings = (ChannelSettings?)json.Deserialize(ChannelSettings.TypeFor(type), JsonDefaults.Options);
            }
            catch (JsonException ex)
            {
                errors["Settings"] = [$"Configurações inválidas para {type}: {ex.Message}"];
                return false;
            }
        }

        input = new ChannelInput(request.Name, type, request.EntryFlowId, request.ExitFlowId, settings, request.IsActive, request.AllowsActiveContact);
        return true;
    }

    private static TimeUnit ParseUnit(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return TimeUnit.Minutes;
        }

        if (Enum.TryParse<TimeUnit>(value, ignoreCase: true, out var unit) && Enum.IsDefined(unit) && !int.TryParse(value, out _))
        {
            return unit;
        }

        errors[field] = ["Use Seconds, Minutes ou Hours."];
        return TimeUnit.Minutes;
    }

    /// <summary>The request as the service takes it; null when its assignMode is not one of the four names.</summary>
    private static ChannelGroupInput? ToInput(ChannelGroupRequest request)
    {
        GroupAssignMode? mode = null;
        if (request.AssignMode is { } text)
        {
            if (!Enum.TryParse<GroupAssignMode>(text, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(text, out _))
            {
                return null;
            }

            mode = parsed;
        }

        return new(request.Name, request.Description, request.ChannelIds, request.AgentIds, mode);
    }

    private static IResult AssignModeProblem() =>
        Problem(new Dictionary<string, string> { ["AssignMode"] = "Use ChannelDecides, Off, RoundRobin ou LeastBusy." });

    private static IResult ToResponse(AdminResult<ChannelView> result, HttpContext http) =>
        result.NotFound ? NotFound() : result.Succeeded ? Results.Ok(ToDto(result.Value!, BaseUrl(http))) : Problem(result.Errors);

    private static IResult Problem(IReadOnlyDictionary<string, string> errors) =>
        Results.ValidationProblem(errors.ToDictionary(e => e.Key, e => new[] { e.Value }));

    private static IResult NotFound() => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Não encontrado.");

    private static KeepAliveDto ToDto(KeepAliveSettings k) => new(k.InactivityAmount, k.InactivityUnit.ToString(), k.InactivityMessage,
        k.FinalizationAmount, k.FinalizationUnit.ToString(), k.FinalizationMessage, k.IsEnabled);

    private static ChannelDto ToDto(ChannelView c, string baseUrl) => new(
        c.Id, c.Name, c.Type.ToString(), c.IsActive, c.AllowsActiveContact, c.KeepAlive.IsEnabled, c.EntryFlow?.Id, c.ExitFlow?.Id,
        c.PublicKey, JsonSerializer.SerializeToElement(c.Settings, c.Settings.GetType(), JsonDefaults.Options), ToDto(c.KeepAlive),
        c.Groups, Connection(c, baseUrl), c.CreatedAt);
}
