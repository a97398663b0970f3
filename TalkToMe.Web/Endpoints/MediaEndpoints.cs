using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Data;
using TalkToMe.Core.Media;

namespace TalkToMe.Web.Endpoints;

/// <summary>
/// The one way to a stored file (issue 14, "Storage"): a signed-in user whose channels include the conversation's. Served
/// with <c>nosniff</c>; inline only for images, audio and video the browser plays (the type decided from the file's own
/// bytes when it was stored), as a download for everything else, HTML and SVG included.
/// </summary>
public static class MediaEndpoints
{
    /// <summary>The signed-in page's cookie, or a personal API token (an integration that read the message through the API).</summary>
    public const string ReaderPolicy = "MediaReader";

    public static void MapMediaEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/media/{id:long}", ServeAsync).RequireAuthorization(ReaderPolicy).ExcludeFromDescription();
        // What LINE, Twilio and Meta fetch an agent's file from: no sign-in, the signed link is the permission.
        app.MapGet("/media/public/{token}", ServePublicAsync).AllowAnonymous().ExcludeFromDescription();
        // What the website widget shows a visitor: any file of their own conversation, by a link the widget page made.
        app.MapGet("/media/visitor/{token}", ServeVisitorAsync).AllowAnonymous().ExcludeFromDescription();
    }

    private static async Task<IResult> ServeVisitorAsync(string token, HttpContext http, IDbContextFactory<TalkToMeDbContext> factory,
        SignedMediaLinks links, IMediaStore store, CancellationToken cancellationToken)
    {
        if (links.ReadVisitor(token) is not var (id, conversationId))
        {
            return Results.NotFound();
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await ServeStoredAsync(http, store, db.Attachments.Where(a => a.Id == id && a.ConversationId == conversationId), cancellationToken);
    }

    private static async Task<IResult> ServePublicAsync(string token, HttpContext http, IDbContextFactory<TalkToMeDbContext> factory,
        SignedMediaLinks links, IMediaStore store, CancellationToken cancellationToken)
    {
        if (links.Read(token) is not { } id)
        {
            return Results.NotFound();
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // Only files agents sent: a link never opens what a customer sent, even if one were made for it.
        return await ServeStoredAsync(http, store,
            db.Attachments.Where(a => a.Id == id && a.Message.Direction == TalkToMe.Core.Messaging.MessageDirection.Outgoing), cancellationToken);
    }

    /// <summary>The one stored, ready file <paramref name="attachments"/> narrows to, or 404 (a link's scope checked by the caller's filter).</summary>
    private static async Task<IResult> ServeStoredAsync(HttpContext http, IMediaStore store, IQueryable<Attachment> attachments,
        CancellationToken cancellationToken)
    {
        var attachment = await attachments.AsNoTracking().Where(a => a.State == MediaState.Ready && a.Sha256 != null)
            .Select(a => new { a.Sha256, a.ContentType, a.FileName, a.Kind }).FirstOrDefaultAsync(cancellationToken);
        return attachment is not null && await store.OpenReadAsync(attachment.Sha256!, cancellationToken) is { } file
            ? Serve(http, file, attachment.ContentType, attachment.FileName, attachment.Kind)
            : Results.NotFound();
    }

    private static async Task<IResult> ServeAsync(long id, HttpContext http, IDbContextFactory<TalkToMeDbContext> factory,
        ChannelAccess access, IMediaStore store, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var attachment = await db.Attachments.AsNoTracking().Where(a => a.Id == id && a.State == MediaState.Ready && a.Sha256 != null)
            .Select(a => new { a.ChannelId, a.Sha256, a.ContentType, a.FileName, a.Kind }).FirstOrDefaultAsync(cancellationToken);
        // Not found and not allowed answer alike: an agent learns nothing of another team's files.
        if (attachment is null || !(await access.ForUserAsync(http.User.FindFirstValue(ClaimTypes.NameIdentifier), cancellationToken)).Allows(attachment.ChannelId)
            || await store.OpenReadAsync(attachment.Sha256!, cancellationToken) is not { } file)
        {
            return Results.NotFound();
        }

        return Serve(http, file, attachment.ContentType, attachment.FileName, attachment.Kind);
    }

    /// <summary>The headers every stored file goes out with, whoever may read it.</summary>
    public static IResult Serve(HttpContext http, Stream file, string? contentType, string? fileName, MediaKind kind)
    {
        var inline = MediaSniffer.IsPlayable(contentType);
        var type = inline || (contentType is { Length: > 0 } && !contentType.Contains("html", StringComparison.OrdinalIgnoreCase)
            && !contentType.Contains("svg", StringComparison.OrdinalIgnoreCase) && !contentType.Contains("xml", StringComparison.OrdinalIgnoreCase))
            ? contentType!
            : MediaSniffer.Binary;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        // A file is immutable (its name is its hash): the browser may keep it, but only for this user.
        http.Response.Headers.CacheControl = "private, max-age=86400";
        var name = string.IsNullOrWhiteSpace(fileName) ? DefaultName(kind, type) : fileName;
        var disposition = new ContentDispositionHeaderValue(inline ? "inline" : "attachment");
        disposition.SetHttpFileName(name);
        http.Response.Headers.ContentDisposition = disposition.ToString();
        return Results.Stream(file, type, enableRangeProcessing: true);
    }

    private static string DefaultName(MediaKind kind, string type) =>
        kind.ToString().ToLowerInvariant() + type switch
        {
            "image/jpeg" => ".jpg",
            "image/png" => ".png",
            "image/webp" => ".webp",
            "image/gif" => ".gif",
            "audio/ogg" => ".ogg",
            "audio/mpeg" => ".mp3",
            "video/mp4" => ".mp4",
            "application/pdf" => ".pdf",
            _ => "",
        };
}
