using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Conversations;

public sealed record CannedResponseRow(int Id, string ShortCode, string Content);

/// <summary>
/// "Respostas prontas": admins manage them (one unit of work per change); every agent reads them from the reply box
/// ("/" + short code).
/// </summary>
public sealed class CannedResponseService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units)
{
    public async Task<IReadOnlyList<CannedResponseRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.CannedResponses.AsNoTracking().OrderBy(c => c.ShortCode)
            .Select(c => new CannedResponseRow(c.Id, c.ShortCode, c.Content)).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, string>> SaveAsync(Actor actor, int? id, string shortCode, string content,
        CancellationToken cancellationToken = default)
    {
        AdminGuard.Require(actor);
        var errors = new Dictionary<string, string>();
        var code = (shortCode ?? "").Trim().TrimStart('/');
        if (code.Length == 0)
        {
            errors["ShortCode"] = ServerText.Get("Error.ShortCodeRequired", "Informe o código curto.");
        }
        else if (code.Length > 40 || code.Any(char.IsWhiteSpace))
        {
            errors["ShortCode"] = ServerText.Get("Error.ShortCodeFormat", "Use até 40 caracteres, sem espaços.");
        }

        if (string.IsNullOrWhiteSpace(content))
        {
            errors["Content"] = ServerText.Get("Error.ContentRequired", "Informe o conteúdo.");
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        if (await db.CannedResponses.AnyAsync(c => c.ShortCode == code && c.Id != id, cancellationToken))
        {
            errors["ShortCode"] = ServerText.Get("Error.ShortCodeTaken", "Já existe uma resposta pronta com este código.");
            return errors;
        }

        if (id is { } existingId)
        {
            var canned = await db.CannedResponses.FirstOrDefaultAsync(c => c.Id == existingId, cancellationToken);
            if (canned is null)
            {
                errors["ShortCode"] = ServerText.Get("Error.CannedResponseNotFound", "Resposta pronta não encontrada.");
                return errors;
            }

            canned.Update(code, content);
        }
        else
        {
            db.CannedResponses.Add(new CannedResponse(code, content));
        }

        try
        {
            await unit.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (UniqueViolation.Is(ex))
        {
            // Another admin saved the same code at the same instant (PostgreSQL: both passed the check above).
            errors["ShortCode"] = ServerText.Get("Error.ShortCodeTaken", "Já existe uma resposta pronta com este código.");
        }

        return errors;
    }

    public async Task DeleteAsync(Actor actor, int id, CancellationToken cancellationToken = default)
    {
        AdminGuard.Require(actor);
        await units.InTransactionAsync(unit => unit.Db.CannedResponses.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken),
            cancellationToken);
    }
}
