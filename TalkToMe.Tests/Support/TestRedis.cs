namespace TalkToMe.Tests.Support;

/// <summary>The private Redis server the test script starts (tools/test-redis.sh) and names in TALKTOME_TEST_REDIS.</summary>
public static class TestRedis
{
    /// <summary>
    /// A connection string of its own: the channel prefix keeps each test's nodes apart from those of tests running
    /// beside it on the same server.
    /// </summary>
    public static string NewConnectionString()
    {
        var server = Environment.GetEnvironmentVariable("TALKTOME_TEST_REDIS") is { Length: > 0 } value ? value : throw new InvalidOperationException(
            "The many-nodes tests need TALKTOME_TEST_REDIS (host:port of a Redis they may use): run ./test.sh, which starts a private one.");
        return $"{server},channelPrefix=ttm-{Guid.NewGuid():N}:";
    }
}
