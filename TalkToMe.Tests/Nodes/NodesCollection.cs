namespace TalkToMe.Tests.Nodes;

/// <summary>
/// The many-nodes tests run several app processes (and a browser) each: they run one at a time, after the parallel
/// suites, so their timing does not depend on what else the two cores are doing.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NodesCollection
{
    public const string Name = "Many nodes";
}
