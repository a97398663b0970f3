using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Conversations;

public sealed record LabelRow(int Id, string Name, string Color);

/// <summary>
/// "Etiquetas": admins create, edit and delete them; anyone reads them. Returns field errors, empty when it worked. Each
/// change is one unit of work, so the name check and the write see the same database (SQLite: the writer's turn).
/// </summary>
public sealed partial class LabelService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units)
{
    public async Task<IReadOnlyList<LabelRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Labels.AsNoTracking().OrderBy(l => l.Name)
            .Select(l => new LabelRow(l.Id, l.Name, l.Color)).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, string>> SaveAsync(Actor actor, int? id, string name, string color,
        CancellationToken cancellationToken = default)
    {
        AdminGuard.Require(actor);
        var errors = new Dictionary<string, string>();
        var normalized = (name ?? "").Trim().ToLowerInvariant();
        if (normalized.Length == 0)
        {
            errors["Name"] = ServerText.Get("Error.NameRequired", "Informe o nome.");
        }
        else if (normalized.Length > 50)
        {
            errors["Name"] = ServerText.Get("Error.Max50Characters", "Use no máximo 50 caracteres.");
        }

        if (!string.IsNullOrWhiteSpace(color) && !ColorPattern().IsMatch(color.Trim()))
        {
            errors["Color"] = ServerText.Get("Error.ColorFormat", "Use uma cor no formato #RRGGBB.");
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        if (await db.Labels.AnyAsync(l => l.Name == normalized && l.Id != id, cancellationToken))
        {
            errors["Name"] = ServerText.Get("Error.LabelNameTaken", "Já existe uma etiqueta com este nome.");
            return errors;
        }

        if (id is { } existingId)
        {
            var label = await db.Labels.FirstOrDefaultAsync(l => l.Id == existingId, cancellationToken);
            if (label is null)
            {
                errors["Name"] = ServerText.Get("Error.LabelNotFound", "Etiqueta não encontrada.");
                return errors;
            }

            label.Update(normalized, color ?? "");
        }
        else
        {
            db.Labels.Add(new Label(normalized, color ?? ""));
        }

        try
        {
            await unit.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (UniqueViolation.Is(ex))
        {
            // Another admin saved the same name at the same instant (PostgreSQL: both passed the check above).
            errors["Name"] = ServerText.Get("Error.LabelNameTaken", "Já existe uma etiqueta com este nome.");
        }

        return errors;
    }

    public async Task DeleteAsync(Actor actor, int id, CancellationToken cancellationToken = default)
    {
        AdminGuard.Require(actor);
        await units.InTransactionAsync(unit => unit.Db.Labels.Where(l => l.Id == id).ExecuteDeleteAsync(cancellationToken), cancellationToken);
    }

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex ColorPattern();
}
