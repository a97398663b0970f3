namespace TalkToMe.Tests.Support;

/// <summary>
/// A nightly-style test (minutes of real time): skipped unless TALKTOME_LONG_TESTS=1. Mark it also with
/// <c>[Trait("Category", "Long")]</c> so <c>--filter Category=Long</c> runs just those (README "Tests").
/// </summary>
public sealed class LongFactAttribute : FactAttribute
{
    public const string Variable = "TALKTOME_LONG_TESTS";

    public LongFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"Long test: run with {Variable}=1 dotnet test TalkToMe.Tests --filter Category=Long";
        }
    }
}
