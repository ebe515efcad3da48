using System.Text.Json.Nodes;
using ConnectorHost.Reliability.Tests.Support;
using ConnectorHost.Testing;
using MemorySync.Emulator.Admin;
using MemorySync.Emulator.Hosting;

namespace ConnectorHost.Reliability.Tests.MemorySync;

/// <summary>The published host against an emulator that fails, throttles, drops connections and stalls.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class MemorySyncFaultTests
{
    private const string Connector = Sources.Connector;

    [Test]
    public async Task Sync_FlakyMemorySync_DeliversEveryItemExactlyOnce()
    {
        await using var appliance = await ProcessAppliance.CreateAsync(new EmulatorOptions { Seed = 7 }, FixturePlugins.Scripted);
        // Small batches: more requests, so the percentages below strike many times.
        appliance.Fixture.Delivery["batchSize"] = 10;
        var script = Sources.Create(appliance, 800);
        foreach (var rule in FlakyRules())
        {
            await appliance.Emulator.Admin.AddFaultAsync(rule);
        }

        await SyncUntilDoneAsync(appliance, ["sync", Connector]);
        await Sources.AssertExactAsync(appliance, script, "flaky first sync");

        Sources.Edit(script, generation: 2);
        await SyncUntilDoneAsync(appliance, ["sync", Connector, "--full"]);
        await Sources.AssertExactAsync(appliance, script, "flaky full re-sync after edits");

        var counters = await appliance.Emulator.Admin.GetCountersAsync();
        var faults = await appliance.Emulator.Admin.GetFaultsAsync();
        TestContext.Out.WriteLine(
            $"faults injected {counters.FaultsInjected} ({string.Join(", ", faults.Rules.Select(r => $"{r.Rule.Kind}/{r.Rule.Phase}: {r.Struck} of {r.Matched}"))}), " +
            $"idempotent replays {counters.IdempotentReplays}");
        faults.Rules.Where(r => r.Rule.Route == "/memory/bulk-add").Should().OnlyContain(r => r.Struck > 0, "every kind of fault must strike to prove anything");
        appliance.AssertNoSecretLeaked([ProcessAppliance.CanaryApiKey]);
    }

    [Test]
    public async Task Sync_RetryAfterBeyondTwoMinutes_EndsRateLimitedKeepsTheCursorAndTheNextRunResumes()
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        var script = Sources.Create(appliance, 200);
        (await appliance.RunAsync("sync", Connector)).ExitCode.Should().Be(0);
        var cursorBefore = await appliance.CursorAsync(Connector);
        for (var i = 1; i <= 120; i++)
        {
            script.Item($"late-{i:D3}");
        }

        script.Save();
        await appliance.Emulator.Admin.AddFaultAsync(new FaultRule
        {
            Route = "/memory/bulk-add",
            Kind = FaultKind.RateLimit,
            RetryAfterSeconds = 300,
            Count = 1,
        });

        var limited = await appliance.RunAsync("sync", Connector, "--json");

        TestContext.Out.WriteLine(limited.ToString());
        limited.ExitCode.Should().Be(1, "a rate-limited run is not a success: {0}", limited);
        ((string?)JsonNode.Parse(limited.Output)!["outcome"]).Should().Be("RateLimited");
        (await appliance.CursorAsync(Connector)).Should().Be(cursorBefore, "the cursor stays where it was");

        var resumed = await appliance.RunAsync("sync", Connector);
        resumed.ExitCode.Should().Be(0, "the next run resumes: {0}", resumed);
        await Sources.AssertExactAsync(appliance, script, "after the rate-limited run and the next one");
        appliance.AssertNoSecretLeaked([ProcessAppliance.CanaryApiKey]);
    }

    [TestCase("run")]
    [TestCase("sync")]
    public async Task Start_MemorySyncDown_FailsFastWithAClearMessage(string verb)
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        Sources.Create(appliance, 10);
        await appliance.Emulator.Admin.SetServiceDownAsync(true);

        var result = await appliance.RunAsync(verb == "run" ? ["run"] : ["sync", Connector], timeout: TimeSpan.FromMinutes(1));

        TestContext.Out.WriteLine(result.ToString());
        result.ExitCode.Should().Be(1);
        result.Error.Should().Contain($"MemorySync at {appliance.Emulator.BaseAddress}").And.Contain("nothing was run");
        (await appliance.Emulator.Admin.GetMemoriesAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task Start_MemorySyncUnreachable_FailsFastWithAClearMessage()
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        Sources.Create(appliance, 10);
        appliance.Fixture.MemorySync["baseUrl"] = "http://127.0.0.1:9/";
        appliance.Fixture.WriteConfig();

        var result = await appliance.RunAsync(["run"], timeout: TimeSpan.FromMinutes(1));

        TestContext.Out.WriteLine(result.ToString());
        result.ExitCode.Should().Be(1);
        result.Error.Should().Contain("MemorySync at http://127.0.0.1:9/").And.Contain("nothing was run");
        appliance.AssertNoSecretLeaked([ProcessAppliance.CanaryApiKey]);
    }

    /// <summary>5% 503 (before and after processing), 5% 429 with Retry-After 1-3 s, 2% dropped connections, latency spikes.</summary>
    private static IEnumerable<FaultRule> FlakyRules() =>
        from route in new[] { "/memory/bulk-add", "/memory/forget" }
        from rule in new FaultRule[]
        {
            new() { Kind = FaultKind.Error, Phase = FaultPhase.Before, Probability = 0.03, Statuses = [503] },
            new() { Kind = FaultKind.Error, Phase = FaultPhase.After, Probability = 0.02, Statuses = [503] },
            new() { Kind = FaultKind.RateLimit, Probability = 0.05, RetryAfterSeconds = 1, RetryAfterMaxSeconds = 3 },
            new() { Kind = FaultKind.Drop, Phase = FaultPhase.After, Probability = 0.02 },
            new() { Kind = FaultKind.Latency, Probability = 0.05, LatencyMs = 1500 },
        }
        select rule with { Route = route };

    /// <summary>Syncs until a run succeeds; a run may end Failed when retries run out, and the next one resumes.</summary>
    private static async Task SyncUntilDoneAsync(ProcessAppliance appliance, string[] args)
    {
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var result = await appliance.RunAsync(args);
            if (result.ExitCode == 0)
            {
                TestContext.Out.WriteLine($"{string.Join(' ', args)}: succeeded at run {attempt}");
                return;
            }

            TestContext.Out.WriteLine($"{string.Join(' ', args)}: run {attempt} ended with {result.ExitCode}; the next run resumes");
            args = ["sync", Connector];
        }

        Assert.Fail("four runs did not complete the sync");
    }
}
