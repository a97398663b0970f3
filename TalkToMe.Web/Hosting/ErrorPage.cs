using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using TalkToMe.Web.Components.Pages.Errors;

namespace TalkToMe.Web.Hosting;

/// <summary>
/// Where UseExceptionHandler re-executes a crashed request outside Development: a friendly, localized page with the
/// trace id that finds the error in the log. Mapped for every method (a crashed form post is re-executed as a POST)
/// and without antiforgery or authorization, which are what might have failed.
/// </summary>
public static class ErrorPage
{
    public const string Path = "/error";

    public static void MapErrorPage(this IEndpointRouteBuilder app) =>
        app.Map(Path, IResult (HttpContext context, ILoggerFactory loggers) =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>();
            if (error is null)
            {
                // Only a crash shows this page; typed in by hand it does not exist.
                return Results.NotFound();
            }

            var traceId = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
            loggers.CreateLogger("TalkToMe.Errors").LogError(
                "The error page was shown for trace {TraceId} after {Method} {Path} failed with {ErrorType}",
                traceId, context.Request.Method, error.Path, error.Error.GetType().Name);
            return new RazorComponentResult<ErrorView>(new { TraceId = traceId })
            {
                StatusCode = StatusCodes.Status500InternalServerError,
            };
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
}
