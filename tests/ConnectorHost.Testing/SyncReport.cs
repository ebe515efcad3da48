using System.Text.Json;
using NUnit.Framework;

namespace ConnectorHost.Testing;

/// <summary>The run report <c>sync --json</c> printed.</summary>
public sealed record SyncReport(
    CliResult Cli,
    string Outcome,
    int Read,
    int Added,
    int Updated,
    int Deleted,
    int Unchanged,
    int Skipped,
    int DeadLettered,
    int Pruned,
    IReadOnlyList<string> SkipReasons)
{
    /// <summary>Reads the report and prints its counts to the test output.</summary>
    public static SyncReport Parse(CliResult cli)
    {
        using var json = JsonDocument.Parse(cli.Output);
        var root = json.RootElement;
        var report = new SyncReport(
            cli,
            root.GetProperty("outcome").GetString()!,
            root.GetProperty("read").GetInt32(),
            root.GetProperty("added").GetInt32(),
            root.GetProperty("updated").GetInt32(),
            root.GetProperty("deleted").GetInt32(),
            root.GetProperty("unchanged").GetInt32(),
            root.GetProperty("skipped").GetInt32(),
            root.GetProperty("deadLettered").GetInt32(),
            root.GetProperty("pruned").GetInt32(),
            [.. root.GetProperty("skipReasons").EnumerateArray().Select(r => r.GetString()!)]);
        TestContext.Out.WriteLine(
            $"  run: {report.Outcome} · read {report.Read} · added {report.Added} · updated {report.Updated} · deleted {report.Deleted} · " +
            $"unchanged {report.Unchanged} · skipped {report.Skipped} · dead-lettered {report.DeadLettered} · pruned {report.Pruned}");
        return report;
    }
}
