namespace ConnectorHost.Plugins.Confluence.Tests.EndToEnd;

/// <summary>What a page's storage format becomes in MemorySync, through the plugin loaded by the real host.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ContentEndToEndTests
{
    private const string Storage =
        "<h1>Deploying</h1><p>Read this first.</p>"
        + "<ac:structured-macro ac:name=\"info\"><ac:parameter ac:name=\"title\">Heads up</ac:parameter><ac:rich-text-body><p>Deploys freeze on Friday.</p></ac:rich-text-body></ac:structured-macro>"
        + "<ac:structured-macro ac:name=\"children\"><ac:parameter ac:name=\"all\">true</ac:parameter></ac:structured-macro>"
        + "<p>Run:</p><ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\"><ac:parameter ac:name=\"language\">bash</ac:parameter>"
        + "<ac:plain-text-body><![CDATA[if [ -n \"$X\" ]; then\n  echo <done> && exit 0\nfi]]></ac:plain-text-body></ac:structured-macro>"
        + "<table><tbody><tr><th>Name</th><th>Role</th></tr><tr><td><p>Ada</p></td><td>Engineer</td></tr></tbody></table>"
        + "<p>Ask <ac:link><ri:user ri:account-id=\"557058:ada\" /></ac:link>, see "
        + "<ac:link><ri:page ri:content-title=\"Runbook\" /><ac:plain-text-link-body><![CDATA[the runbook]]></ac:plain-text-link-body></ac:link> and "
        + "<a href=\"https://example.com\">our site</a>.</p>"
        + "<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>Write the plan</ac:task-body></ac:task>"
        + "<ac:task><ac:task-id>2</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>Review it</ac:task-body></ac:task></ac:task-list>"
        + "<ac:structured-macro ac:name=\"jira\"><ac:parameter ac:name=\"key\">ENG-1</ac:parameter></ac:structured-macro>";

    private const string ExpectedText =
        "Release guide\n\n"
        + "# Deploying\n\nRead this first.\n\n"
        + "Heads up\n\nDeploys freeze on Friday.\n\n"
        + "Run:\n\n```\nif [ -n \"$X\" ]; then\n  echo <done> && exit 0\nfi\n```\n\n"
        + "Name | Role\nAda | Engineer\n\n"
        + "Ask @Ada Lovelace, see the runbook and our site.\n\n"
        + "[x] Write the plan\n[ ] Review it";

    [Test]
    public async Task Sync_StorageFormatWithMacrosCodeTablesMentionsAndLinks_ArrivesAsReadableTextTitleFirst()
    {
        await using var fixture = await ConfluenceAppliance.StartAsync(["ENG"]);
        fixture.Site.AddUser("557058:ada", "Ada Lovelace");
        var parent = fixture.Site.CreatePage("ENG", "Operations", "<p>Everything about running the service.</p>");
        var id = fixture.Site.CreatePage("ENG", "Release guide", Storage, parentId: parent, labels: ["deploy", "howto"]);
        fixture.WriteConfig();

        await fixture.SyncAsync();

        await fixture.VerifyAgainstSiteAsync("storage format");
        var memory = (await fixture.MemoriesOfAsync(id)).Should().ContainSingle().Subject;
        TestContext.Out.WriteLine($"[storage format] text as stored:\n{memory.Text}");
        memory.Text.Should().Be(ExpectedText, "dynamic macros (children, jira) are dropped and everything else reads as text");
        memory.Tags.Should().BeEquivalentTo(["deploy", "howto"]);
        memory.MetadataValue("ancestors_path").Should().Be("Operations");
        memory.MetadataValue("author").Should().Be("Sync Bot");
        memory.MetadataValue("space_key").Should().Be("ENG");
    }
}
