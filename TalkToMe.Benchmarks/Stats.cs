namespace TalkToMe.Benchmarks;

public static class Stats
{
    public static double Percentile(IReadOnlyList<double> sortedMs, double p)
    {
        if (sortedMs.Count == 0)
        {
            return double.NaN;
        }

        var index = (int)Math.Ceiling(p / 100.0 * sortedMs.Count) - 1;
        return sortedMs[Math.Clamp(index, 0, sortedMs.Count - 1)];
    }

    public static string Summary(List<double> samplesMs)
    {
        samplesMs.Sort();
        return $"n={samplesMs.Count} p50={Percentile(samplesMs, 50):0.00} ms p99={Percentile(samplesMs, 99):0.00} ms max={samplesMs[^1]:0.00} ms";
    }

    public static string TempDatabase(string name) => Path.Combine(Path.GetTempPath(), $"talktome-bench-{name}-{Guid.NewGuid():N}.db");

    public static void Delete(string path)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }
}
