using Microsoft.Extensions.Options;
using TalkToMe.Core.Data;

namespace TalkToMe.Web.Hosting;

/// <summary>
/// Runs before the server accepts requests (hosted services start first): migrates the database, creates the roles
/// and the first admin, and seeds demo data when asked. A failure stops the start with a clear message.
/// </summary>
public sealed class StartupTasks(IServiceScopeFactory scopes, IOptions<TalkToMeOptions> options, DatabaseSettings database)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException
                                       || ex is InvalidOperationException && ex.InnerException is System.Data.Common.DbException or System.Net.Sockets.SocketException or TimeoutException)
        {
            // An unreachable server, a refused password, a missing database: said plainly, with where it was looked for.
            var cause = ex.InnerException is { } inner && ex is InvalidOperationException ? inner.Message : ex.Message;
            throw new StartupException($"The database cannot be opened or migrated ({database.Describe()}): {cause}", ex);
        }
        catch (DatabaseUpgradeException ex)
        {
            throw new StartupException(ex.Message, ex);
        }

        await scope.ServiceProvider.GetRequiredService<AdminBootstrap>().RunAsync();
        if (options.Value.SeedDemoData)
        {
            await scope.ServiceProvider.GetRequiredService<DemoData>().SeedAsync();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
