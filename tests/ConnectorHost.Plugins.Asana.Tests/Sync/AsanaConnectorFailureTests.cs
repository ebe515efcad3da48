using ConnectorHost.Abstractions;
using ConnectorHost.Fakes.Asana;
using ConnectorHost.Plugins.Asana.Tests.Support;
using ConnectorHost.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHost.Plugins.Asana.Tests.Sync;

[Parallelizable(ParallelScope.All)]
public sealed class AsanaConnectorFailureTests
{
    [Test]
    public async Task ReadChanges_AsanaQuotaExceeded_WaitsForRetryAfterAndLosesNothing()
    {
        await using var h = await AsanaHarness.StartAsync();
        var projects = new[] { "Roadmap", "Platform" }.Select(n => h.Workspace.CreateProject(n)).ToList();
        var tasks = projects.SelectMany(p => h.Workspace.CreateTasks(p, 120)).ToList();
        h.Server.RequestsPerMinute = 60;

        var run = await h.RunAsync();

        run.Error.Should().BeNull();
        h.Server.RateLimited.Should().BeGreaterThan(0);
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks);
        h.Ledger.Deliveries.Should().HaveCount(tasks.Count);
        // The fake asks to wait until its minute ends; the connector waited exactly that long, never less.
        var asked = h.Server.Requests.Where(r => r.StatusCode == 429).Select(r => 60 - (r.At.ToUnixTimeSeconds() % 60)).ToList();
        h.Time.Waits.Should().Contain(w => asked.Contains((long)w.TotalSeconds));
    }

    [Test]
    public async Task ReadChanges_TooManyRequestsWithRetryAfter_WaitsThatLong()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 3);
        h.Server.Faults.FailNext(2, 429, "/tasks?", retryAfterSeconds: 37);

        var run = await h.RunAsync();

        run.Error.Should().BeNull();
        h.Time.Waits.Where(w => w == TimeSpan.FromSeconds(37)).Should().HaveCount(2);
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks);
    }

    [Test]
    public async Task ReadChanges_ServerErrorsAndDroppedConnections_AreRetriedAndLoseNothing()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 150);
        h.Server.Faults.FailNext(3, 500, "/stories");
        h.Server.Faults.FailNext(1, 503, "/tasks?");
        h.Server.Faults.FailNext(1, 502, "/events");
        h.Server.Faults.Add(new FakeAsanaFault { Disconnect = true, Times = 2, When = p => p.Contains("offset=", StringComparison.Ordinal) });

        var run = await h.RunAsync();

        run.Error.Should().BeNull();
        h.Server.Faults.Injected.Should().Be(7);
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks);
        h.Ledger.Deliveries.Should().HaveCount(tasks.Count);
    }

    [Test]
    public async Task ReadChanges_AsanaDownBeyondRetries_FailsAsUnavailableWithThePhraseAndKeepsTheCursor()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        h.Workspace.CreateTasks(project, 3);
        await h.RunAsync();
        var cursor = h.Ledger.Cursor;
        h.Server.Faults.FailNext(100, 500, "/tasks?");

        var run = await h.RunAsync();

        run.Error!.Kind.Should().Be(ConnectorErrorKind.Unavailable);
        run.Error.Message.Should().Contain("500").And.Contain("error phrase");
        h.Ledger.Cursor.Should().Be(cursor);
    }

    [Test]
    public async Task ReadChanges_ConcurrentRequests_NeverExceedTheConfiguredCap()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 60);
        h.Configure(o => o.MaxConcurrentRequests = 4);
        var hold = h.Server.Hold(p => p.Contains("/stories", StringComparison.Ordinal));

        var running = h.RunAsync();
        await Eventually.TrueAsync(() => hold.Waiting == 4, "four stories requests are held");
        hold.Release();
        var run = await running;

        run.Error.Should().BeNull();
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks);
        h.Server.MaxInFlight.Should().Be(4);
    }

    [Test]
    public async Task ReadChanges_RevokedToken_FailsAsAuthenticationWithoutMovingTheCursor()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 3);
        await h.RunAsync();
        var cursor = h.Ledger.Cursor;
        var commits = h.Ledger.Commits;
        h.Workspace.RevokeToken(h.Workspace.AccessToken);
        h.Workspace.CreateTask(project, "Created after the token was revoked");

        var run = await h.RunAsync();

        run.Error!.Kind.Should().Be(ConnectorErrorKind.Authentication);
        run.Error.Message.Should().Contain("401").And.Contain("accessToken").And.NotContain(h.Workspace.AccessToken);
        run.Changes.Should().BeEmpty();
        h.Ledger.Cursor.Should().Be(cursor);
        h.Ledger.Commits.Should().Be(commits);
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks);
    }

    [Test]
    public async Task CheckConnection_BadToken_ThrowsAuthentication()
    {
        await using var h = await AsanaHarness.StartAsync();
        h.Configure(o => o.AccessToken = "2/1/not-a-real-token");
        var check = h.Services.GetRequiredService<IConnectionCheck>();

        var act = () => check.CheckConnectionAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Kind.Should().Be(ConnectorErrorKind.Authentication);
        h.Server.Requests.Should().ContainSingle().Which.Path.Should().Be("/users/me");
    }

    [Test]
    public async Task CheckConnection_UnknownWorkspace_ThrowsNotFoundNamingIt()
    {
        await using var h = await AsanaHarness.StartAsync();
        h.Configure(o => o.Workspace = "999");
        var check = h.Services.GetRequiredService<IConnectionCheck>();

        var act = () => check.CheckConnectionAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<ConnectorException>())
            .Which.Should().Match<ConnectorException>(e => e.Kind == ConnectorErrorKind.NotFound && e.Message.Contains("workspace 999"));
    }

    [Test]
    public async Task CheckConnection_ValidTokenAndWorkspace_Passes()
    {
        await using var h = await AsanaHarness.StartAsync();
        var check = h.Services.GetRequiredService<IConnectionCheck>();

        await check.CheckConnectionAsync(CancellationToken.None);

        h.Server.Requests.Select(r => r.Path).Should().Equal("/users/me", $"/workspaces/{h.Workspace.Gid}");
    }

    [Test]
    public async Task ReadChanges_PaymentRequired_FailsWithAClearConfigurationMessage()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        h.Workspace.CreateTasks(project, 3);
        h.Server.Faults.FailNext(1, 402, "/tasks?");

        var run = await h.RunAsync();

        run.Error!.Kind.Should().Be(ConnectorErrorKind.Configuration);
        run.Error.Message.Should().Contain("402").And.Contain("premium");
        h.Server.Requests.Should().ContainSingle(r => r.StatusCode == 402, "402 is not retried");
    }

    [Test]
    public async Task ReadChanges_ForbiddenProject_NamesItAndSyncsTheOthers()
    {
        await using var h = await AsanaHarness.StartAsync();
        var open = h.Workspace.CreateProject("Roadmap");
        var secret = h.Workspace.CreateProject("Board");
        var tasks = h.Workspace.CreateTasks(open, 3);
        h.Workspace.CreateTasks(secret, 3);
        h.Workspace.DenyAccess(secret);
        h.Configure(o =>
        {
            o.Projects.Add(secret);
            o.Projects.Add(open);
        });

        var run = await h.RunAsync();

        run.Error!.Kind.Should().Be(ConnectorErrorKind.Authorization);
        run.Error.Message.Should().Contain($"project {secret}").And.Contain("403");
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks);
    }

    [Test]
    public async Task ReadChanges_ProjectRevokedMidway_NamesItAndKeepsItsTasks()
    {
        await using var h = await AsanaHarness.StartAsync();
        var roadmap = h.Workspace.CreateProject("Roadmap");
        var board = h.Workspace.CreateProject("Board");
        var tasks = h.Workspace.CreateTasks(roadmap, 2).Concat(h.Workspace.CreateTasks(board, 2)).ToList();
        await h.RunAsync();
        h.Server.Faults.FailNext(1, 403, $"/tasks?project={board}");

        var run = await h.RunAsync();

        run.Error!.Kind.Should().Be(ConnectorErrorKind.Authorization);
        run.Error.Message.Should().Contain(board).And.Contain("Board");
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks, "a refused project is not a deleted one");
    }

    [Test]
    public async Task ReadChanges_UnknownProject_FailsAsNotFoundNamingIt()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var tasks = h.Workspace.CreateTasks(project, 2);
        h.Configure(o =>
        {
            o.Projects.Add(project);
            o.Projects.Add("1999");
        });

        var run = await h.RunAsync();

        run.Error!.Kind.Should().Be(ConnectorErrorKind.NotFound);
        run.Error.Message.Should().Contain("project 1999").And.Contain("404");
        h.Ledger.Delivered.Keys.Should().BeEquivalentTo(tasks);
        var listing = () => h.Services.GetRequiredService<IFullListing>().ListNativeIdsAsync(CancellationToken.None).ToListAsync().AsTask();
        await listing.Should().ThrowAsync<ConnectorException>("a partial listing would prune the missing project's tasks");
    }
}
