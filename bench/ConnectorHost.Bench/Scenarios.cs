using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using MemorySync.Emulator.Admin;

namespace ConnectorHost.Bench;

/// <summary>The six targets of issue 8, one method each.</summary>
internal sealed class Scenarios(BenchOptions options, string apiKey, Report report)
{
    // The Pro tier's per-second limit alone: its published 200/minute and 5,000/hour windows would cap a sustained
    // sync at 167 items/s (and 69 over an hour), so target 2's ceiling of 10 x 50 = 500 items/s assumes only this one.
    private const string ProPerSecondOnly = "10,1000000,1000000000";
    private const string NeverInTheBenchmark = "0 0 0 1 1 ?";

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    public async Task RunAsync(string scenario)
    {
        switch (scenario)
        {
            case "throughput": await ThroughputAsync(); break;
            case "pro-tier": await ProTierAsync(); break;
            case "memory": await MemoryAsync(); break;
            case "second-run": await SecondRunAsync(); break;
            case "startup": await StartupAsync(); break;
            case "fairness": await FairnessAsync(); break;
            default: throw new ArgumentException($"unknown scenario {scenario}");
        }

        report.Load();
    }

    /// <summary>Target 1: unlimited tier, the host against both baselines over the same documents, in the same run.</summary>
    private async Task ThroughputAsync()
    {
        var documents = options.Documents ?? 100_000;
        report.Heading($"1. throughput: {documents:N0} documents, Unlimited tier, {options.Runs} runs");
        var root = Tree(documents);
        await using var emulator = await EmulatorProcess.StartAsync(options.Emulator, apiKey, "--tier", "Unlimited");
        using var admin = new EmulatorAdminClient(emulator.BaseAddress);
        var host = new List<double>();
        var sequential = new List<double>();
        var bulk = new List<double>();
        for (var run = 1; run <= options.Runs; run++)
        {
            await admin.ResetAsync();
            var sync = await SyncAsync(emulator, root, "throughput", Limits(null));
            var counters = await admin.GetCountersAsync();
            host.Add(documents / sync.Wall.TotalSeconds);
            report.Line($"run {run} host:       {Rate(documents, sync.Wall)}, {Requests(counters)} requests, {counters.RateLimited} x 429, " +
                        $"{counters.ItemsCreated:N0} items created, peak RSS {Megabytes(sync.PeakRss)}, {sync.CpuText(documents)}, exit {sync.ExitCode}");

            await admin.ResetAsync();
            var (items1, wall1) = await Baselines.SequentialAsync(emulator.BaseAddress, apiKey, root, options.Baseline1Limit);
            counters = await admin.GetCountersAsync();
            sequential.Add(items1 / wall1.TotalSeconds);
            report.Line($"run {run} baseline 1: {Rate(items1, wall1)} ({items1:N0} items), {Requests(counters)} requests, {counters.RateLimited} x 429");

            await admin.ResetAsync();
            var (items2, retries, wall2) = await Baselines.BulkCeilingAsync(emulator.BaseAddress, apiKey, root, options.Concurrency);
            counters = await admin.GetCountersAsync();
            bulk.Add(items2 / wall2.TotalSeconds);
            report.Line($"run {run} baseline 2: {Rate(items2, wall2)} ({options.Concurrency} concurrent), {Requests(counters)} requests, {retries} x 429");
        }

        var (h, b1, b2) = (Median(host), Median(sequential), Median(bulk));
        report.Line($"**median: host {h:N0} items/s, baseline 1 {b1:N0} items/s, baseline 2 {b2:N0} items/s; " +
                    $"host = {h / b1:N1} x baseline 1 (target >= 20), {100 * h / b2:N0}% of baseline 2 (target >= 50%)**");
    }

