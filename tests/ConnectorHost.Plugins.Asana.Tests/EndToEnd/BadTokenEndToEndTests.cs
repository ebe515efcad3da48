namespace ConnectorHost.Plugins.Asana.Tests.EndToEnd;

/// <summary>A revoked Asana token: the run fails clearly, the cursor stays, and the token is never printed or logged.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class BadTokenEndToEndTests
{
    [Test]
    public async Task Sync_RevokedToken_ExitsOneWithoutMovingTheCursorOrRevealingTheToken()
    {
        await using var asana = await AsanaAppliance.CreateAsync();
        var project = asana.Workspace.CreateProject("Roadmap");
        var tasks = asana.Workspace.CreateTasks(project, 10);
        var token = asana.Workspace.IssueToken(asana.Workspace.MeGid);
        asana.WriteToken(token);
        asana.SyncProjects(project);
        asana.WriteConfig();
        await asana.SyncAsync();
        var revision = await asana.CursorRevisionAsync();
        revision.Should().NotBeNull();

        asana.Workspace.RevokeToken(token);
        asana.Workspace.RenameTask(tasks[0], "Renamed while the token is revoked");
        var result = await asana.Appliance.RunCliAsync("sync", AsanaAppliance.Connector);

        result.ExitCode.Should().Be(1, result.ToString());
        (result.Output + result.Error).Should().Contain("Asana rejected the access token (401").And.Contain("Check accessToken of connector 'roadmap'").And.Contain("Failed");
        (await asana.CursorRevisionAsync()).Should().Be(revision, "a failed run never moves the cursor");
        (await asana.SingleLiveAsync(tasks[0])).Text.Should().NotContain("Renamed while the token is revoked");
        (result.Output + result.Error).Should().NotContain(token);
        var logs = Directory.EnumerateFiles(asana.Appliance.LogDirectory, "*", SearchOption.AllDirectories).ToList();
        logs.Should().NotBeEmpty("the host writes its log files");
        foreach (var log in logs)
        {
            File.ReadAllText(log).Should().NotContain(token, $"{Path.GetFileName(log)} must not hold the token");
        }

        TestContext.Out.WriteLine($"  exit {result.ExitCode} · cursor revision {revision} kept · {logs.Count} log file(s) checked for the token");
    }
}
