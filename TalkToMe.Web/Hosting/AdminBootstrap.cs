using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Data;

namespace TalkToMe.Web.Hosting;

/// <summary>Creates the roles and, while no user exists, the first admin from TalkToMe:Admin:Email / Password.</summary>
public sealed class AdminBootstrap(
    UserManager<AppUser> users,
    RoleManager<IdentityRole> roles,
    TalkToMeDbContext db,
    IOptions<TalkToMeOptions> options,
    TimeProvider time,
    ILogger<AdminBootstrap> logger)
{
    public async Task RunAsync()
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                try
                {
                    Check(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
                }
                catch (DbUpdateException)
                {
                    // Another node starting beside this one (a deploy of several nodes) may have created it first.
                    if (!await AnotherNodeDidItAsync(() => roles.RoleExistsAsync(role)))
                    {
                        throw;
                    }
                }
            }
        }

        if (users.Users.Any())
        {
            return;
        }

        var admin = options.Value.Admin;
        if (string.IsNullOrWhiteSpace(admin.Email) || string.IsNullOrWhiteSpace(admin.Password))
        {
            throw new StartupException(
                "No user exists yet and TalkToMe:Admin:Email / TalkToMe:Admin:Password are not set. " +
                "Set the environment variables TalkToMe__Admin__Email and TalkToMe__Admin__Password to create the first admin.");
        }

        var user = new AppUser
        {
            UserName = admin.Email.Trim(),
            Email = admin.Email.Trim(),
            EmailConfirmed = true,
            DisplayName = "Admin",
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        try
        {
            Check(await users.CreateAsync(user, admin.Password), "create the first admin");
        }
        catch (DbUpdateException)
        {
            if (await AnotherNodeDidItAsync(() => Task.FromResult(users.Users.Any())))
            {
                return;
            }

            throw;
        }

        Check(await users.AddToRoleAsync(user, Roles.Admin), "give the first admin the Admin role");
        logger.LogInformation("Created the first admin {Email}", user.Email);
    }

    /// <summary>After a refused insert: forgets it (the stores share this context) and checks that the row is there now.</summary>
    private async Task<bool> AnotherNodeDidItAsync(Func<Task<bool>> exists)
    {
        db.ChangeTracker.Clear();
        return await exists();
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new StartupException($"Could not {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