    /// <summary>Target 2: 10 requests/s enforced by the emulator; sustained items/s and the share of 429s.</summary>
    private async Task ProTierAsync()
    {
        var documents = options.Documents ?? 20_000;
        report.Heading($"2. pro-tier: {documents:N0} documents, 10 requests/s enforced, {options.Runs} runs");
        var root = Tree(documents);
        await using var emulator = await EmulatorProcess.StartAsync(options.Emulator, apiKey, "--limits", ProPerSecondOnly);
        using var admin = new EmulatorAdminClient(emulator.BaseAddress);
        var sustained = new List<double>();
        for (var run = 1; run <= options.Runs; run++)
        {
            await admin.ResetAsync();
            using var stop = new CancellationTokenSource();
            var firstItem = WatchFirstItemAsync(admin, stop.Token);
            var sync = await SyncAsync(emulator, root, "pro", Limits(perSecond: 10));
            await stop.CancelAsync();
            var first = await firstItem;
            var counters = await admin.GetCountersAsync();
            var requests = Requests(counters);
            var steady = first is { } f ? sync.Wall - f : sync.Wall;
            sustained.Add(documents / steady.TotalSeconds);
            report.Line($"run {run}: wall {Rate(documents, sync.Wall)}, sustained (first item to exit) {Rate(documents, steady)}, " +
                        $"{requests} requests, {counters.RateLimited} x 429 ({100.0 * counters.RateLimited / Math.Max(1, requests):N2}%), {sync.CpuText(documents)}, exit {sync.ExitCode}");
        }

        report.Line($"**median sustained: {Median(sustained):N0} items/s (target >= 450, ceiling 500)**");
    }

    /// <summary>Target 3: peak RSS for a first sync of the usual size and of the large size.</summary>
    private async Task MemoryAsync()
    {
        var small = options.Documents ?? 100_000;
        report.Heading($"3. memory: peak RSS for {small:N0} and {options.Large:N0} documents, Unlimited tier");
        await using var emulator = await EmulatorProcess.StartAsync(options.Emulator, apiKey, "--tier", "Unlimited");
        using var admin = new EmulatorAdminClient(emulator.BaseAddress);
        var peaks = new Dictionary<int, double>();
        foreach (var documents in new[] { small, options.Large })
        {
            var root = Tree(documents);
            var rss = new List<double>();
            var runs = documents == small ? options.Runs : Math.Min(options.Runs, 1);
            for (var run = 1; run <= runs; run++)
            {
                await admin.ResetAsync();
                var sync = await SyncAsync(emulator, root, "memory", Limits(null));
                rss.Add(sync.PeakRss);
                report.Line($"{documents:N0} documents run {run}: peak RSS {Megabytes(sync.PeakRss)}, {Rate(documents, sync.Wall)}, {sync.CpuText(documents)}, exit {sync.ExitCode}");
            }

            peaks[documents] = Median(rss);
        }

        report.Line($"**peak RSS: {Megabytes((long)peaks[small])} for {small:N0}, {Megabytes((long)peaks[options.Large])} for {options.Large:N0}: " +
                    $"{peaks[options.Large] / peaks[small]:N2} x (target <= 1.25 x and < 300 MB)**");
    }

    /// <summary>Target 4: a second sync with nothing changed: its time against the first, and its writes.</summary>
    private async Task SecondRunAsync()
    {
        var documents = options.Documents ?? 100_000;
        report.Heading($"4. second-run: {documents:N0} documents unchanged, {options.Runs} runs");
        var root = Tree(documents);
        await using var emulator = await EmulatorProcess.StartAsync(options.Emulator, apiKey, "--tier", "Unlimited");
        using var admin = new EmulatorAdminClient(emulator.BaseAddress);
        var ratios = new List<double>();
        for (var run = 1; run <= options.Runs; run++)
        {
            await admin.ResetAsync();
            var work = FreshWork("second-run");
            var first = await SyncAsync(emulator, root, "second-run", Limits(null), work);
            var before = await admin.GetCountersAsync();
            var second = await SyncAsync(emulator, root, "second-run", Limits(null), work);
            var after = await admin.GetCountersAsync();
            var writes = Writes(after) - Writes(before);
            ratios.Add(second.Wall / first.Wall);
            report.Line($"run {run}: first {first.Wall.TotalSeconds:N1} s, second {second.Wall.TotalSeconds:N1} s " +
                        $"({100 * second.Wall / first.Wall:N1}%), MemorySync writes in the second: {writes}, requests {Requests(after) - Requests(before)}, " +
                        $"first {first.CpuText(documents)}, second {second.CpuText(documents)}, exit {first.ExitCode}/{second.ExitCode}");
        }

        report.Line($"**median second/first: {100 * Median(ratios):N1}% (target < 10%, zero writes)**");
    }

