using MemorySync.Emulator.Admin;

namespace ConnectorHost.Plugins.Asana.Tests.EndToEnd;

/// <summary>
/// Failures on both sides of the host: Asana answering 429 and 5xx, MemorySync answering 503, 429 with Retry-After,
/// and losing an answer after it stored the batch. Nothing is lost and nothing is stored twice.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class FaultsEndToEndTests
{
    [Test]
    public async Task Sync_AsanaAndMemorySyncFailing_LosesAndDuplicatesNothing()
    {
        await using var asana = await AsanaAppliance.CreateAsync();
        var roadmap = asana.Workspace.CreateProject("Roadmap");
        var platform = asana.Workspace.CreateProject("Platform");
        var tasks = asana.Workspace.CreateTasks(roadmap, 150).Concat(asana.Workspace.CreateTasks(platform, 100)).ToList();
        asana.SyncProjects(roadmap, platform);
        asana.WriteConfig();

        asana.Asana.Faults.FailNext(1, 429, "/tasks?", retryAfterSeconds: 1);
        asana.Asana.Faults.FailNext(2, 503, "/tasks?");
        asana.Asana.Faults.FailNext(2, 500, "/stories");
        asana.Asana.Faults.FailNext(1, 502, "/events");
        await asana.Admin.ScriptFaultsAsync(
            new FaultRule { Route = "/memory/bulk-add", Kind = FaultKind.Error, Statuses = [503], Count = 2 },
            new FaultRule { Route = "/memory/bulk-add", Kind = FaultKind.RateLimit, RetryAfterSeconds = 2 },
            new FaultRule { Route = "/memory/bulk-add", Kind = FaultKind.Drop, Phase = FaultPhase.After });

        var report = await asana.SyncAsync();

        report.Outcome.Should().Be("Succeeded", "every failure was transient and retried");
        (report.Added, report.DeadLettered).Should().Be((tasks.Count, 0));
        asana.Asana.Faults.Injected.Should().Be(6, "every Asana fault struck");
        var counters = await asana.Admin.GetCountersAsync();
        TestContext.Out.WriteLine(
            $"  emulator: faults {counters.FaultsInjected} · rate limited {counters.RateLimited} · items created {counters.ItemsCreated} · replays {counters.IdempotentReplays}");
        counters.FaultsInjected.Should().BeGreaterThanOrEqualTo(4, "every MemorySync fault struck");
        counters.ItemsCreated.Should().Be(tasks.Count, "the batch whose answer was lost was not stored again");
        counters.IdempotentReplays.Should().BeGreaterThanOrEqualTo(1, "the retry of the lost answer was replayed by its Idempotency-Key");
        await asana.ShouldHoldExactlyAsync(tasks);
    }
}
