using ConnectorHost.Abstractions;
using ConnectorHost.Fakes.Asana;
using ConnectorHost.Plugins.Asana.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHost.Plugins.Asana.Tests.Sync;

[Parallelizable(ParallelScope.All)]
public sealed class AsanaConnectorSyncTests
{
    [Test]
    public async Task ReadChanges_InitialSyncOfSeveralProjectsAcrossPages_DeliversEveryTaskOnce()
    {
        await using var h = await AsanaHarness.StartAsync();
        var projects = new[] { "Roadmap", "Platform", "Support" }.Select(n => h.Workspace.CreateProject(n)).ToList();
        var tasks = projects.SelectMany(p => h.Workspace.CreateTasks(p, 230)).ToList();
        h.Workspace.AddComment(tasks[5], "Ship it after the review.");

        var run = await h.RunAsync();

        run.Error.Should().BeNull();
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks);
        h.Ledger.Deliveries.Should().HaveCount(tasks.Count, "every task is delivered exactly once");
        run.Upserts.Select(i => i.NativeId).Should().OnlyHaveUniqueItems();
        // Three pages per project, a checkpoint after each, then one after the events.
        run.Checkpoints.Should().BeGreaterThanOrEqualTo(projects.Count * 3);
        h.Ledger.Position.Should().NotBeNull();
        h.Ledger.Delivered[tasks[5]].Text.Should().Contain("Ship it after the review.");
        h.Server.Requests.Where(r => r.Path == "/tasks").Should().OnlyContain(r => r.Query.Contains("limit=100"));
    }

    [Test]
    public async Task ReadChanges_RunStoppedMidListing_ResumesAtTheNextPageAndLosesNothing()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 250);

        var first = await h.RunAsync(stopAfter: 150);
        h.Server.ResetCounters();
        var second = await h.RunAsync();

        first.Error.Should().BeNull();
        second.Error.Should().BeNull();
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks);
        h.Ledger.Deliveries.Should().HaveCount(tasks.Count);
        h.Server.Requests.First(r => r.Path == "/tasks").Query.Should().Contain("offset=", "the run resumes after the last checkpointed page");
        // The first page and the part of the second delivered before the stop are not yielded again.
        second.Upserts.Select(i => i.NativeId).Should().BeEquivalentTo(tasks.Skip(149));
    }

    [Test]
    public async Task ReadChanges_CommentAlone_RedeliversTheTaskOnce()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 120);
        await h.RunAsync();
        var before = h.Ledger.Delivered[tasks[42]].Version;

        h.Clock.Advance(TimeSpan.FromMinutes(10));
        h.Workspace.AddComment(tasks[42], "Blocked on the vendor.");
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var afterComment = await h.RunAsync();
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var quiet = await h.RunAsync();

        afterComment.Upserts.Select(i => i.NativeId).Should().Equal(tasks[42]);
        h.Ledger.DeliveriesOf(tasks[42]).Should().Be(2);
        h.Ledger.Deliveries.Should().HaveCount(tasks.Count + 1);
        h.Ledger.Delivered[tasks[42]].Version.Should().NotBe(before);
        h.Ledger.Delivered[tasks[42]].Text.Should().Contain("Blocked on the vendor.");
        quiet.Upserts.Should().BeEmpty();
        h.Server.Requests.Count(r => r.Path.EndsWith("/stories", StringComparison.Ordinal)).Should().Be(
            tasks.Count + 1, "unchanged tasks in the overlap window cost no stories request");
    }

    [Test]
    public async Task ReadChanges_MultiHomedTask_ArrivesOnceWithAllItsProjects()
    {
        await using var h = await AsanaHarness.StartAsync();
        var roadmap = h.Workspace.CreateProject("Roadmap");
        var platform = h.Workspace.CreateProject("Platform");
        h.Workspace.CreateTasks(roadmap, 3);
        var shared = h.Workspace.CreateTask(roadmap, "Migrate the billing database");
        h.Workspace.AddToProject(shared, platform);

        var run = await h.RunAsync();

        run.Upserts.Count(i => i.NativeId == shared).Should().Be(1);
        var item = h.Ledger.Delivered[shared];
        item.Metadata["projects"].Should().BeEquivalentTo(new[] { "Roadmap", "Platform" });
        item.Metadata["project_gids"].Should().BeEquivalentTo(new[] { roadmap, platform });
        h.Server.Requests.Count(r => r.Path == $"/tasks/{shared}/stories").Should().Be(1);
        var listed = await h.Services.GetRequiredService<IFullListing>().ListNativeIdsAsync(CancellationToken.None).ToListAsync();
        listed.Should().HaveCount(4).And.OnlyHaveUniqueItems();
    }

    [Test]
    public async Task ReadChanges_MoreThan100Events_ReadsEveryBatchAndDeletesEveryTask()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 130);
        await h.RunAsync();
        h.Server.ResetCounters();

        foreach (var task in tasks.Take(120))
        {
            h.Workspace.DeleteTask(task);
        }

        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var run = await h.RunAsync();

        run.Deletes.Should().BeEquivalentTo(tasks.Take(120));
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks.Skip(120));
        h.Server.Requests.Count(r => r.Path == "/events" && r.StatusCode == 200).Should().Be(2, "100 events, then the rest");
    }

    [Test]
    public async Task ReadChanges_DeletedTask_IsForgottenThroughTheEvents()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 5);
        await h.RunAsync();

        h.Workspace.DeleteTask(tasks[1]);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var run = await h.RunAsync();

        run.Deletes.Should().Equal(tasks[1]);
        run.PruningRequested.Should().BeNull();
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks.Except([tasks[1]]));
    }

    [Test]
    public async Task ReadChanges_DeleteEventDropped_FullListingPrunesTheTask()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 5);
        await h.RunAsync();

        h.Workspace.DropEvents(1, e => e.Action == "deleted");
        h.Workspace.DeleteTask(tasks[3]);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var run = await h.RunAsync();
        run.Deletes.Should().BeEmpty("the event was lost");
        h.Ledger.Delivered.Should().ContainKey(tasks[3]);

        var pruned = await h.PruneAsync();

        pruned.Should().Be(1);
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks.Except([tasks[3]]));
        h.Services.GetRequiredService<IFullListing>().PruneInterval.Should().Be(TimeSpan.FromDays(1));
    }

    [Test]
    public async Task ReadChanges_SyncTokenExpired_RequestsPruningWhichForgetsTheDeletedTask()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 5);
        await h.RunAsync();

        h.Workspace.DeleteTask(tasks[0]);
        h.Clock.Advance(TimeSpan.FromHours(25));
        var run = await h.RunAsync();

        run.Error.Should().BeNull();
        run.PruningRequested.Should().Contain(project).And.Contain("expired");
        run.Pruned.Should().Be(1);
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks.Skip(1));

        // The fresh token is stored: the next run reads events again without asking to prune.
        h.Workspace.DeleteTask(tasks[1]);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var next = await h.RunAsync();
        next.PruningRequested.Should().BeNull();
        next.Deletes.Should().Equal(tasks[1]);
    }

    [Test]
    public async Task ReadChanges_UndeletedTask_ComesBack()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 3);
        await h.RunAsync();
        h.Workspace.DeleteTask(tasks[2]);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        await h.RunAsync();
        h.Ledger.Delivered.Should().NotContainKey(tasks[2]);

        h.Workspace.UndeleteTask(tasks[2]);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var run = await h.RunAsync();

        run.Upserts.Select(i => i.NativeId).Should().Equal(tasks[2]);
        h.Ledger.Delivered.Should().ContainKey(tasks[2]);
    }

    [Test]
    public async Task ReadChanges_TaskMovedBetweenProjects_IsUpdatedAndForgottenWhenMovedOutOfScope()
    {
        await using var h = await AsanaHarness.StartAsync();
        var roadmap = h.Workspace.CreateProject("Roadmap");
        var platform = h.Workspace.CreateProject("Platform");
        var elsewhere = h.Workspace.CreateProject("Not synced");
        var task = h.Workspace.CreateTask(roadmap, "Rotate the signing keys");
        var leaving = h.Workspace.CreateTask(roadmap, "Archive the old wiki");
        h.Configure(o =>
        {
            o.Projects.Add(roadmap);
            o.Projects.Add(platform);
        });
        await h.RunAsync();

        h.Workspace.MoveTask(task, roadmap, platform);
        h.Workspace.MoveTask(leaving, roadmap, elsewhere);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var run = await h.RunAsync();

        h.Ledger.Delivered[task].Metadata["projects"].Should().BeEquivalentTo(new[] { "Platform" });
        run.Deletes.Should().Contain(leaving);
        h.Ledger.Delivered.Should().NotContainKey(leaving);
    }

    [Test]
    public async Task ReadChanges_MoveEventDropped_NextFullListingDeliversTheNewProjects()
    {
        await using var h = await AsanaHarness.StartAsync();
        var roadmap = h.Workspace.CreateProject("Roadmap");
        var platform = h.Workspace.CreateProject("Platform");
        var task = h.Workspace.CreateTask(roadmap, "Rotate the signing keys");
        await h.RunAsync();
        // A quiet run an hour later moves the high-water mark past the task's modified_at and the overlap window,
        // so that the incremental listing cannot see the move either.
        h.Clock.Advance(TimeSpan.FromHours(1));
        await h.RunAsync();

        h.Workspace.DropEvents(2);
        h.Workspace.MoveTask(task, roadmap, platform);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        await h.RunAsync();
        h.Ledger.Delivered[task].Metadata["projects"].Should().BeEquivalentTo(new[] { "Roadmap" }, "nothing told the connector yet");

        h.Clock.Advance(TimeSpan.FromDays(1));
        await h.RunAsync();

        h.Ledger.Delivered[task].Metadata["projects"].Should().BeEquivalentTo(new[] { "Platform" });
    }

    [Test]
    public async Task ReadChanges_IncludeCompletedFalse_SkipsCompletedTasksAndForgetsOnesCompletedLater()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var open = h.Workspace.CreateTasks(project, 3);
        var done = h.Workspace.CreateTask(project, "Already shipped", new FakeTaskSpec { Completed = true });
        h.Configure(o => o.IncludeCompleted = false);

        var first = await h.RunAsync();
        first.Skips.Select(s => s.NativeId).Should().Equal(done);
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(open);

        h.Workspace.CompleteTask(open[0]);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var second = await h.RunAsync();

        second.Skips.Select(s => s.NativeId).Should().Equal(open[0]);
        h.Ledger.Forgotten.Should().Equal(open[0]);
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(open.Skip(1));
        (await h.Services.GetRequiredService<IFullListing>().ListNativeIdsAsync(CancellationToken.None).ToListAsync())
            .Should().BeEquivalentTo(open.Skip(1));
    }

    [Test]
    public async Task ReadChanges_IncludeCompletedTrue_DeliversCompletedTasksWithTheirStatus()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var task = h.Workspace.CreateTask(project, "Write the launch post");
        await h.RunAsync();

        h.Workspace.CompleteTask(task);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var run = await h.RunAsync();

        run.Skips.Should().BeEmpty();
        var item = h.Ledger.Delivered[task];
        item.Metadata["completed"].Should().Be(true);
        item.Text.Should().Contain("Status: completed");
        h.Ledger.DeliveriesOf(task).Should().Be(2);
    }

    [Test]
    public async Task ReadChanges_PaginationOffsetExpired_ListsThePassAgainFromItsFirstPage()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 250);
        await h.RunAsync(stopAfter: 120);

        h.Workspace.ExpireOffsets();
        var run = await h.RunAsync();

        run.Error.Should().BeNull();
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks);
        h.Ledger.Deliveries.Should().HaveCount(tasks.Count);
        h.Server.Requests.Should().Contain(r => r.Path == "/tasks" && r.StatusCode == 400);
    }

    [Test]
    public async Task ReadChanges_ProjectArchived_IsNoLongerSyncedAndItsTasksArePruned()
    {
        await using var h = await AsanaHarness.StartAsync();
        var roadmap = h.Workspace.CreateProject("Roadmap");
        var old = h.Workspace.CreateProject("Old plans");
        var kept = h.Workspace.CreateTasks(roadmap, 2);
        h.Workspace.CreateTasks(old, 2);
        await h.RunAsync();

        h.Workspace.ArchiveProject(old);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var run = await h.RunAsync();

        run.PruningRequested.Should().Contain(old);
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(kept);
        h.Server.Requests.Where(r => r.Query.Contains(old, StringComparison.Ordinal)).Should().HaveCount(
            3, "the archived project is read only in the first run (events token, one page, events)");
    }

    [Test]
    public async Task ReadChanges_TeamSet_SyncsTheTeamsProjectsOnly()
    {
        await using var h = await AsanaHarness.StartAsync();
        var team = h.Workspace.CreateTeam("Platform team");
        var ours = h.Workspace.CreateProject("Platform", team);
        var theirs = h.Workspace.CreateProject("Marketing");
        var tasks = h.Workspace.CreateTasks(ours, 2);
        h.Workspace.CreateTasks(theirs, 2);
        h.Configure(o => o.Team = team);

        await h.RunAsync();
        h.Workspace.RenameTask(tasks[0], "Renamed");
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var second = await h.RunAsync();

        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks);
        second.Upserts.Select(i => i.Title).Should().Equal("Renamed");
        h.Server.Requests.Should().Contain(r => r.Path == $"/teams/{team}/projects" && r.Query.Contains("archived=false"));
    }
}
