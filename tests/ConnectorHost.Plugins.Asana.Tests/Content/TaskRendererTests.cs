using ConnectorHost.Fakes.Asana;
using ConnectorHost.Plugins.Asana.Tests.Support;

namespace ConnectorHost.Plugins.Asana.Tests.Content;

[Parallelizable(ParallelScope.All)]
public sealed class TaskRendererTests
{
    [Test]
    public async Task ReadChanges_RichTask_RendersTextAndMetadataFromAsanasFields()
    {
        await using var h = await AsanaHarness.StartAsync();
        var w = h.Workspace;
        var project = w.CreateProject("Roadmap");
        var section = w.CreateSection(project, "Now");
        var grace = w.CreateUser("Grace Hopper");
        var urgent = w.CreateTag("urgent");
        var priority = w.CreateCustomField("Priority", "enum");
        var estimate = w.CreateCustomField("Estimate", "number");
        var task = w.CreateTask(project, "Ship the importer", new FakeTaskSpec
        {
            HtmlNotes = "<body>Import <strong>every</strong> board.<ul><li>Trello</li><li>Jira</li></ul></body>",
            AssigneeGid = grace,
            DueOn = new DateOnly(2025, 4, 1),
            SectionGid = section,
            TagGids = [urgent],
            CustomFields = new Dictionary<string, object?> { [priority] = "High", [estimate] = 3 },
        });
        w.AddComment(task, "First pass done.", grace);
        w.Assign(task, grace); // a system story, not a comment
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        w.AddComment(task, "Second pass done.");
        h.Configure(o => o.CustomFields.Add("priority"));

        await h.RunAsync();

        var item = h.Ledger.Delivered[task];
        item.Title.Should().Be("Ship the importer");
        item.Text.Should().Be(
            "Import every board.\n- Trello\n- Jira\n\n" +
            "Assignee: Grace Hopper\n" +
            "Due: 2025-04-01\n" +
            "Status: open\n" +
            "Project: Roadmap (Now)\n" +
            "Tags: urgent\n" +
            "Priority: High\n" +
            "Estimate: 3\n\n" +
            "Comments:\n" +
            "Grace Hopper, 2025-03-03 09:00 UTC:\nFirst pass done.\n\n" +
            "Ada Lovelace, 2025-03-03 09:01 UTC:\nSecond pass done.");
        var permalink = w.GetTask(task).PermalinkUrl;
        item.Url.Should().Be(new Uri(permalink));
        item.Source.Should().Be("asana");
        item.EventType.Should().Be("asana_task");
        item.Tags.Should().Equal("urgent");
        item.LastModified.Should().Be(w.GetTask(task).ModifiedAt);
        item.Version.Should().StartWith("2025-03-03T09:01:00.000Z#");
        item.Metadata.Should().Contain("task_gid", task)
            .And.Contain("permalink_url", permalink)
            .And.Contain("section", "Now")
            .And.Contain("assignee", "Grace Hopper")
            .And.Contain("completed", false)
            .And.Contain("due", "2025-04-01");
        item.Metadata["projects"].Should().BeEquivalentTo(new[] { "Roadmap" });
        item.Metadata["tags"].Should().BeEquivalentTo(new[] { "urgent" });
        item.Metadata["custom_fields"].Should().BeEquivalentTo(new Dictionary<string, object?> { ["Priority"] = "High" });
    }

    [Test]
    public async Task ReadChanges_IncludeCommentsFalse_LeavesCommentsOutAndReadsNoStories()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var task = h.Workspace.CreateTask(project, "Plan the offsite", new FakeTaskSpec { Notes = "Somewhere warm." });
        h.Workspace.AddComment(task, "Lisbon?");
        h.Configure(o => o.IncludeComments = false);

        await h.RunAsync();

        h.Ledger.Delivered[task].Text.Should().StartWith("Somewhere warm.").And.NotContain("Lisbon");
        h.Server.Requests.Should().NotContain(r => r.Path.EndsWith("/stories", StringComparison.Ordinal));
    }

    [Test]
    public async Task ReadChanges_SettingsChanged_ListsEveryProjectInFullAndRedeliversWithTheNewContent()
    {
        await using var h = await AsanaHarness.StartAsync();
        var project = h.Workspace.CreateProject("Roadmap");
        var task = h.Workspace.CreateTask(project, "Plan the offsite", new FakeTaskSpec { Notes = "Somewhere warm." });
        h.Workspace.AddComment(task, "Lisbon?");
        h.Configure(o => o.IncludeComments = false);
        await h.RunAsync();
        h.Clock.Advance(TimeSpan.FromHours(2));

        h.Configure(o => o.IncludeComments = true);
        await h.RunAsync();

        h.Ledger.Delivered[task].Text.Should().Contain("Lisbon?");
        h.Ledger.DeliveriesOf(task).Should().Be(2);
    }
}
