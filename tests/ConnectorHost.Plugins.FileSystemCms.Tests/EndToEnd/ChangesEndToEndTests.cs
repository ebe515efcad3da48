using System.Text.Json.Nodes;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.EndToEnd;

/// <summary>
/// Edits, deletes, renames and touches in a synced copy of samples/cms, followed by a second <c>sync</c> through the
/// real host: what the emulator holds afterwards is the folder as it is now.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ChangesEndToEndTests
{
    private const string Connector = "handbook";

    [Test]
    public async Task Sync_EditedFile_AddsTheNewVersionAndForgetsTheOldMemory()
    {
        await using var cms = await CreateSyncedAsync();
        var content = cms.ContentOf(Connector);
        const string path = "handbook/engineering/on-call.md";
        var before = await cms.SingleLiveAsync(Connector, path);
        var edited = File.ReadAllText(content.PathOf(path)).Replace(
            "A shift lasts one week and changes **every Monday at 10:00 Berlin time**.",
            "A shift lasts two weeks and changes **every other Thursday at 09:00 Lisbon time**.",
            StringComparison.Ordinal);
        edited.Should().Contain("Lisbon time", "the test edits the page");
        content.Write(path, edited);

        var report = await cms.SyncAsync(Connector);

        (report.Read, report.Updated, report.Added, report.Deleted, report.Pruned).Should().Be((1, 1, 0, 0, 0));
        var after = await cms.SingleLiveAsync(Connector, path);
        after.Id.Should().NotBe(before.Id, "text cannot be edited in MemorySync: the new version is a new memory");
        after.Text.Should().Contain("every other Thursday at 09:00 Lisbon time").And.NotContain("every Monday");
        after.MetadataValue("version").Should().NotBe(before.MetadataValue("version"));
        (await cms.Admin.GetMemoryAsync(before.Id))!.IsDeleted.Should().BeTrue("the old version is forgotten");
        await ShouldHoldTheFolderAsync(cms, SampleCms.Eligible);
    }

    [Test]
    public async Task Sync_DeletedFile_ForgetsItsMemoryByPruning()
    {
        await using var cms = await CreateSyncedAsync();
        var content = cms.ContentOf(Connector);
        const string path = "policies/travel.md";
        var before = await cms.SingleLiveAsync(Connector, path);
        content.Delete(path);

        var report = await cms.SyncAsync(Connector);

        (report.Pruned, report.Added, report.Updated).Should().Be((1, 0, 0));
        (await cms.Admin.GetMemoryAsync(before.Id))!.IsDeleted.Should().BeTrue("a deleted file is forgotten");
        await ShouldHoldTheFolderAsync(cms, SampleCms.Eligible.Except([path]).ToList());
    }

    [Test]
    public async Task Sync_RenamedFile_ForgetsTheOldPathAndAddsTheNewOne()
    {
        await using var cms = await CreateSyncedAsync();
        var content = cms.ContentOf(Connector);
        const string from = "docs/api/webhooks.md";
        const string to = "docs/api/events/webhooks.md";
        var before = await cms.SingleLiveAsync(Connector, from);
        content.Move(from, to);

        var report = await cms.SyncAsync(Connector);

        (report.Added, report.Pruned, report.Updated).Should().Be((1, 1, 0), "a rename is a delete plus an add");
        (await cms.Admin.GetMemoryAsync(before.Id))!.IsDeleted.Should().BeTrue("the old path is forgotten");
        var renamed = await cms.SingleLiveAsync(Connector, to);
        renamed.Text.Should().Be(before.Text, "the content moved unchanged, and is stored even though it equals a memory forgotten in the same run");
        renamed.MetadataValue("version").Should().Be(before.MetadataValue("version"));
        await ShouldHoldTheFolderAsync(cms, [.. SampleCms.Eligible.Except([from]), to]);
    }

    [Test]
    public async Task Sync_TouchedButUnchangedFile_IsReadAgainAndSendsNothing()
    {
        await using var cms = await CreateSyncedAsync();
        var content = cms.ContentOf(Connector);
        const string path = "handbook/people/onboarding.md";
        var before = await cms.SingleLiveAsync(Connector, path);
        content.SetLastWriteTime(path, content.GetLastWriteTime(path).AddMinutes(5));
        var writesBefore = await cms.WriteRequestsAsync();

        var report = await cms.SyncAsync(Connector);

        (report.Read, report.Unchanged).Should().Be((1, 1), "a new modification time makes the connector read the file, whose hash is unchanged");
        (report.Added, report.Updated, report.Pruned).Should().Be((0, 0, 0));
        (await cms.WriteRequestsAsync()).Should().Be(writesBefore, "the emulator received no write");
        (await cms.SingleLiveAsync(Connector, path)).Id.Should().Be(before.Id, "the same memory stays");
        await ShouldHoldTheFolderAsync(cms, SampleCms.Eligible);
    }

    [Test]
    public async Task Sync_EditDeleteRenameAndTouchInOneRun_LeavesExactlyTheFolderAsItIsNow()
    {
        await using var cms = await CreateSyncedAsync();
        var content = cms.ContentOf(Connector);
        content.Write("handbook/index.md", File.ReadAllText(content.PathOf("handbook/index.md")) + "\nA new closing paragraph for the handbook index.\n");
        content.Delete("policies/security/passwords.md");
        content.Move("notes/wifi-and-printers.txt", "handbook/office/wifi-and-printers.txt");
        content.SetLastWriteTime("policies/acceptable-use.md", content.GetLastWriteTime("policies/acceptable-use.md").AddHours(1));
        content.Write("blog/2025/2025-08-01-new-post.md", "---\ntitle: A new post\ntags: [news]\n---\n\nA brand new post written after the first sync.\n");

        var report = await cms.SyncAsync(Connector);

        (report.Added, report.Updated, report.Pruned, report.Unchanged).Should().Be((2, 1, 2, 1));
        string[] expected =
        [
            .. SampleCms.Eligible.Except(["policies/security/passwords.md", "notes/wifi-and-printers.txt"]),
            "handbook/office/wifi-and-printers.txt",
            "blog/2025/2025-08-01-new-post.md",
        ];
        await ShouldHoldTheFolderAsync(cms, expected);
        var all = await cms.AllMemoriesAsync(Connector);
        TestContext.Out.WriteLine($"  memories stored in all {all.Count} · forgotten {all.Count(m => m.IsDeleted)}");
        all.Where(m => m.IsDeleted).Select(m => m.MetadataValue("native_id")).Should().BeEquivalentTo(
            ["handbook/index.md", "policies/security/passwords.md", "notes/wifi-and-printers.txt"],
            "exactly the old version of the edit, the delete and the old path of the rename were forgotten");
    }

    private static async Task ShouldHoldTheFolderAsync(CmsAppliance cms, IReadOnlyCollection<string> expected) =>
        await cms.ShouldHoldExactlyAsync(Connector, cms.ContentOf(Connector).Path, expected);

    private static async Task<CmsAppliance> CreateSyncedAsync()
    {
        var cms = await CmsAppliance.CreateAsync();
        var content = cms.AddConnector(Connector, settings: new JsonObject { ["maxFileSizeBytes"] = SampleCms.MaxFileSizeBytes });
        CmsAppliance.CopySamples(content);
        cms.Appliance.WriteConfig();
        var first = await cms.SyncAsync(Connector);
        first.Added.Should().Be(SampleCms.Eligible.Length);
        return cms;
    }
}
