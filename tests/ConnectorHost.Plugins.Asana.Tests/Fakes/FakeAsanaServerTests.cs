using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ConnectorHost.Fakes.Asana;
using ConnectorHost.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Plugins.Asana.Tests.Fakes;

/// <summary>The fake follows the published API where the connector's tests depend on it.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class FakeAsanaServerTests
{
    [Test]
    public async Task Get_WithoutValidToken_Answers401InAsanasErrorShape()
    {
        await using var server = await FakeAsanaServer.StartAsync();
        using var http = new HttpClient();

        var (status, body) = await GetAsync(http, server, "/users/me", token: "2/1/wrong");

        status.Should().Be(HttpStatusCode.Unauthorized);
        body["errors"]![0]!["message"]!.GetValue<string>().Should().Be("Not Authorized");
        body["errors"]![0]!["help"].Should().NotBeNull();
        body["errors"]![0]!.AsObject().ContainsKey("phrase").Should().BeFalse("phrase is for 500 only");
    }

    [Test]
    public async Task Get_ScriptedServerError_CarriesAPhrase()
    {
        await using var server = await FakeAsanaServer.StartAsync();
        using var http = Client(server);
        server.Faults.FailNext(1, 500);

        var (status, body) = await GetAsync(http, server, "/users/me");

        status.Should().Be(HttpStatusCode.InternalServerError);
        body["errors"]![0]!["phrase"]!.GetValue<string>().Split(' ').Should().HaveCount(5);
    }

    [Test]
    public async Task GetTasks_WithoutProjectTagOrAssigneeAndWorkspace_Answers400MissingInput()
    {
        await using var server = await FakeAsanaServer.StartAsync();
        using var http = Client(server);

        var (none, noneBody) = await GetAsync(http, server, "/tasks");
        var (assigneeOnly, assigneeBody) = await GetAsync(http, server, "/tasks?assignee=me");
        var (both, _) = await GetAsync(http, server, $"/tasks?assignee=me&workspace={server.Workspace.Gid}");

        none.Should().Be(HttpStatusCode.BadRequest);
        noneBody["errors"]![0]!["message"]!.GetValue<string>().Should().EndWith(": Missing input");
        assigneeOnly.Should().Be(HttpStatusCode.BadRequest);
        assigneeBody["errors"]![0]!["message"]!.GetValue<string>().Should().Be("workspace: Missing input");
        both.Should().Be(HttpStatusCode.OK);
    }

    [TestCase("0")]
    [TestCase("101")]
    [TestCase("ten")]
    public async Task GetTasks_LimitOutOfRange_Answers400(string limit)
    {
        await using var server = await FakeAsanaServer.StartAsync();
        using var http = Client(server);
        var project = server.Workspace.CreateProject("Roadmap");

        var (status, _) = await GetAsync(http, server, $"/tasks?project={project}&limit={limit}");

        status.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task GetTasks_Paged_CompactRecordsAndNextPageOnlyWhenLimitIsSent()
    {
        await using var server = await FakeAsanaServer.StartAsync();
        using var http = Client(server);
        var project = server.Workspace.CreateProject("Roadmap");
        var tasks = server.Workspace.CreateTasks(project, 5);

        var (_, unpaged) = await GetAsync(http, server, $"/tasks?project={project}");
        var (_, first) = await GetAsync(http, server, $"/tasks?project={project}&limit=3");
        var offset = first["next_page"]!["offset"]!.GetValue<string>();
        var (_, second) = await GetAsync(http, server, $"/tasks?project={project}&limit=3&offset={offset}");
        var (changedQuery, _) = await GetAsync(http, server, $"/tasks?project={project}&limit=2&offset={offset}");

        unpaged.AsObject().ContainsKey("next_page").Should().BeFalse();
        unpaged["data"]!.AsArray().Should().HaveCount(5);
        unpaged["data"]![0]!.AsObject().Select(p => p.Key).Should().BeEquivalentTo(
            new[] { "gid", "resource_type", "name", "resource_subtype", "created_by" });
        first["next_page"]!["path"]!.GetValue<string>().Should().StartWith("/tasks?").And.Contain("offset=");
        second["data"]!.AsArray().Select(t => t!["gid"]!.GetValue<string>()).Should().Equal(tasks.Skip(3));
        second["next_page"].Should().BeNull();
        changedQuery.Should().Be(HttpStatusCode.BadRequest, "an offset is only valid for the query that returned it");
    }

    [Test]
    public async Task GetTasks_OptFields_ProjectsDottedPaths()
    {
        await using var server = await FakeAsanaServer.StartAsync();
        using var http = Client(server);
        var project = server.Workspace.CreateProject("Roadmap");
        var grace = server.Workspace.CreateUser("Grace Hopper");
        server.Workspace.CreateTask(project, "Ship", new FakeTaskSpec { AssigneeGid = grace });

        var (_, body) = await GetAsync(http, server, $"/tasks?project={project}&opt_fields=assignee.name,memberships.section.name,html_notes");

        var task = body["data"]![0]!;
        task["assignee"]!.AsObject().Select(p => p.Key).Should().BeEquivalentTo(new[] { "gid", "name" });
        task["assignee"]!["name"]!.GetValue<string>().Should().Be("Grace Hopper");
        task["memberships"]![0]!["section"]!["name"]!.GetValue<string>().Should().Be("Untitled section");
        task["html_notes"]!.GetValue<string>().Should().StartWith("<body>");
        task.AsObject().ContainsKey("name").Should().BeFalse();
    }

    [Test]
    public async Task GetTasks_ModifiedSince_CommentsBumpTheTaskButMovesDoNot()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero));
        await using var server = await FakeAsanaServer.StartAsync(new FakeAsanaWorkspace(clock));
        using var http = Client(server);
        var w = server.Workspace;
        var roadmap = w.CreateProject("Roadmap");
        var platform = w.CreateProject("Platform");
        var commented = w.CreateTask(roadmap, "Commented");
        var moved = w.CreateTask(roadmap, "Moved");
        clock.Advance(TimeSpan.FromHours(1));
        var since = Uri.EscapeDataString("2025-03-03T09:30:00.000Z");
        w.AddComment(commented, "Looks good");
        w.MoveTask(moved, roadmap, platform);

        var (_, roadmapChanges) = await GetAsync(http, server, $"/tasks?project={roadmap}&modified_since={since}");
        var (_, platformChanges) = await GetAsync(http, server, $"/tasks?project={platform}&modified_since={since}");

        roadmapChanges["data"]!.AsArray().Select(t => t!["gid"]!.GetValue<string>()).Should().Equal(commented);
        platformChanges["data"]!.AsArray().Should().BeEmpty();
    }

    [Test]
    public async Task GetProjects_ArchivedFilter_LeavesArchivedOut()
    {
        await using var server = await FakeAsanaServer.StartAsync();
        using var http = Client(server);
        var live = server.Workspace.CreateProject("Live");
        server.Workspace.CreateProject("Old", archived: true);

        var (_, all) = await GetAsync(http, server, $"/projects?workspace={server.Workspace.Gid}");
        var (_, current) = await GetAsync(http, server, $"/workspaces/{server.Workspace.Gid}/projects?archived=false");

        all["data"]!.AsArray().Should().HaveCount(2);
        current["data"]!.AsArray().Select(p => p!["gid"]!.GetValue<string>()).Should().Equal(live);
    }

    [Test]
    public async Task GetEvents_FirstCallThenPaging_412WithTokenThenAtMost100WithHasMore()
    {
        await using var server = await FakeAsanaServer.StartAsync();
        using var http = Client(server);
        var project = server.Workspace.CreateProject("Roadmap");

        var (first, firstBody) = await GetAsync(http, server, $"/events?resource={project}");
        var token = firstBody["sync"]!.GetValue<string>();
        server.Workspace.CreateTasks(project, 150);
        var (_, page1) = await GetAsync(http, server, $"/events?resource={project}&sync={Uri.EscapeDataString(token)}");
        var (_, page2) = await GetAsync(http, server, $"/events?resource={project}&sync={Uri.EscapeDataString(page1["sync"]!.GetValue<string>())}");

        first.Should().Be(HttpStatusCode.PreconditionFailed);
        firstBody["errors"]![0]!["message"]!.GetValue<string>().Should().StartWith("Sync token invalid or too old");
        page1["data"]!.AsArray().Should().HaveCount(100);
        page1["has_more"]!.GetValue<bool>().Should().BeTrue();
        page2["data"]!.AsArray().Should().HaveCount(50);
        page2["has_more"]!.GetValue<bool>().Should().BeFalse();
        page1["data"]![0]!["action"]!.GetValue<string>().Should().Be("added");
        page1["data"]![0]!["parent"]!["gid"]!.GetValue<string>().Should().Be(project);
    }

    [Test]
    public async Task GetEvents_DeletedAndUndeletedAndDropped_ReportedAtMostOnce()
    {
        await using var server = await FakeAsanaServer.StartAsync();
        using var http = Client(server);
        var w = server.Workspace;
        var project = w.CreateProject("Roadmap");
        var a = w.CreateTask(project, "A");
        var b = w.CreateTask(project, "B");
        var (_, start) = await GetAsync(http, server, $"/events?resource={project}");
        w.DeleteTask(a);
        w.UndeleteTask(a);
        w.DropEvents(1, e => e.Action == "deleted");
        w.DeleteTask(b);

        var (_, events) = await GetAsync(http, server, $"/events?resource={project}&sync={Uri.EscapeDataString(start["sync"]!.GetValue<string>())}");

        events["data"]!.AsArray().Select(e => $"{e!["action"]} {e["resource"]!["gid"]}").Should().Equal($"deleted {a}", $"undeleted {a}");
        var (status, _) = await GetAsync(http, server, $"/tasks/{b}");
        status.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task GetEvents_ExpiredToken_Answers412WithAFreshToken()
    {
        var clock = new FakeTimeProvider();
        await using var server = await FakeAsanaServer.StartAsync(new FakeAsanaWorkspace(clock));
        using var http = Client(server);
        var project = server.Workspace.CreateProject("Roadmap");
        var (_, start) = await GetAsync(http, server, $"/events?resource={project}");
        var token = start["sync"]!.GetValue<string>();
        clock.Advance(TimeSpan.FromHours(25));

        var (status, body) = await GetAsync(http, server, $"/events?resource={project}&sync={Uri.EscapeDataString(token)}");

        status.Should().Be(HttpStatusCode.PreconditionFailed);
        body["sync"]!.GetValue<string>().Should().NotBe(token);
    }

    [Test]
    public async Task Get_QuotaExceeded_Answers429WithRetryAfterPerToken()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 3, 9, 0, 15, TimeSpan.Zero));
        await using var server = await FakeAsanaServer.StartAsync(new FakeAsanaWorkspace(clock));
        server.RequestsPerMinute = 2;
        using var http = Client(server);
        var other = server.Workspace.IssueToken(server.Workspace.CreateUser("Grace Hopper"));

        await GetAsync(http, server, "/users/me");
        await GetAsync(http, server, "/users/me");
        using var third = await http.GetAsync(new Uri(server.BaseUrl + "/users/me"));
        var (otherStatus, _) = await GetAsync(http, server, "/users/me", other);

        third.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        third.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(45));
        otherStatus.Should().Be(HttpStatusCode.OK, "limits are per token");
        server.RateLimited.Should().Be(1);
    }

    [Test]
    public async Task Get_MoreConcurrentRequestsThanTheCap_Answers429()
    {
        await using var server = await FakeAsanaServer.StartAsync();
        server.ConcurrentRequestLimit = 2;
        using var http = Client(server);
        var hold = server.Hold(p => p.StartsWith("/workspaces", StringComparison.Ordinal));
        var held = new[] { GetAsync(http, server, "/workspaces"), GetAsync(http, server, "/workspaces") };
        await Eventually.TrueAsync(() => hold.Waiting == 2, "two requests are held");

        var (status, _) = await GetAsync(http, server, "/users/me");
        hold.Release();
        await Task.WhenAll(held);

        status.Should().Be(HttpStatusCode.TooManyRequests);
        server.MaxInFlight.Should().Be(3);
    }

    [Test]
    public async Task Get_DateHeader_ComesFromTheWorkspaceClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2031, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await using var server = await FakeAsanaServer.StartAsync(new FakeAsanaWorkspace(clock));
        using var http = Client(server);

        using var response = await http.GetAsync(new Uri(server.BaseUrl + "/users/me"));

        response.Headers.Date.Should().Be(clock.GetUtcNow());
    }

    [Test]
    public async Task GetSearch_FreeWorkspace_Answers402()
    {
        await using var server = await FakeAsanaServer.StartAsync();
        using var http = Client(server);

        var (status, _) = await GetAsync(http, server, $"/workspaces/{server.Workspace.Gid}/tasks/search?text=x");

        status.Should().Be(HttpStatusCode.PaymentRequired);
    }

    private static HttpClient Client(FakeAsanaServer server)
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Workspace.AccessToken);
        return http;
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> GetAsync(
        HttpClient http, FakeAsanaServer server, string pathAndQuery, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseUrl + pathAndQuery));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }
}
