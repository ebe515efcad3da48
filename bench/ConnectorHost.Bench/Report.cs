using System.Globalization;

namespace ConnectorHost.Bench;

/// <summary>Prints results and appends them, as Markdown, to a results file in the work folder.</summary>
internal sealed class Report(string path)
{
    public string Path { get; } = path;

    public void Machine()
    {
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?.Split(':')[1].Trim()
            : "unknown";
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
        Line($"\n## Run of {DateTimeOffsetText()} — {Environment.ProcessorCount} cores, {memory} memory, load average at start {load}\n");
    }

    public void Heading(string text) => Line($"\n### {text}\n");

    public void Line(string text)
    {
        Console.WriteLine(text);
        File.AppendAllText(Path, text + "\n");
    }

    public void Load() =>
        Line($"load average now: {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown")}");

    private static string DateTimeOffsetText() =>
        TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
