using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Agents;

public sealed record ApiTokenView(int Id, string Name, string Prefix, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>
/// Personal API tokens: created and revoked by their owner (one unit of work each); only the SHA-256 is stored, the token
/// is shown once.
/// </summary>
public sealed class ApiTokenService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units, TimeProvider time)
{
    public const string TokenPrefix = "ttm_pat";
    public const int MaxNameLength = 100;

    public async Task<IReadOnlyList<ApiTokenView>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).ToListAsync(cancellationToken);
        return tokens.OrderByDescending(t => t.CreatedAt).Select(t => new ApiTokenView(t.Id, t.Name, t.Prefix, t.CreatedAt, t.RevokedAt)).ToList();
    }

    /// <summary>Creates a token; the returned value is the only time it exists in full.</summary>
    public async Task<AdminResult<string>> CreateAsync(string userId, string? name, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxNameLength)
        {
            return AdminResult<string>.Invalid(new Dictionary<string, string> { ["Name"] = "Informe um nome de até 100 caracteres." });
        }

        var token = Secrets.NewToken(TokenPrefix);
        await using var unit = await units.BeginAsync(cancellationToken);
        unit.Db.ApiTokens.Add(new ApiToken(userId, name.Trim(), Secrets.Hash(token), token[..12], time.GetUtcNow().UtcDateTime));
        await unit.CommitAsync(cancellationToken);
        return AdminResult<string>.Ok(token);
    }

    public async Task<bool> RevokeAsync(string userId, int tokenId, CancellationToken cancellationToken = default)
    {
        await using var unit = await units.BeginAsync(cancellationToken);
        var token = await unit.Db.ApiTokens.FirstOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, cancellationToken);
        if (token is null)
        {
            return false;
        }

        token.Revoke(time.GetUtcNow().UtcDateTime);
        await unit.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The owner of a live token, or null.</summary>
    public async Task<string?> FindUserIdAsync(string token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200)
        {
            return null;
        }

        var hash = Secrets.Hash(token);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.ApiTokens.AsNoTracking().Where(t => t.TokenHash == hash && t.RevokedAt == null)
            .Select(t => t.UserId).FirstOrDefaultAsync(cancellationToken);
    }
}
