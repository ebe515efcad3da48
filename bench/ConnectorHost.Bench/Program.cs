using System.Security.Cryptography;
using ConnectorHost.Bench;

// The end-to-end benchmarks of issue 8; see docs/benchmarks.md for what each scenario measures and the figures.
var options = BenchOptions.Parse(args);
Directory.CreateDirectory(options.Work);
var apiKey = "ms_bench_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
var report = new Report(Path.Combine(options.Work, "results.md"));
report.Machine();
var scenarios = new Scenarios(options, apiKey, report);
foreach (var scenario in options.Scenarios)
{
    await scenarios.RunAsync(scenario);
}

Console.WriteLine($"Results appended to {report.Path}");
