using System.Buffers.Text;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Web.Endpoints;

/// <summary>The list's query string: the inbox's own filters, and where the previous page ended.</summary>
public sealed record ConversationListQuery(
    [property: FromQuery(Name = "status"), Description("open (default), pending, snoozed, resolved or all.")] string? Status,
    [property: FromQuery(Name = "assignee"), Description("all (default), mine or unassigned.")] string? Assignee,
    [property: FromQuery(Name = "channelId")] int? ChannelId,
    [property: FromQuery(Name = "channelGroupId")] int? ChannelGroupId,
    [property: FromQuery(Name = "labelId")] int? LabelId,
    [property: FromQuery(Name = "q"), Description("Words in the contact's name or in a message, as the inbox's search.")] string? Q,
    [property: FromQuery(Name = "after"), Description("The nextCursor of the previous page.")] string? After,
    [property: FromQuery(Name = "limit"), Description("1 to 100; 50 when absent.")] int? Limit);

/// <summary>A keyset page's query string: the last id of the previous page (its nextCursor) and the page size.</summary>
public sealed record PageQuery(
    [property: FromQuery(Name = "after"), Description("The nextCursor of the previous page.")] string? After,
    [property: FromQuery(Name = "limit"), Description("1 to 100; 50 when absent.")] int? Limit);

public sealed record ConversationSummaryDto(int Id, int ChannelId, string ChannelName, string ChannelType, string ContactName,
    string Status, string? AssigneeId, string? AssigneeName, string Priority, int UnreadCount, string? LastMessagePreview,
    DateTime LastActivityAt, string? MatchedText);

public sealed record ConversationListDto(IReadOnlyList<ConversationSummaryDto> Items, string? NextCursor);

public sealed record LabelDto(int Id, string Name, string Color);

public sealed record ConversationContactDto(int Id, string Name, string? Email, string? Phone);

public sealed record ConversationDto(int Id, int ChannelId, string ChannelName, string ChannelType, ConversationContactDto Contact,
    string Status, string? AssigneeId, string? AssigneeName, string Priority, IReadOnlyList<LabelDto> Labels, int UnreadCount,
    string? LastMessagePreview, DateTime CreatedAt, DateTime LastActivityAt, DateTime? LastCustomerMessageAt, DateTime? SnoozedUntil,
    DateTime? ResolvedAt);

/// <param name="Private">True for a private note (agents only; never sent to the customer).</param>
public sealed record MessageDto(long Id, string Direction, string Kind, bool Private, string SenderType, string? SenderId,
    string? SenderName, string Text, string DeliveryStatus, string? FailureReason, DateTime CreatedAt)
{
    /// <summary>The message's files, places and contact cards (empty for plain text).</summary>
    public IReadOnlyList<AttachmentDto> Attachments { get; init; } = [];
}

/// <summary>
/// A file, place or contact card of a message. <paramref name="Url"/> (<c>/media/{id}</c>, readable with the same personal
/// token) once the file is stored; null while it is being fetched, when fetching failed, and for places and contact cards.
/// </summary>
public sealed record AttachmentDto(long Id, string Kind, string State, string? ContentType, string? FileName, long? Size,
    int? DurationSeconds, double? Latitude, double? Longitude, string? Name, IReadOnlyList<string>? Phones, string? Url);

public sealed record MessageListDto(IReadOnlyList<MessageDto> Items, string? NextCursor);

public sealed record ContactDto(int Id, string Name, string? Email, string? Phone, DateTime CreatedAt);

public sealed record ContactListDto(IReadOnlyList<ContactDto> Items, string? NextCursor);

/// <param name="Content">The text: sent to the customer through their channel, or kept as a private note.</param>
/// <param name="Private">True for a private note; false or absent for a reply.</param>
public sealed record NewMessageRequest(string? Content, bool? Private);

/// <param name="AssigneeId">The agent's user id; null to unassign.</param>
public sealed record AssignRequest(string? AssigneeId);

