using System.Text.Json;

namespace ConnectorHost.Plugins.Asana.Tests.EndToEnd;

/// <summary>
/// Asana tasks synced through the real host (the plugin loaded by the loader, settings from plugins.json, the delivery
/// pipeline and the MemorySync client) from a fake Asana, with the emulator holding the result.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class SyncEndToEndTests
{
    [Test]
    public async Task Sync_SeveralProjectsAcrossPages_StoresOneMemoryPerTaskAndTheSecondRunSendsNothing()
    {
        await using var asana = await AsanaAppliance.CreateAsync();
        var projects = new[] { "Roadmap", "Platform", "Support" }.Select(n => asana.Workspace.CreateProject(n)).ToList();
        var tasks = projects.SelectMany(p => asana.Workspace.CreateTasks(p, 230)).ToList();
        asana.Workspace.AddComment(tasks[5], "Ship it after the review.");
        asana.SyncProjects([.. projects]);
        asana.WriteConfig();

        var first = await asana.SyncAsync();

        first.Outcome.Should().Be("Succeeded");
        (first.Added, first.Updated, first.DeadLettered).Should().Be((tasks.Count, 0, 0));
        asana.Asana.Requests.Count(r => r.Path == "/tasks").Should().BeGreaterThanOrEqualTo(projects.Count * 3, "230 tasks take three pages of 100");
        (await asana.SingleLiveAsync(tasks[5])).Text.Should().Contain("Ship it after the review.");
        var writes = await asana.WriteRequestsAsync();
        asana.Asana.ResetCounters();

        var second = await asana.SyncAsync();

        (second.Added, second.Updated, second.Deleted, second.Pruned).Should().Be((0, 0, 0, 0), "nothing changed in Asana");
        asana.Asana.Requests.Where(r => r.Path == "/tasks").Should().OnlyContain(
            r => r.Query.Contains("modified_since=", StringComparison.Ordinal),
            "the first run committed its last checkpoints, so the second lists incrementally and never resumes the first run's full listing");
        (await asana.WriteRequestsAsync()).Should().Be(writes, "the second run sent nothing");
        (await asana.Admin.GetCountersAsync()).ItemsCreated.Should().Be(tasks.Count, "no task was stored twice");
        await asana.ShouldHoldExactlyAsync(tasks);
    }

    [Test]
    public async Task Sync_CommentAlone_RedeliversTheTaskOnceAndForgetsTheOldMemory()
    {
        await using var asana = await AsanaAppliance.CreateAsync();
        var project = asana.Workspace.CreateProject("Roadmap");
        var tasks = asana.Workspace.CreateTasks(project, 120);
        asana.SyncProjects(project);
        asana.WriteConfig();
        await asana.SyncAsync();
        var before = await asana.SingleLiveAsync(tasks[42]);

        asana.Workspace.AddComment(tasks[42], "Blocked on the vendor until Friday.");
        var afterComment = await asana.SyncAsync();
        var quiet = await asana.SyncAsync();

        (afterComment.Updated, afterComment.Added).Should().Be((1, 0), "only the commented task changed");
        (quiet.Updated, quiet.Added).Should().Be((0, 0), "the comment is delivered once");
        var after = await asana.SingleLiveAsync(tasks[42]);
        after.Text.Should().Contain("Blocked on the vendor until Friday.");
        after.MetadataValue("version").Should().NotBe(before.MetadataValue("version"));
        var history = await asana.HistoryOfAsync(tasks[42]);
        TestContext.Out.WriteLine($"  memories of the commented task: {history.Count} · forgotten {history.Count(m => m.IsDeleted)}");
        history.Should().HaveCount(2).And.ContainSingle(m => m.IsDeleted && m.Id == before.Id, "the old version was forgotten");
        await asana.ShouldHoldExactlyAsync(tasks);
    }

    [Test]
    public async Task Sync_MultiHomedTask_ArrivesOnceWithAllItsProjects()
    {
        await using var asana = await AsanaAppliance.CreateAsync();
        var roadmap = asana.Workspace.CreateProject("Roadmap");
        var platform = asana.Workspace.CreateProject("Platform");
        var roadmapTasks = asana.Workspace.CreateTasks(roadmap, 30);
        var platformTasks = asana.Workspace.CreateTasks(platform, 20);
        var shared = roadmapTasks[7];
        asana.Workspace.AddToProject(shared, platform);
        asana.SyncProjects(roadmap, platform);
        asana.WriteConfig();

        var report = await asana.SyncAsync();

        report.Added.Should().Be(50, "the task in both projects counts once");
        var memory = await asana.SingleLiveAsync(shared);
        JsonSerializer.Deserialize<string[]>(memory.MetadataValue("project_gids")!).Should().BeEquivalentTo([roadmap, platform]);
        (await asana.HistoryOfAsync(shared)).Should().ContainSingle("it was never stored twice");
        await asana.ShouldHoldExactlyAsync([.. roadmapTasks, .. platformTasks]);
    }
}
