using System.Globalization;
using ConnectorHost.Reliability.Tests.Support;
using ConnectorHost.Testing;

namespace ConnectorHost.Reliability.Tests.Delivery;

/// <summary>
/// The host killed with SIGKILL in the middle of a sync, at every named kill point and at random times, then restarted:
/// MemorySync must end with exactly one live memory per (native id, current version), nothing lost, nothing stale, and
/// the cursor at the source's head.
/// </summary>
/// <remarks>
/// <c>RELIABILITY_ITEMS</c> sizes the source (default 2,000), <c>RELIABILITY_RANDOM_KILLS</c> the random batch
/// (default 3 in CI) and <c>RELIABILITY_SEED</c> its seed (default 20261124, printed with the figures).
/// </remarks>
[Parallelizable(ParallelScope.All)]
public sealed class CrashConsistencyTests
{
    private const string Connector = Sources.Connector;

    private static int ItemCount => Setting("RELIABILITY_ITEMS", 2000);

    /// <summary>Kills at one point during the first sync of every item, then during a full re-sync that updates, deletes, adds and prunes.</summary>
    [TestCase("read", 700, 300)]
    [TestCase("intent-written", 6, 2)]
    [TestCase("answered", 9, 3)]
    [TestCase("before-cursor-commit", 12, 5)]
    [TestCase("after-cursor-commit", 12, 5)]
    [TestCase("pruning", 0, 7)]
    public async Task Sync_KilledAtKillPoint_RestartDeliversExactlyOnce(string point, int firstCount, int secondCount)
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        var script = Sources.Create(appliance, ItemCount);
        var kills = 0;

        kills += await SyncKilledThenRecoverAsync(appliance, ["sync", Connector], firstCount == 0 ? null : $"{point}:{firstCount}");
        await Sources.AssertExactAsync(appliance, script, $"{point}, first sync");

        Sources.Edit(script, generation: 2);
        kills += await SyncKilledThenRecoverAsync(appliance, ["sync", Connector, "--full"], $"{point}:{secondCount}");
        await Sources.AssertExactAsync(appliance, script, $"{point}, full re-sync after edits");

        TestContext.Out.WriteLine($"kill point {point}: kills performed {kills}");
        kills.Should().Be(firstCount == 0 ? 1 : 2);
        appliance.AssertNoSecretLeaked([ProcessAppliance.CanaryApiKey]);
    }

    /// <summary>Kills from outside after a random delay once the run has begun, generation after generation.</summary>
    [Test]
    public async Task Sync_KilledAtRandomTimes_RestartDeliversExactlyOnce()
    {
        var seed = Setting("RELIABILITY_SEED", 20261124);
        var rounds = Setting("RELIABILITY_RANDOM_KILLS", 3);
        var random = new Random(seed);
        TestContext.Out.WriteLine($"random kills: seed {seed}, rounds {rounds} (RELIABILITY_SEED, RELIABILITY_RANDOM_KILLS)");
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        var script = Sources.Create(appliance, ItemCount);
        script.DelayMs = 1;
        script.Save();
        var kills = 0;

        for (var round = 1; round <= rounds; round++)
        {
            if (round > 1)
            {
                Sources.Edit(script, generation: round);
            }

            var runsFile = script.Path + ".runs";
            var runsBefore = File.Exists(runsFile) ? File.ReadAllLines(runsFile).Length : 0;
            var delay = TimeSpan.FromMilliseconds(random.Next(0, 2500));
            // The source's cursor is a position, so edits are only seen by a full read: a killed full sync is re-run
            // in full (a kill before its first checkpoint leaves the cursor at the old head).
            string[] sync = round == 1 ? ["sync", Connector] : ["sync", Connector, "--full"];
            using (var host = appliance.Start(sync))
            {
                await Eventually.TrueAsync(
                    () => host.HasExited || (File.Exists(runsFile) && File.ReadAllLines(runsFile).Length > runsBefore),
                    "the run has begun reading", TimeSpan.FromMinutes(2));

                // The random instant is the point of this test, not a wait for something to happen.
                await Task.Delay(delay);
                var killed = !host.HasExited;
                host.Kill();
                var result = await host.WaitAsync();
                appliance.Record(result);
                kills += killed ? 1 : 0;
                TestContext.Out.WriteLine($"round {round}: {(killed ? "killed" : "ended before the kill")} {delay.TotalMilliseconds:0} ms into the run");
            }

            var recovery = await appliance.RunAsync(sync);
            recovery.ExitCode.Should().Be(0, "the sync after the kill completes: {0}", recovery);
            await Sources.AssertExactAsync(appliance, script, $"random round {round}");
        }

        TestContext.Out.WriteLine($"random kills: kills performed {kills} of {rounds} rounds");
        kills.Should().BeGreaterThan(0, "at least one random kill must land during a run to prove anything");
        appliance.AssertNoSecretLeaked([ProcessAppliance.CanaryApiKey]);
    }

    private static async Task<int> SyncKilledThenRecoverAsync(ProcessAppliance appliance, string[] args, string? killAt)
    {
        var kills = 0;
        if (killAt is not null)
        {
            var killed = await appliance.RunAsync(args, new Dictionary<string, string?> { ["CONNECTOR_HOST_KILL_AT"] = killAt });
            killed.ExitCode.Should().Be(ProcessResult.KilledExitCode, "the host must reach {0} and die there: {1}", killAt, killed);
            kills++;
        }
        else
        {
            var plain = await appliance.RunAsync(args);
            plain.ExitCode.Should().Be(0, "{0}", plain);
        }

        var recovery = await appliance.RunAsync("sync", Connector);
        recovery.ExitCode.Should().Be(0, "the sync after the kill completes: {0}", recovery);
        return kills;
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