    /// <summary>Target 5: <c>connector-host run</c> with the three plugins to its "Scheduler started" line, median of 5.</summary>
    private async Task StartupAsync()
    {
        report.Heading("5. startup: `run` with the three plugins to \"Scheduler started\", 5 runs");
        await using var emulator = await EmulatorProcess.StartAsync(options.Emulator, apiKey, "--tier", "Unlimited");
        var cms = Tree(100);
        var times = new List<double>();
        for (var run = 1; run <= 5; run++)
        {
            var work = FreshWork("startup");
            var config = WriteConfig(work, emulator, Limits(null), [
                Connector("handbook", "FileSystemCms", "ops", new JsonObject { ["root"] = cms }),
                Connector("eng-wiki", "Confluence", "ops", new JsonObject
                {
                    ["baseUrl"] = "http://127.0.0.1:9/wiki", ["flavour"] = "cloud", ["email"] = "bot@example.com",
                    ["apiToken"] = "${env:MEMORYSYNC_API_KEY}", ["spaces"] = new JsonArray("ENG"),
                }),
                Connector("roadmap", "Asana", "ops", new JsonObject
                {
                    ["baseUrl"] = "http://127.0.0.1:9/api/1.0", ["accessToken"] = "${env:MEMORYSYNC_API_KEY}",
                    ["workspace"] = "1200000000000001", ["projects"] = new JsonArray("1200000000000002"),
                }),
            ]);
            await using var host = HostProcess.Start(options.Appliance, config, apiKey, "Scheduler started", "run");
            var started = await host.LineSeen.WaitAsync(TimeSpan.FromSeconds(60));
            // Sampled every 50 ms, so it may trail the line by one sample.
            var cpu = host.CpuTime;
            await host.StopAsync();
            times.Add(started.TotalSeconds);
            report.Line($"run {run}: {started.TotalSeconds:N2} s to \"Scheduler started\" (host CPU by then {cpu.TotalSeconds:N2} s), peak RSS {Megabytes(host.PeakRssBytes)}");
        }

        report.Line($"**median: {Median(times):N2} s (target < 2 s)**");
    }

    /// <summary>Target 6: a 100-document connector started with a 100,000-document one, both under 10 requests/s.</summary>
    private async Task FairnessAsync()
    {
        var documents = options.Documents ?? 100_000;
        report.Heading($"6. fairness: 100 documents next to {documents:N0}, 10 requests/s enforced, {options.Runs} runs");
        var big = Tree(documents);
        var small = CmsTree.Ensure(Path.Combine(options.Work, "trees", "small-100"), 100);
        await using var emulator = await EmulatorProcess.StartAsync(options.Emulator, apiKey, "--limits", ProPerSecondOnly);
        using var admin = new EmulatorAdminClient(emulator.BaseAddress);
        var times = new List<double>();
        for (var run = 1; run <= options.Runs; run++)
        {
            await admin.ResetAsync();
            var work = FreshWork("fairness");
            var config = WriteConfig(work, emulator, Limits(perSecond: 10), [
                Connector("big", "FileSystemCms", "big", new JsonObject { ["root"] = big }, runOnStartup: true),
                Connector("small", "FileSystemCms", "small", new JsonObject { ["root"] = small }, runOnStartup: true),
            ]);
            await using var host = HostProcess.Start(options.Appliance, config, apiKey, "Scheduler started", "run");
            var scheduled = await host.LineSeen.WaitAsync(TimeSpan.FromSeconds(60));
            var deadline = Stopwatch.StartNew();
            var done = false;
            while (!done && deadline.Elapsed < TimeSpan.FromSeconds(120))
            {
                var memories = await admin.GetMemoriesAsync(new MemoryFilter { EndUserId = "small" });
                done = memories.Count(m => !m.IsDeleted) >= 100;
                if (!done)
                {
                    await Task.Delay(100);
                }
            }

            var finished = host.Elapsed - scheduled;
            var counters = await admin.GetCountersAsync();
            var bigItems = (await admin.GetMemoriesAsync(new MemoryFilter { EndUserId = "big" })).Count;
            await host.StopAsync();
            times.Add(done ? finished.TotalSeconds : double.PositiveInfinity);
            report.Line($"run {run}: small connector {(done ? $"finished {finished.TotalSeconds:N1} s" : "NOT finished within 120 s")} after \"Scheduler started\"; " +
                        $"meanwhile the big one delivered {bigItems:N0} items; {Requests(counters)} requests, {counters.RateLimited} x 429");
        }

        report.Line($"**median: {Median(times):N1} s (target <= 30 s)**");
    }