/// <summary>
/// The agent API under /api/v1 (issue 17): what an integration needs to act on what it hears on /hubs/inbox. A personal API
/// token acts as its user and sees exactly what that user sees in the inbox: an agent restricted to their groups reads and
/// changes only their channels' conversations (anything else is 404, as if it did not exist); admins see all. Reads reuse
/// the inbox's queries and every change goes through <see cref="ConversationCommands"/>, as the inbox's buttons do, so
/// delivery, rules, activity lines and events are the same.
/// </summary>
public static class ConversationApiEndpoints
{
    public const string ApiAgentPolicy = "ApiAgent";
    public const int MaxPageSize = 100;

    public static void MapConversationApiEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").RequireAuthorization(ApiAgentPolicy).WithTags("Conversations")
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        api.MapGet("/conversations", async ([AsParameters] ConversationListQuery query, InboxQuery inbox, ChannelAccess access,
                HttpContext http) =>
            {
                if (!TryParse(query, out var filter, out var after, out var limit, out var errors))
                {
                    return Results.ValidationProblem(errors);
                }

                filter = filter with
                {
                    CurrentAgentId = UserId(http),
                    Channels = await access.ForUserAsync(http.User, http.RequestAborted),
                };
                var page = await inbox.ListAsync(filter, after, limit, http.RequestAborted);
                return Results.Ok(new ConversationListDto(page.Items.Select(ToDto).ToList(), page.Next is { } next ? Encode(next) : null));
            })
            .WithName("ListConversations")
            .WithSummary("The conversations the token's agent sees, newest activity first, with the inbox's filters; keyset-paged.")
            .Produces<ConversationListDto>()
            .ProducesValidationProblem();

