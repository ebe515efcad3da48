using ConnectorHost.Testing;

namespace ConnectorHost.Plugins.Asana.Tests.EndToEnd;

/// <summary>The appliance as a running service with a scheduled Asana connector: it picks up changes on its own.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ServiceEndToEndTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Run_ScheduledConnector_PicksUpAChangeOnItsOwn()
    {
        await using var asana = await AsanaAppliance.CreateAsync();
        var project = asana.Workspace.CreateProject("Roadmap");
        var tasks = asana.Workspace.CreateTasks(project, 8);
        asana.SyncProjects(project);
        asana.Entry["schedule"] = "* * * * * ?";
        asana.WriteConfig();
        await using var service = await asana.Appliance.StartServiceAsync();

        await Eventually.TrueAsync(async () => (await asana.LiveMemoriesAsync()).Count == tasks.Count, "the first scheduled run delivered every task", s_patience);

        asana.Workspace.RenameTask(tasks[2], "Migrate billing to the new ledger");
        var added = asana.Workspace.CreateTask(project, "Write the migration runbook");
        await Eventually.TrueAsync(
            async () =>
            {
                var live = await asana.LiveMemoriesAsync();
                return live.Count == tasks.Count + 1
                    && live.Any(m => m.MetadataValue("native_id") == added)
                    && live.Any(m => m.MetadataValue("native_id") == tasks[2] && m.Text.Contains("Migrate billing to the new ledger", StringComparison.Ordinal));
            },
            "a later scheduled run picked up the rename and the new task",
            s_patience);

        var stopped = await service.StopAsync();

        stopped.ExitCode.Should().Be(0, stopped.ToString());
        await asana.ShouldHoldExactlyAsync([.. tasks, added]);
    }
}
