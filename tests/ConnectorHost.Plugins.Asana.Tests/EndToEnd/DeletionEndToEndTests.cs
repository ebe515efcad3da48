namespace ConnectorHost.Plugins.Asana.Tests.EndToEnd;

/// <summary>
/// Tasks deleted in Asana are forgotten in MemorySync: through the Events API, and through the full listing the host
/// prunes with when an event was lost or the events sync token expired.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class DeletionEndToEndTests
{
    [Test]
    public async Task Sync_DeletedTask_IsForgottenThroughTheEvents()
    {
        await using var asana = await AsanaAppliance.CreateAsync();
        var project = asana.Workspace.CreateProject("Roadmap");
        var tasks = asana.Workspace.CreateTasks(project, 20);
        asana.SyncProjects(project);
        asana.WriteConfig();
        await asana.SyncAsync();
        var doomed = await asana.SingleLiveAsync(tasks[3]);

        asana.Workspace.DeleteTask(tasks[3]);
        var report = await asana.SyncAsync();

        (report.Deleted, report.Pruned).Should().Be((1, 0), "the deleted event said so; no pruning was needed");
        (await asana.Admin.GetMemoryAsync(doomed.Id))!.IsDeleted.Should().BeTrue();
        await asana.ShouldHoldExactlyAsync(tasks.Except([tasks[3]]).ToList());
    }

    [Test]
    public async Task Sync_DeleteEventDropped_TheFullListingPrunesTheTask()
    {
        await using var asana = await AsanaAppliance.CreateAsync();
        var project = asana.Workspace.CreateProject("Roadmap");
        var tasks = asana.Workspace.CreateTasks(project, 20);
        asana.SyncProjects(project);
        // The operator's override of the plugin's daily interval: the host lists and prunes on every run.
        asana.Entry["pruneInterval"] = "00:00:00";
        asana.WriteConfig();
        await asana.SyncAsync();
        var doomed = await asana.SingleLiveAsync(tasks[3]);

        asana.Workspace.DropEvents(1, e => e.Action == "deleted");
        asana.Workspace.DeleteTask(tasks[3]);
        var report = await asana.SyncAsync();

        (report.Deleted, report.Pruned).Should().Be((0, 1), "the event was lost; the full listing no longer has the task");
        (await asana.Admin.GetMemoryAsync(doomed.Id))!.IsDeleted.Should().BeTrue();
        await asana.ShouldHoldExactlyAsync(tasks.Except([tasks[3]]).ToList());
    }

    [Test]
    public async Task Sync_SyncTokenExpired_PrunesTheTaskDeletedMeanwhile()
    {
        await using var asana = await AsanaAppliance.CreateAsync();
        var project = asana.Workspace.CreateProject("Roadmap");
        var tasks = asana.Workspace.CreateTasks(project, 20);
        asana.SyncProjects(project);
        asana.WriteConfig();
        await asana.SyncAsync();
        var doomed = await asana.SingleLiveAsync(tasks[0]);

        asana.Workspace.DeleteTask(tasks[0]);
        asana.Workspace.ExpireSyncTokens();
        var report = await asana.SyncAsync();

        report.Outcome.Should().Be("Succeeded", "an expired token is normal: the connector asks the host to prune");
        (report.Deleted, report.Pruned).Should().Be((0, 1));
        (await asana.Admin.GetMemoryAsync(doomed.Id))!.IsDeleted.Should().BeTrue();

        // The fresh token works: the next deletion comes through the events again.
        asana.Workspace.DeleteTask(tasks[1]);
        var next = await asana.SyncAsync();
        (next.Deleted, next.Pruned).Should().Be((1, 0));
        await asana.ShouldHoldExactlyAsync(tasks.Skip(2).ToList());
    }

    [Test]
    public async Task Sync_UndeletedTask_ComesBack()
    {
        await using var asana = await AsanaAppliance.CreateAsync();
        var project = asana.Workspace.CreateProject("Roadmap");
        var tasks = asana.Workspace.CreateTasks(project, 10);
        asana.SyncProjects(project);
        asana.WriteConfig();
        await asana.SyncAsync();
        asana.Workspace.DeleteTask(tasks[2]);
        (await asana.SyncAsync()).Deleted.Should().Be(1);

        asana.Workspace.UndeleteTask(tasks[2]);
        var report = await asana.SyncAsync();

        report.Added.Should().Be(1, "the undeleted event re-reads the task");
        await asana.ShouldHoldExactlyAsync(tasks);
    }
}
