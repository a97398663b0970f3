using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using System.Globalization;
using Microsoft.JSInterop;
using MudBlazor.Services;

namespace TalkToMe.Tests.Support;

/// <summary>Renders a component to HTML with the framework's HtmlRenderer and parses it with AngleSharp (bUnit is not served).</summary>
public static class ComponentRenderer
{
    public static async Task<IDocument> RenderAsync<TComponent>(IDictionary<string, object?> parameters,
        Action<IServiceCollection>? services = null, string culture = "pt-BR") where TComponent : IComponent
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddLocalization(o => o.ResourcesPath = "Resources");
        collection.AddMudServices();
        // Static rendering never runs JavaScript; MudBlazor components only need the service to exist.
        collection.AddSingleton<IJSRuntime, NoJavaScript>();
        services?.Invoke(collection);
        await using var provider = collection.BuildServiceProvider();
        await using var renderer = new HtmlRenderer(provider, provider.GetRequiredService<ILoggerFactory>());

        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            var html = await renderer.Dispatcher.InvokeAsync(async () =>
            {
                var output = await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters));
                return output.ToHtmlString();
            });
            return new HtmlParser().ParseDocument($"<html><body>{html}</body></html>");
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}

internal sealed class NoJavaScript : IJSRuntime
{
    public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) =>
        throw new InvalidOperationException($"JavaScript '{identifier}' was called during a static render.");

    public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args) =>
        InvokeAsync<TValue>(identifier, args);
}
