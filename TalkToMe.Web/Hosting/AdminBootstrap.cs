using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Agents;

namespace TalkToMe.Web.Hosting;

/// <summary>Creates the roles and, while no user exists, the first admin from TalkToMe:Admin:Email / Password.</summary>
public sealed class AdminBootstrap(
    UserManager<AppUser> users,
    RoleManager<IdentityRole> roles,
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
                Check(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
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
        Check(await users.CreateAsync(user, admin.Password), "create the first admin");
        Check(await users.AddToRoleAsync(user, Roles.Admin), "give the first admin the Admin role");
        logger.LogInformation("Created the first admin {Email}", user.Email);
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new StartupException($"Could not {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
