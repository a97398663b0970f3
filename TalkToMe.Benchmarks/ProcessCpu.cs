namespace TalkToMe.Benchmarks;

/// <summary>
/// CPU time of processes on this Linux machine from /proc, so a benchmark can report the CPU per message of each
/// process that served it: each app node, PostgreSQL (the server and its backends) and Redis.
/// </summary>
public static class ProcessCpu
{
    /// <summary>Clock ticks per second of /proc's times (USER_HZ, 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>User plus system time of the process, in milliseconds; with its reaped children when asked.</summary>
    public static double Milliseconds(int pid, bool withReapedChildren = false)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11]) + long.Parse(fields[12]);
            if (withReapedChildren)
            {
                ticks += long.Parse(fields[13]) + long.Parse(fields[14]);
            }

            return ticks * 1000 / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0; // The process ended between listing and reading.
        }
    }

    /// <summary>
    /// User plus system time of the process's live threads whose name passes <paramref name="name"/> (".NET Tiered
    /// Compilation Worker", ".NET TP Worker", ".NET BGC", "DefaultSocketManager"…), in milliseconds: tells a node's work
    /// on requests apart from the JIT and the garbage collector. Threads that have ended are not counted.
    /// </summary>
    public static double ThreadsMilliseconds(int pid, Func<string, bool> name)
    {
        double total = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var open = stat.IndexOf('(');
                    var close = stat.LastIndexOf(')');
                    if (!name(stat[(open + 1)..close]))
                    {
                        continue;
                    }

                    var fields = stat[(close + 2)..].Split(' ');
                    total += (long.Parse(fields[11]) + long.Parse(fields[12])) * 1000 / TicksPerSecond;
                }
                catch (IOException)
                {
                    // The thread ended between listing and reading.
                }
            }
        }
        catch (IOException)
        {
        }

        return total;
    }

    /// <summary>A server and its children: the PostgreSQL postmaster with every backend (and those that ended).</summary>
    public static double TreeMilliseconds(int pid)
    {
        var total = Milliseconds(pid, withReapedChildren: true);
        foreach (var child in Children(pid))
        {
            total += Milliseconds(child);
        }

        return total;
    }

    /// <summary>The process whose command line has every one of these words (e.g. "postgres", "-p", "54346"), or null.</summary>
    public static int? Find(params string[] words)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var arguments = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (words.All(w => arguments.Any(a => a.Contains(w, StringComparison.Ordinal))))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    private static IEnumerable<int> Children(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            if (int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]) == parent)
            {
                yield return pid;
            }
        }
    }
}
