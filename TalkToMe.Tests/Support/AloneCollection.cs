namespace TalkToMe.Tests.Support;

/// <summary>
/// Tests that measure the whole process (its managed heap) run one at a time, after the parallel suites, so what other
/// tests allocate does not count as theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "Alone";
}