        api.MapGet("/conversations/{id:int}", async (int id, ConversationDetails details, ChannelAccess access, HttpContext http) =>
                await details.GetAsync(id, await access.ForUserAsync(http.User, http.RequestAborted), http.RequestAborted) is { } detail
                    ? Results.Ok(ToDto(detail))
                    : ConversationNotFound())
            .WithName("GetConversation")
            .WithSummary("One conversation: channel, contact, status, assignee, labels, timestamps and the last message's preview.")
            .Produces<ConversationDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/conversations/{id:int}/messages", async (int id, [AsParameters] PageQuery query, ConversationDetails details,
                ChannelAccess access, HttpContext http) =>
            {
                if (!TryParse(query, out var after, out var limit, out var errors))
                {
                    return Results.ValidationProblem(errors);
                }

                var scope = await access.ForUserAsync(http.User, http.RequestAborted);
                if (await details.MessagesAsync(id, after, limit, scope, http.RequestAborted) is not { } page)
                {
                    return ConversationNotFound();
                }

                var next = page.HasMore ? page.Items[^1].Id.ToString(CultureInfo.InvariantCulture) : null;
                return Results.Ok(new MessageListDto(page.Items.Select(ToDto).ToList(), next));
            })
            .WithName("ListConversationMessages")
            .WithSummary("The thread, oldest first, private notes and activity lines included; keyset-paged by message id.")
            .Produces<MessageListDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/conversations/{id:int}/messages", async (int id, NewMessageRequest? request, ConversationCommands commands,
                ConversationDetails details, InboxLookups lookups, ChannelAccess access, HttpContext http) =>
            {
                var content = request?.Content;
                if (string.IsNullOrWhiteSpace(content))
                {
                    return FieldProblem("content", ServerText.Get("Error.WriteMessage", "Escreva uma mensagem."));
                }

                if (content.Length > MessageText.MaxLength)
                {
                    return FieldProblem("content",
                        ServerText.Get("Error.MessageTooLong", "A mensagem passa do limite de {0} caracteres.", MessageText.MaxLength));
                }

                if (await VisibleAsync(id, details, access, http) is { } notFound)
                {
                    return notFound;
                }

                var actor = await lookups.ActorAsync(http.User, http.RequestAborted);
                try
                {
                    var message = request!.Private == true
                        ? await commands.AddNoteAsync(id, actor, content, http.RequestAborted)
                        : await commands.ReplyAsync(id, actor, content, http.RequestAborted);
                    return Results.Created($"/api/v1/conversations/{id}/messages", ToDto(message));
                }
                catch (ConversationRuleException ex)
                {
                    // The channel cannot send or its reply window closed: nothing was stored.
                    return Refused(ex);
                }
            })
            .WithName("AddConversationMessage")
            .WithSummary("Replies through the customer's channel (stored pending for delivery) or adds a private note, as the inbox's reply box does.")
            .Produces<MessageDto>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/conversations/{id:int}/assign", async (int id, AssignRequest? request, ConversationCommands commands,
                ConversationDetails details, InboxLookups lookups, ChannelAccess access, HttpContext http) =>
            {
                if (request is null)
                {
                    return FieldProblem("assigneeId", ServerText.Get("Error.ApiAssignBody", "Envie {\"assigneeId\": \"…\"} ou {\"assigneeId\": null}."));
                }

                if (await VisibleAsync(id, details, access, http) is { } notFound)
                {
                    return notFound;
                }

                try
                {
                    await commands.AssignAsync(id, await lookups.ActorAsync(http.User, http.RequestAborted), request.AssigneeId, http.RequestAborted);
                }
                catch (ConversationRuleException ex)
                {
                    // An unknown or deactivated agent, or one who may not see this channel.
                    return FieldProblem("assigneeId", ex.Message);
                }

                return await CurrentAsync(id, details, access, http);
            })
            .WithName("AssignConversation")
            .WithSummary("Assigns the conversation to an agent who may see its channel, or unassigns it (assigneeId null).")
            .Produces<ConversationDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/conversations/{id:int}/resolve", (int id, ConversationCommands commands, ConversationDetails details,
                InboxLookups lookups, ChannelAccess access, HttpContext http) =>
                ChangeAsync(id, details, access, lookups, http, actor => commands.ResolveAsync(id, actor, http.RequestAborted)))
            .WithName("ResolveConversation")
            .WithSummary("Resolves the conversation (Keep Alive stops, the channel's exit flow runs), as the inbox's Resolver button.")
            .Produces<ConversationDto>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/conversations/{id:int}/reopen", (int id, ConversationCommands commands, ConversationDetails details,
                InboxLookups lookups, ChannelAccess access, HttpContext http) =>
                ChangeAsync(id, details, access, lookups, http, actor => commands.ReopenAsync(id, actor, http.RequestAborted)))
            .WithName("ReopenConversation")
            .WithSummary("Reopens a resolved, pending or snoozed conversation.")
            .Produces<ConversationDto>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/contacts", async ([FromQuery(Name = "q"), Description("Part of the name, e-mail or phone.")] string? q,
                [AsParameters] PageQuery query, ContactDirectory contacts, HttpContext http) =>
            {
                if (!TryParse(query, out var after, out var limit, out var errors) || after > int.MaxValue)
                {
                    return Results.ValidationProblem(errors.Count > 0 ? errors : CursorError());
                }

                var page = await contacts.ListAsync(q, (int)after, limit, http.RequestAborted);
                return Results.Ok(new ContactListDto(page.Items.Select(ToDto).ToList(),
                    page.NextAfterId?.ToString(CultureInfo.InvariantCulture)));
            })
            .WithName("ListContacts")
            .WithSummary("Contacts in id order, keyset-paged (every agent sees every contact, as on the Contatos page).")
            .Produces<ContactListDto>()
            .ProducesValidationProblem();

        api.MapGet("/contacts/{id:int}", async (int id, ContactDirectory contacts, HttpContext http) =>
                await contacts.GetAsync(id, http.RequestAborted) is { } contact
                    ? Results.Ok(ToDto(contact))
                    : Results.Problem(statusCode: StatusCodes.Status404NotFound,
                        title: ServerText.Get("Error.ContactNotFound", "Contato não encontrado.")))
            .WithName("GetContact")
            .WithSummary("One contact.")
            .Produces<ContactDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>A change the inbox's buttons make, refused with 409 when the conversation's state does not allow it.</summary>
    private static async Task<IResult> ChangeAsync(int id, ConversationDetails details, ChannelAccess access, InboxLookups lookups,
        HttpContext http, Func<Actor, Task> change)
    {
        if (await VisibleAsync(id, details, access, http) is { } notFound)
        {
            return notFound;
        }

        try
        {
            await change(await lookups.ActorAsync(http.User, http.RequestAborted));
        }
        catch (ConversationRuleException ex)
        {
            return Refused(ex);
        }

        return await CurrentAsync(id, details, access, http);
    }

    /// <summary>
    /// 404 for a conversation the caller may not see, checked before the command: the command checks again in its own
    /// transaction, but its refusal does not say whether the conversation was missing or a rule said no.
    /// </summary>
    private static async Task<IResult?> VisibleAsync(int id, ConversationDetails details, ChannelAccess access, HttpContext http) =>
        await details.GetAsync(id, await access.ForUserAsync(http.User, http.RequestAborted), http.RequestAborted) is null
            ? ConversationNotFound()
            : null;

    private static async Task<IResult> CurrentAsync(int id, ConversationDetails details, ChannelAccess access, HttpContext http) =>
        await details.GetAsync(id, await access.ForUserAsync(http.User, http.RequestAborted), http.RequestAborted) is { } detail
            ? Results.Ok(ToDto(detail))
            : ConversationNotFound();

    private static IResult Refused(ConversationRuleException ex) =>
        ex.Message == ConversationNotFoundText
            ? ConversationNotFound()
            : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: ex.Message);

    private static string ConversationNotFoundText => ServerText.Get("Error.ConversationNotFound", "Conversa não encontrada.");

    private static IResult ConversationNotFound() =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: ConversationNotFoundText);

    private static IResult FieldProblem(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    private static string? UserId(HttpContext http) => http.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;

    private static bool TryParse(ConversationListQuery query, out InboxFilter filter, out InboxCursor? after, out int limit,
        out Dictionary<string, string[]> errors)
    {
        errors = [];
        ConversationStatus? status = ConversationStatus.Open;
        switch (query.Status?.Trim().ToLowerInvariant())
        {
            case null or "" or "open":
                break;
            case "all":
                status = null;
                break;
            case var text when Enum.TryParse<ConversationStatus>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                                && !int.TryParse(text, out _):
                status = parsed;
                break;
            default:
                errors["status"] = [ServerText.Get("Error.ApiStatus", "Use open, pending, snoozed, resolved ou all.")];
                break;
        }

        var assignee = AssigneeFilter.All;
        switch (query.Assignee?.Trim().ToLowerInvariant())
        {
            case null or "" or "all":
                break;
            case "mine":
                assignee = AssigneeFilter.Mine;
                break;
            case "unassigned":
                assignee = AssigneeFilter.Unassigned;
                break;
            default:
                errors["assignee"] = [ServerText.Get("Error.ApiAssignee", "Use all, mine ou unassigned.")];
                break;
        }

        after = null;
        if (!string.IsNullOrEmpty(query.After))
        {
            after = Decode(query.After);
            if (after is null)
            {
                errors["after"] = CursorError()["after"];
            }
        }

        limit = ParseLimit(query.Limit, errors);
        filter = new InboxFilter
        {
            Status = status,
            Assignee = assignee,
            ChannelId = query.ChannelId,
            ChannelGroupId = query.ChannelGroupId,
            LabelId = query.LabelId,
            Search = string.IsNullOrWhiteSpace(query.Q) ? null : query.Q,
        };
        return errors.Count == 0;
    }

    private static bool TryParse(PageQuery query, out long after, out int limit, out Dictionary<string, string[]> errors)
    {
        errors = [];
        after = 0;
        if (!string.IsNullOrEmpty(query.After) &&
            (!long.TryParse(query.After, NumberStyles.None, CultureInfo.InvariantCulture, out after) || after < 0))
        {
            errors["after"] = CursorError()["after"];
        }

        limit = ParseLimit(query.Limit, errors);
        return errors.Count == 0;
    }

    private static int ParseLimit(int? limit, Dictionary<string, string[]> errors)
    {
        if (limit is null)
        {
            return InboxQuery.DefaultPageSize;
        }

        if (limit is < 1 or > MaxPageSize)
        {
            errors["limit"] = [ServerText.Get("Error.ApiLimit", "Use um limit de 1 a {0}.", MaxPageSize)];
        }

        return limit.Value;
    }

    private static Dictionary<string, string[]> CursorError() =>
        new() { ["after"] = [ServerText.Get("Error.ApiCursor", "Use o nextCursor da página anterior.")] };

    /// <summary>The list's cursor, opaque to clients: the last row's activity time (ticks) and id, base64url.</summary>
    private static string Encode(InboxCursor cursor) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{cursor.LastActivityAt.Ticks}.{cursor.Id}")));

    private static InboxCursor? Decode(string text)
    {
        try
        {
            var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(text)).Split('.');
            return parts.Length == 2
                   && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                   && ticks <= DateTime.MaxValue.Ticks
                   && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? new InboxCursor(new DateTime(ticks, DateTimeKind.Utc), id)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static ConversationSummaryDto ToDto(ConversationListItem c) => new(c.Id, c.ChannelId, c.ChannelName, c.ChannelType.ToString(),
        c.ContactName, c.Status.ToString(), c.AssigneeId, c.AssigneeName, c.Priority.ToString(), c.UnreadCount, c.LastMessagePreview,
        c.LastActivityAt, c.MatchedText);

    private static ConversationDto ToDto(ConversationDetail c) => new(c.Id, c.ChannelId, c.ChannelName, c.ChannelType.ToString(),
        new ConversationContactDto(c.ContactId, c.ContactName, c.ContactEmail, c.ContactPhone), c.Status.ToString(), c.AssigneeId,
        c.AssigneeName, c.Priority.ToString(), c.Labels.Select(l => new LabelDto(l.Id, l.Name, l.Color)).ToList(), c.UnreadCount,
        c.LastMessagePreview, c.CreatedAt, c.LastActivityAt, c.LastCustomerMessageAt, c.SnoozedUntil, c.ResolvedAt);

    private static MessageDto ToDto(ThreadMessage m) => new(m.Id, m.Direction.ToString(), m.Kind.ToString(),
        m.Kind == MessageKind.PrivateNote, m.SenderType.ToString(), m.SenderId, m.SenderName, m.Content, m.DeliveryStatus.ToString(),
        m.FailureReason, m.CreatedAt)
    {
        Attachments = m.Attachments.Select(a => new AttachmentDto(a.Id, a.Kind.ToString(), a.State.ToString(), a.ContentType, a.FileName,
            a.Size, a.DurationSeconds, a.Details?.Latitude, a.Details?.Longitude, a.Details?.Name, a.Details?.Phones,
            a.State == Core.Media.MediaState.Ready && a.Kind is not (Core.Media.MediaKind.Location or Core.Media.MediaKind.Contact)
                ? $"/media/{a.Id}" : null)).ToList(),
    };

    private static MessageDto ToDto(Message m) => new(m.Id, m.Direction.ToString(), m.Kind.ToString(),
        m.Kind == MessageKind.PrivateNote, m.SenderType.ToString(), m.SenderId, m.SenderName, m.Content, m.DeliveryStatus.ToString(),
        m.FailureReason, m.CreatedAt);

    private static ContactDto ToDto(ContactSummary c) => new(c.Id, c.Name, c.Email, c.Phone, c.CreatedAt);
}