    private async Task<SyncResult> SyncAsync(EmulatorProcess emulator, string root, string scenario, JsonObject memorySync, string? work = null)
    {
        work ??= FreshWork(scenario);
        var config = WriteConfig(work, emulator, memorySync, [Connector("bench", "FileSystemCms", "bench", new JsonObject { ["root"] = root })]);
        await using var host = HostProcess.Start(options.Appliance, config, apiKey, watchFor: null, "sync", "bench");
        var (exitCode, wall) = await host.WaitAsync();
        return new SyncResult(exitCode, wall, host.PeakRssBytes, host.CpuTime);
    }

    private static async Task<TimeSpan?> WatchFirstItemAsync(EmulatorAdminClient admin, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                if ((await admin.GetCountersAsync(stop)).ItemsCreated > 0)
                {
                    return clock.Elapsed;
                }

                await Task.Delay(50, stop);
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private string Tree(int documents)
    {
        var clock = Stopwatch.StartNew();
        var root = CmsTree.Ensure(Path.Combine(options.Work, "trees", $"cms-{documents}"), documents);
        if (clock.Elapsed > TimeSpan.FromSeconds(1))
        {
            Console.WriteLine($"(generated {documents:N0} documents in {clock.Elapsed.TotalSeconds:N0} s)");
        }

        return root;
    }

    private string FreshWork(string scenario)
    {
        var work = Path.Combine(options.Work, "runs", scenario);
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        Directory.CreateDirectory(work);
        return work;
    }

    private string WriteConfig(string work, EmulatorProcess emulator, JsonObject memorySync, JsonObject[] connectors)
    {
        memorySync["baseUrl"] = emulator.BaseAddress.ToString();
        memorySync["apiKey"] = "${env:MEMORYSYNC_API_KEY}";
        var config = new JsonObject
        {
            ["host"] = new JsonObject
            {
                ["pluginsDirectory"] = Path.Combine(options.Appliance, "plugins"),
                ["dataDirectory"] = "data",
                ["logDirectory"] = "logs",
                ["controlUrl"] = $"http://127.0.0.1:{FreePort()}",
            },
            ["memorySync"] = memorySync,
            ["connectors"] = new JsonArray(connectors),
        };
        var path = Path.Combine(work, "plugins.json");
        File.WriteAllText(path, config.ToJsonString(s_indented));
        return path;
    }

    private static JsonObject Limits(int? perSecond) => perSecond is { } limit
        // Only the per-second window, as the emulator enforces it here: on the Unlimited tier a limits override names
        // every window there is (on Pro, the windows left out would keep Pro's 200 a minute).
        ? new JsonObject { ["tier"] = "Unlimited", ["limits"] = new JsonObject { ["perSecond"] = limit } }
        : new JsonObject { ["tier"] = "Unlimited" };

    private static JsonObject Connector(string name, string plugin, string endUser, JsonObject settings, bool runOnStartup = false) => new()
    {
        ["name"] = name,
        ["plugin"] = plugin,
        ["schedule"] = NeverInTheBenchmark,
        ["endUserId"] = endUser,
        ["runOnStartup"] = runOnStartup,
        ["settings"] = settings,
    };

    private static long Requests(EmulatorCounters counters) => counters.Requests.Values.Sum(byStatus => byStatus.Values.Sum());

    private static long Writes(EmulatorCounters counters) => counters.Requests
        .Where(r => !r.Key.StartsWith("GET", StringComparison.Ordinal) && !r.Key.Contains("/memory/query", StringComparison.Ordinal))
        .Sum(r => r.Value.Values.Sum());

    private static string Rate(int items, TimeSpan wall) =>
        string.Create(CultureInfo.InvariantCulture, $"{items / wall.TotalSeconds:N0} items/s ({wall.TotalSeconds:N1} s)");

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):N0} MB");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record SyncResult(int ExitCode, TimeSpan Wall, long PeakRss, TimeSpan Cpu)
    {
        public string CpuText(int items) => string.Create(
            CultureInfo.InvariantCulture, $"host CPU {Cpu.TotalSeconds:N1} s ({1000 * Cpu.TotalSeconds / Math.Max(1, items):N2} ms/item)");
    }
}
