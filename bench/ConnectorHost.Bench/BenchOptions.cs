using System.Globalization;

namespace ConnectorHost.Bench;

/// <summary>The runner's command line.</summary>
/// <remarks>
/// Usage: <c>ConnectorHost.Bench --appliance DIR --emulator MemorySync.Emulator.dll --work DIR [--scenario NAME|all]
/// [--documents N] [--large N] [--runs N] [--concurrency N] [--baseline1-limit N]</c>.
/// </remarks>
internal sealed record BenchOptions(
    string Appliance,
    string Emulator,
    string Work,
    IReadOnlyList<string> Scenarios,
    int? Documents,
    int Large,
    int Runs,
    int Concurrency,
    int? Baseline1Limit)
{
    public static readonly string[] AllScenarios = ["throughput", "pro-tier", "memory", "second-run", "startup", "fairness"];

    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        string Path(string name) => Value(name) is { } value
            ? System.IO.Path.GetFullPath(value)
            : throw new ArgumentException($"missing {name} <path>");
        int? Number(string name) => Value(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : null;

        var scenario = Value("--scenario") ?? "all";
        var scenarios = scenario == "all" ? AllScenarios : scenario.Split(',');
        foreach (var name in scenarios.Where(s => !AllScenarios.Contains(s)))
        {
            throw new ArgumentException($"unknown scenario '{name}'; one of {string.Join('|', AllScenarios)} or all");
        }

        return new BenchOptions(
            Path("--appliance"),
            Path("--emulator"),
            Path("--work"),
            scenarios,
            Number("--documents"),
            Number("--large") ?? 1_000_000,
            Number("--runs") ?? 3,
            Number("--concurrency") ?? 8,
            Number("--baseline1-limit"));
    }
}
