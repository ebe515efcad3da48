using ConnectorHost.Fakes.Asana;

namespace ConnectorHost.Plugins.Asana.Tests.EndToEnd;

/// <summary>Completed tasks through the real host, with <c>includeCompleted</c> on and off.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class CompletedTasksEndToEndTests
{
    [Test]
    public async Task Sync_IncludeCompletedFalse_SkipsCompletedTasksAndForgetsOnesCompletedLater()
    {
        await using var asana = await AsanaAppliance.CreateAsync();
        var project = asana.Workspace.CreateProject("Roadmap");
        var open = asana.Workspace.CreateTasks(project, 12);
        var done = asana.Workspace.CreateTasks(project, 3, i => $"Finished task {i}", _ => new FakeTaskSpec { Completed = true });
        asana.SyncProjects(project);
        asana.Settings["includeCompleted"] = false;
        asana.WriteConfig();

        var first = await asana.SyncAsync();

        first.Outcome.Should().Be("Succeeded");
        first.Added.Should().Be(open.Count);
        foreach (var task in done)
        {
            (await asana.HistoryOfAsync(task)).Should().BeEmpty("completed tasks are not delivered");
        }

        var before = await asana.SingleLiveAsync(open[4]);
        asana.Workspace.CompleteTask(open[4]);
        await asana.SyncAsync();

        (await asana.Admin.GetMemoryAsync(before.Id))!.IsDeleted.Should().BeTrue("a task that became completed is forgotten");
        await asana.ShouldHoldExactlyAsync(open.Except([open[4]]).ToList());
    }

    [Test]
    public async Task Sync_IncludeCompletedTrue_DeliversCompletedTasksAndReplacesOnesCompletedLater()
    {
        await using var asana = await AsanaAppliance.CreateAsync();
        var project = asana.Workspace.CreateProject("Roadmap");
        var open = asana.Workspace.CreateTasks(project, 12);
        var done = asana.Workspace.CreateTasks(project, 3, i => $"Finished task {i}", _ => new FakeTaskSpec { Completed = true });
        asana.SyncProjects(project);
        asana.Settings["includeCompleted"] = true;
        asana.WriteConfig();

        (await asana.SyncAsync()).Added.Should().Be(open.Count + done.Count);
        (await asana.SingleLiveAsync(done[0])).MetadataValue("completed").Should().Be("true");

        asana.Workspace.CompleteTask(open[4]);
        var report = await asana.SyncAsync();

        report.Updated.Should().Be(1);
        var completed = await asana.SingleLiveAsync(open[4]);
        completed.MetadataValue("completed").Should().Be("true");
        completed.Text.Should().Contain("Status: completed");
        await asana.ShouldHoldExactlyAsync([.. open, .. done]);
    }
}
