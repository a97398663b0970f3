using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Tests.Core.Data;

/// <summary>
/// Issue 12 "One data layer": every writer goes through a <see cref="UnitOfWork"/>, which takes the writer's turn (SQLite),
/// owns the transaction and publishes after the commit. A writer that saves on a context of its own skips all three: on
/// SQLite it collides with the queued writers (SQLITE_BUSY under load), and the inbox never hears of its change.
/// This reads the IL of TalkToMe.Core and TalkToMe.Web (Razor components included), so a new writer is caught whether
/// or not any test runs it:
/// <list type="bullet">
/// <item>only <c>Data/</c> (the unit itself, the migrator, the copier) calls <see cref="DbContext.SaveChanges()"/>; every
/// other writer calls <see cref="UnitOfWork.SaveChangesAsync"/> or <see cref="UnitOfWork.CommitAsync"/>, which remember
/// what changed for the events;</item>
/// <item>a set-based write (ExecuteUpdate, ExecuteDelete, ExecuteSql) or a transaction begun by hand happens only in a
/// method that works on a unit (it uses a <see cref="UnitOfWork"/> member, as <c>unit.Db…ExecuteDeleteAsync</c> does).</item>
/// </list>
/// Not seen: ASP.NET Identity's writes (UserManager saves on its own scoped context, inside the Identity assembly) and raw
/// ADO.NET commands, which here only run on a unit's connection and transaction (KeepAliveRows, InboundFastPath).
/// </summary>
public sealed partial class UnitOfWorkGuardTests
{
    /// <summary>Methods that may write outside a unit, and why. Keep this short: each one is a writer the gate cannot see.</summary>
    private static readonly Dictionary<string, string> Allowed = new()
    {
        ["TalkToMe.Core.Messaging.OutboundDispatcher.ClaimAsync"] =
            "one conditional UPDATE that publishes nothing, under the writer's turn it takes itself: a unit would add BEGIN and COMMIT round trips to every send",
        ["TalkToMe.Web.Hosting.DatabaseHealthCheck.CheckHealthAsync"] = "SELECT 1: reads",
        ["TalkToMe.Web.Hosting.DatabaseKeyRepository.StoreElement"] =
            "ASP.NET Core's key ring stores a new signing key synchronously under its own lock: one INSERT that publishes nothing",
    };

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    [Fact]
    public void EveryWriteGoesThroughAUnitOfWork()
    {
        var problems = new List<string>();
        foreach (var (method, called) in Bodies())
        {
            var owner = Owner(method);
            if (method.DeclaringType!.Namespace?.StartsWith("TalkToMe.Core.Data", StringComparison.Ordinal) == true || Allowed.ContainsKey(owner))
            {
                continue;
            }

            var usesUnit = called.Any(c => c.DeclaringType == typeof(UnitOfWork));
            foreach (var call in called)
            {
                if (IsSaveChanges(call))
                {
                    problems.Add($"{owner} calls {call.DeclaringType!.Name}.{call.Name}: save through a unit of work (UnitOfWorkFactory.BeginAsync … unit.CommitAsync)");
                }
                else if (IsSetBasedWriteOrTransaction(call) && !usesUnit)
                {
                    problems.Add($"{owner} calls {call.Name} outside a unit of work: run it on unit.Db inside UnitOfWorkFactory.BeginAsync … unit.CommitAsync");
                }
            }
        }

        Assert.True(problems.Count == 0, "Writers outside a unit of work:\n" + string.Join("\n", problems.Distinct().Order()));
    }

    /// <summary>The scan sees calls at all: the unit's own save is found, so an empty result above means something.</summary>
    [Fact]
    public void TheScanFindsTheUnitsOwnSave()
    {
        Assert.Contains(Bodies(), b => Owner(b.Method) == "TalkToMe.Core.Data.UnitOfWork.SaveChangesAsync" && b.Called.Any(IsSaveChanges));
    }

    private static bool IsSaveChanges(MethodBase call) =>
        call.Name.StartsWith("SaveChanges", StringComparison.Ordinal) && typeof(DbContext).IsAssignableFrom(call.DeclaringType);

    private static bool IsSetBasedWriteOrTransaction(MethodBase call) =>
        call.DeclaringType?.Namespace?.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) == true
        && (call.Name.StartsWith("ExecuteUpdate", StringComparison.Ordinal)
            || call.Name.StartsWith("ExecuteDelete", StringComparison.Ordinal)
            || call.Name.StartsWith("ExecuteSql", StringComparison.Ordinal)
            || call.Name.StartsWith("BeginTransaction", StringComparison.Ordinal));

    /// <summary>Every method body of the two assemblies with the methods it calls.</summary>
    private static IEnumerable<(MethodBase Method, List<MethodBase> Called)> Bodies()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var assembly in new[] { typeof(UnitOfWork).Assembly, typeof(DemoData).Assembly })
        {
            foreach (var type in assembly.GetTypes())
            {
                foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
                {
                    if (method.GetMethodBody()?.GetILAsByteArray() is { } il)
                    {
                        yield return (method, Calls(method, il).ToList());
                    }
                }
            }
        }
    }

    /// <summary>The methods a body calls (call, callvirt, newobj, ldftn): a small IL walk, operands skipped by their size.</summary>
    private static IEnumerable<MethodBase> Calls(MethodBase method, byte[] il)
    {
        var typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            var value = il[i] == 0xFE ? unchecked((short)(0xFE00 | il[++i])) : il[i];
            i++;
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineMethod:
                    MethodBase? called = null;
                    try
                    {
                        called = method.Module.ResolveMethod(BitConverter.ToInt32(il, i), typeArguments, methodArguments);
                    }
                    catch (ArgumentException)
                    {
                        // A generic signature this context cannot instantiate: not one of the EF methods looked for.
                    }

                    if (called is not null)
                    {
                        yield return called;
                    }

                    i += 4;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }

    /// <summary>
    /// The method as written in the source: an async method's state machine and a lambda's closure are compiler-made
    /// types inside the class, named after the method (<c>&lt;SaveAsync&gt;d__3</c>, <c>&lt;SaveAsync&gt;b__0</c>).
    /// </summary>
    private static string Owner(MethodBase method)
    {
        var type = method.DeclaringType!;
        var names = new List<string> { method.Name };
        while (type.Name.StartsWith('<') && type.DeclaringType is { } outer)
        {
            names.Add(type.Name);
            type = outer;
        }

        var written = names.Select(n => SourceName().Match(n)).FirstOrDefault(m => m.Success)?.Groups[1].Value ?? method.Name;
        return $"{type.FullName}.{written}";
    }

    [GeneratedRegex(@"<(\w+)>")]
    private static partial Regex SourceName();
}
