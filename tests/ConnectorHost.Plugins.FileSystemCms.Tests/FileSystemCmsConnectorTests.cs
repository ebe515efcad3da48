using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ConnectorHost.Plugins.FileSystemCms.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Plugins.FileSystemCms.Tests;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class FileSystemCmsConnectorTests : IDisposable
{
    private const string Expenses = """
        ---
        title: Expenses
        tags: [finance, travel]
        author: Sam Lee
        ---
        Submit receipts within 30 days of the purchase.
        """;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Test]
    public async Task ReadChanges_NewFile_UpsertsItWithIdentityVersionFingerprintAndMetadata()
    {
        var path = _folder.Write("handbook/People/expenses.md", Expenses);
        var lastWrite = new DateTime(2025, 5, 1, 8, 30, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, lastWrite);
        await using var cms = CmsHarness.Create(_folder.Path);

        var report = await cms.RunAsync();

        var item = report.Delivered.Should().ContainSingle().Subject;
        item.NativeId.Should().Be("handbook/People/expenses.md");
        item.Version.Should().Be(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        item.Fingerprint.Should().StartWith($"{new FileInfo(path).Length}:{lastWrite.Ticks}:");
        item.Title.Should().Be("Expenses");
        item.Text.Should().Be("Submit receipts within 30 days of the purchase.");
        item.Source.Should().Be("filesystem-cms");
        item.EventType.Should().Be("cms_document");
        item.Url.Should().Be(new Uri(path));
        item.Url!.Scheme.Should().Be("file");
        item.LastModified.Should().Be(new DateTimeOffset(lastWrite));
        item.Tags.Should().Equal("finance", "travel");
        item.Metadata.Should().BeEquivalentTo(new Dictionary<string, object?>
        {
            ["path"] = "handbook/People/expenses.md",
            ["title"] = "Expenses",
            ["tags"] = new List<string> { "finance", "travel" },
            ["last_modified"] = "2025-05-01T08:30:00.0000000Z",
            ["author"] = "Sam Lee",
        });
    }

    [Test]
    public async Task ReadChanges_PathWithSpacesHashAndNonAscii_HasAFileUrlOfThatPath()
    {
        var path = _folder.Write("guides/C# for ops/Ünïcode 100%.md", "Escaping matters in URLs.");

        var item = (await RunOnceAsync()).Delivered.Single();

        item.NativeId.Should().Be("guides/C# for ops/Ünïcode 100%.md");
        item.Url!.IsFile.Should().BeTrue();
        item.Url.LocalPath.Should().Be(path);
        item.Url.Fragment.Should().BeEmpty();
    }

    [Test]
    public async Task ReadChanges_CursorFromAnotherVersionOrGarbage_IsIgnored()
    {
        _folder.Write("a.md", "Content that must still be delivered.");
        await using var cms = CmsHarness.Create(_folder.Path);
        var connector = cms.Harness.Resolve<IConnector>();
        var request = new ReadRequest { Cursor = "{not json", RunId = "run-x", KnownItems = cms.Ledger };

        var changes = new List<SourceChange>();
        await foreach (var change in connector.ReadChangesAsync(request, CancellationToken.None))
        {
            changes.Add(change);
        }

        changes.OfType<Upsert>().Should().ContainSingle();
        changes[^1].Should().BeOfType<Checkpoint>();
    }

    [Test]
    public async Task ReadChanges_SecondRunWithoutChanges_ReadsNoFileAndYieldsNothing()
    {
        WriteHandbook();
        await using var cms = CmsHarness.Create(_folder.Path);
        var first = await cms.RunAsync();
        first.Delivered.Should().HaveCount(3);
        cms.Reader.Reads.Should().HaveCount(3);

        var second = await cms.RunAsync();

        cms.Reader.Reads.Should().BeEmpty();
        second.Yielded.Should().Be(0);
        second.Checkpoints.Should().ContainSingle();
        cms.Ledger.Sent.Should().HaveCount(3);
    }

    [Test]
    public async Task ReadChanges_ContentReplacedWithSameSizeAndTime_IsNotReadUntilAFullSync()
    {
        _folder.Write("a.md", "Original text of the page.");
        var lastWrite = _folder.GetLastWriteTime("a.md");
        await using var cms = CmsHarness.Create(_folder.Path);
        await cms.RunAsync();

        // Same length, same modification time: only reading the file could tell.
        _folder.Write("a.md", "Replaced text of the page.");
        _folder.SetLastWriteTime("a.md", lastWrite);
        var incremental = await cms.RunAsync();
        var full = await cms.RunAsync(fullSync: true);

        incremental.Yielded.Should().Be(0);
        full.Delivered.Should().ContainSingle().Which.Text.Should().Be("Replaced text of the page.");
    }

    [Test]
    public async Task ReadChanges_FullSync_ReadsEveryFileButDeliversNothingUnchanged()
    {
        WriteHandbook();
        await using var cms = CmsHarness.Create(_folder.Path);
        await cms.RunAsync();

        var full = await cms.RunAsync(fullSync: true);

        cms.Reader.Reads.Should().HaveCount(3);
        full.Unchanged.Should().HaveCount(3);
        full.Delivered.Should().BeEmpty();
    }

    [Test]
    public async Task ReadChanges_TouchedButUnchangedFile_YieldsTheOldVersionWithANewFingerprint()
    {
        _folder.Write("a.md", "Some stable content.");
        await using var cms = CmsHarness.Create(_folder.Path);
        var first = await cms.RunAsync();
        var delivered = first.Delivered.Single();

        _folder.SetLastWriteTime("a.md", _folder.GetLastWriteTime("a.md").AddHours(1));
        var touched = await cms.RunAsync();
        var after = await cms.RunAsync();

        var upsert = touched.Unchanged.Should().ContainSingle().Subject;
        upsert.Version.Should().Be(delivered.Version);
        upsert.Fingerprint.Should().NotBe(delivered.Fingerprint);
        touched.Delivered.Should().BeEmpty();
        cms.Ledger.Items["a.md"].Fingerprint.Should().Be(upsert.Fingerprint);
        after.Yielded.Should().Be(0);
        cms.Reader.Reads.Should().BeEmpty();
    }

    [Test]
    public async Task ReadChanges_EditedFile_DeliversTheNewVersionOnce()
    {
        _folder.Write("a.md", "First version of the text.");
        await using var cms = CmsHarness.Create(_folder.Path);
        var first = await cms.RunAsync();

        _folder.Write("a.md", "Second version of the text, a little longer.");
        var edited = await cms.RunAsync();
        var again = await cms.RunAsync();

        var item = edited.Delivered.Should().ContainSingle().Subject;
        item.Version.Should().NotBe(first.Delivered.Single().Version);
        cms.Ledger.Memories["a.md"].Text.Should().Be("Second version of the text, a little longer.");
        again.Yielded.Should().Be(0);
        cms.Ledger.Sent.Should().HaveCount(2).And.OnlyHaveUniqueItems();
    }

    [Test]
    public async Task ReadChanges_DeletedFile_IsPrunedThroughTheListing()
    {
        WriteHandbook();
        await using var cms = CmsHarness.Create(_folder.Path);
        await cms.RunAsync();

        _folder.Delete("policies/security.md");
        var report = await cms.RunAsync();

        report.Pruned.Should().Equal("policies/security.md");
        report.Listed.Should().Be(2);
        report.ListedDuringTheRun.Should().BeTrue("the walk saw every folder, so it is the listing; no second walk");
        cms.Ledger.Memories.Keys.Should().BeEquivalentTo("handbook/on-call.md", "notes/wifi.txt");
    }

    [Test]
    public async Task ReadChanges_RenamedFile_IsADeleteAndAnAdd()
    {
        WriteHandbook();
        await using var cms = CmsHarness.Create(_folder.Path);
        await cms.RunAsync();

        _folder.Move("handbook/on-call.md", "handbook/engineering/on-call.md");
        var report = await cms.RunAsync();

        report.DeliveredIds.Should().Equal("handbook/engineering/on-call.md");
        report.Pruned.Should().Equal("handbook/on-call.md");
        cms.Ledger.Memories.Should().ContainKey("handbook/engineering/on-call.md").And.NotContainKey("handbook/on-call.md");
    }

    [Test]
    public async Task ReadChanges_FileVanishingBeforeItsRead_IsSkippedWithoutFingerprintAndPruned()
    {
        WriteHandbook();
        await using var cms = CmsHarness.Create(_folder.Path);
        var vanishing = _folder.PathOf("handbook/on-call.md");
        cms.Reader.BeforeRead = path =>
        {
            if (path == vanishing)
            {
                File.Delete(path);
            }
        };

        var report = await cms.RunAsync();

        var skip = report.Skipped.Should().ContainSingle().Subject;
        skip.NativeId.Should().Be("handbook/on-call.md");
        skip.Reason.Should().Be("the file disappeared before it could be read");
        skip.Fingerprint.Should().BeNull();
        report.DeliveredIds.Should().BeEquivalentTo("policies/security.md", "notes/wifi.txt");
        cms.Harness.Logs.Entries.Should().Contain(entry =>
            entry.Level == LogLevel.Warning && Equals(entry.Properties.GetValueOrDefault("Path"), "handbook/on-call.md"));
        report.Pruned.Should().Equal("handbook/on-call.md");
        cms.Ledger.Items.Should().NotContainKey("handbook/on-call.md");
    }

    [Test]
    public async Task ReadChanges_FileThatCannotBeRead_IsSkippedAndReadAgainNextRun()
    {
        _folder.Write("locked.md", "Locked for a moment.");
        await using var cms = CmsHarness.Create(_folder.Path);
        cms.Reader.BeforeRead = _ => throw new UnauthorizedAccessException("Access to the path is denied.");
        var report = await cms.RunAsync();

        cms.Reader.BeforeRead = null;
        var next = await cms.RunAsync();

        report.Skipped.Should().ContainSingle().Which.Reason.Should().Be("the file could not be read: Access to the path is denied.");
        next.DeliveredIds.Should().Equal("locked.md");
    }

    [Test]
    public async Task ReadChanges_OversizeFile_IsSkippedWithoutReadingItAndNotReadAgain()
    {
        _folder.Write("big.md", new string('x', 70_000));
        _folder.Write("small.md", "A small page of text.");
        await using var cms = CmsHarness.Create(_folder.Path, options => options.MaxFileSizeBytes = 65_536);

        var report = await cms.RunAsync();
        var reads = cms.Reader.Reads;
        var next = await cms.RunAsync();

        report.Skipped.Should().ContainSingle().Which.Should().Be(
            new Skip("big.md", "larger than maxFileSizeBytes (68.4 KB > 64 KB)", cms.Ledger.Items["big.md"].Fingerprint));
        report.Skipped.Single().Fingerprint.Should().NotBeNull();
        reads.Should().ContainSingle().Which.Should().EndWith("small.md");
        next.Yielded.Should().Be(0);
    }

    [Test]
    public async Task ReadChanges_FileGrowingPastTheLimitAfterTheWalk_IsSkippedAsOversize()
    {
        _folder.Write("growing.md", "Short for now.");
        await using var cms = CmsHarness.Create(_folder.Path, options => options.MaxFileSizeBytes = 100);
        cms.Reader.BeforeRead = path => File.AppendAllText(path, new string('y', 200));

        var report = await cms.RunAsync();

        report.Skipped.Should().ContainSingle().Which.Reason.Should().Be("larger than maxFileSizeBytes (it grew past 100 bytes while being read)");
    }

    [Test]
    public async Task ReadChanges_Drafts_AreSkippedByDefault()
    {
        _folder.Write("blog/draft.md", "---\ntitle: Next quarter\ndraft: true\n---\nPlans we have not announced.");
        _folder.Write("blog/live.md", "---\ntitle: Last quarter\n---\nWhat we shipped.");
        await using var cms = CmsHarness.Create(_folder.Path);

        var report = await cms.RunAsync();

        report.DeliveredIds.Should().Equal("blog/live.md");
        report.Skipped.Should().ContainSingle().Which.Reason.Should().StartWith("draft");
    }

    [Test]
    public async Task ReadChanges_IncludeDraftsTurnedOnLater_DeliversTheDraftsSkippedBefore()
    {
        _folder.Write("blog/draft.md", "---\ntitle: Next quarter\ndraft: true\n---\nPlans we have not announced.");
        TestLedger ledger;
        await using (var before = CmsHarness.Create(_folder.Path))
        {
            (await before.RunAsync()).Skipped.Should().ContainSingle();
            ledger = before.Ledger;
        }

        await using var after = CmsHarness.Create(_folder.Path, options => options.IncludeDrafts = true, ledger);
        var report = await after.RunAsync();

        report.DeliveredIds.Should().Equal("blog/draft.md");
    }

    [Test]
    public async Task ReadChanges_DeliveredPageTurnedIntoADraft_IsSkippedSoItsMemoryIsForgotten()
    {
        _folder.Write("a.md", "---\ntitle: A\n---\nPublished text.");
        await using var cms = CmsHarness.Create(_folder.Path);
        await cms.RunAsync();

        _folder.Write("a.md", "---\ntitle: A\ndraft: true\n---\nBeing rewritten.");
        var report = await cms.RunAsync();

        report.SkippedIds.Should().Equal("a.md");
        cms.Ledger.Memories.Should().BeEmpty();
    }

    [TestCase("utf8.md", new byte[] { }, "Caf\u00e9 cr\u00e8me menu.")]
    [TestCase("utf8-bom.md", new byte[] { 0xEF, 0xBB, 0xBF }, "Caf\u00e9 cr\u00e8me menu.")]
    public async Task ReadChanges_Utf8File_IsDelivered(string name, byte[] prefix, string text)
    {
        _folder.Write(name, [.. prefix, .. Encoding.UTF8.GetBytes(text)]);

        var report = await RunOnceAsync();

        report.Delivered.Should().ContainSingle().Which.Text.Should().Be(text);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task ReadChanges_Utf16FileWithBom_IsDelivered(bool bigEndian)
    {
        var encoding = new UnicodeEncoding(bigEndian, byteOrderMark: true);
        _folder.Write("utf16.md", [.. encoding.GetPreamble(), .. encoding.GetBytes("# Notes\n\nCaf\u00e9 menu \u65e5\u672c.")]);

        var report = await RunOnceAsync();

        var item = report.Delivered.Should().ContainSingle().Subject;
        item.Title.Should().Be("Notes");
        item.Text.Should().Be("Caf\u00e9 menu \u65e5\u672c.");
    }

    [Test]
    public async Task ReadChanges_BadContent_IsSkippedWithReasonsAndFingerprints()
    {
        _folder.Write("latin1.txt", Encoding.Latin1.GetBytes("Men\u00fc of the day"));
        _folder.Write("binary.md", [(byte)'#', (byte)' ', 0, 1, 2]);
        _folder.Write("empty.md", []);
        _folder.Write("blank.txt", "  \n\n\t ");

        var report = await RunOnceAsync();

        report.Skipped.Select(skip => (skip.NativeId, skip.Reason)).Should().BeEquivalentTo(new[]
        {
            ("latin1.txt", "not valid UTF-8: byte 0xFC at offset 3 (save the file as UTF-8)"),
            ("binary.md", "binary content: NUL byte at offset 2"),
            ("empty.md", "empty file"),
            ("blank.txt", "empty file"),
        });
        report.Skipped.Should().OnlyContain(skip => skip.Fingerprint != null);
        report.Delivered.Should().BeEmpty();
    }

    [Test]
    public async Task ReadChanges_DefaultGlobs_TakeMarkdownHtmlAndTextOnly()
    {
        foreach (var name in new[] { "a.md", "b.markdown", "c.html", "d.htm", "e.txt", "F.MD", "g.json", "h.png", "i.md.bak", ".hidden/j.md" })
        {
            _folder.Write("dir/" + name, "Some readable text content.");
        }

        var report = await RunOnceAsync();

        report.DeliveredIds.Should().BeEquivalentTo(
            "dir/a.md", "dir/b.markdown", "dir/c.html", "dir/d.htm", "dir/e.txt", "dir/F.MD", "dir/.hidden/j.md");
    }

    [Test]
    public async Task ReadChanges_IncludeAndExcludeGlobs_SelectFilesAndTheListingFollowsThem()
    {
        _folder.Write("docs/api/auth.md", "Authentication uses tokens.");
        _folder.Write("docs/api/old/v1.md", "Version one is retired.");
        _folder.Write("docs/guide.rst", "A restructured text guide.");
        _folder.Write("blog/post.md", "A blog post about things.");
        await using var cms = CmsHarness.Create(_folder.Path, options =>
        {
            options.Include = ["docs/**/*.md", "**/*.rst"];
            options.Exclude = ["**/old/**"];
        });

        var report = await cms.RunAsync();

        report.DeliveredIds.Should().BeEquivalentTo("docs/api/auth.md", "docs/guide.rst");
        report.Listed.Should().Be(2);
    }

    [Test]
    public async Task ListNativeIds_IncludesSkippedFilesButNotUnmatchedOnes()
    {
        _folder.Write("draft.md", "---\ndraft: true\n---\nNot yet.");
        _folder.Write("empty.txt", string.Empty);
        _folder.Write("image.png", [1, 2, 3]);
        await using var cms = CmsHarness.Create(_folder.Path);
        var listing = (IFullListing)cms.Harness.Resolve<IConnector>();

        var ids = new List<string>();
        await foreach (var id in listing.ListNativeIdsAsync(CancellationToken.None))
        {
            ids.Add(id);
        }

        ids.Should().BeEquivalentTo("draft.md", "empty.txt");
        listing.PruneInterval.Should().Be(TimeSpan.Zero);
        cms.Reader.Reads.Should().BeEmpty();
    }

    [Test]
    public async Task ReadChanges_ManyFiles_CheckpointsEvery500FilesAndAtTheEnd()
    {
        for (var i = 0; i < 1_200; i++)
        {
            _folder.Write($"d{i % 7}/f{i}.txt", $"File number {i} of the test.");
        }

        await using var cms = CmsHarness.Create(_folder.Path);
        var startedAt = cms.Harness.Time.GetUtcNow();

        var report = await cms.RunAsync();

        report.Checkpoints.Select(Cursor).Select(cursor => cursor.GetProperty("files").GetInt64()).Should().Equal(500, 1_000, 1_200);
        report.Checkpoints.Should().OnlyContain(checkpoint => checkpoint.Position == startedAt);
        Cursor(report.Checkpoints[^1]).GetProperty("walkStartedAt").GetDateTimeOffset().Should().Be(startedAt);
        cms.Ledger.Cursor.Should().Be(report.Checkpoints[^1].Cursor);
    }

    [Test]
    public async Task ReadChanges_EmptyFolder_CommitsOneCheckpoint()
    {
        var report = await RunOnceAsync();

        Cursor(report.Checkpoints.Should().ContainSingle().Subject).GetProperty("files").GetInt64().Should().Be(0);
    }

    [Test]
    public async Task ReadChanges_CancelledMidRun_ResumesNextRunAndDeliversEveryFileExactlyOnce()
    {
        for (var i = 0; i < 1_100; i++)
        {
            _folder.Write($"f{i}.md", $"Page number {i} of the handbook.");
        }

        await using var cms = CmsHarness.Create(_folder.Path);
        using var cancellation = new CancellationTokenSource();
        cms.Reader.BeforeRead = _ =>
        {
            if (cms.Reader.Reads.Count == 700)
            {
                cancellation.Cancel();
            }
        };

        var cancelled = async () => await cms.Harness.RunAsync(cancellationToken: cancellation.Token);
        await cancelled.Should().ThrowAsync<OperationCanceledException>();
        cms.Reader.BeforeRead = null;
        var resumed = await cms.RunAsync();

        cms.Ledger.Sent.Should().HaveCount(1_100).And.OnlyHaveUniqueItems();
        cms.Ledger.Memories.Should().HaveCount(1_100);
        resumed.Delivered.Count.Should().BeInRange(400, 401);
    }

    [Test]
    public async Task ReadChanges_MissingRoot_ThrowsConnectorExceptionNamingThePath()
    {
        var missing = _folder.PathOf("not-there");
        await using var cms = CmsHarness.Create(missing);

        var run = async () => await cms.RunAsync();

        (await run.Should().ThrowAsync<ConnectorException>())
            .Where(exception => exception.Kind == ConnectorErrorKind.NotFound && exception.Message.Contains(missing));
    }

    [Test]
    public async Task CheckConnection_MissingRoot_ThrowsConnectorExceptionNamingThePath()
    {
        var missing = _folder.PathOf("not-there");
        await using var cms = CmsHarness.Create(missing);
        var check = (IConnectionCheck)cms.Harness.Resolve<IConnector>();

        var act = () => check.CheckConnectionAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<ConnectorException>())
            .Where(exception => exception.Kind == ConnectorErrorKind.NotFound && exception.Message.Contains(missing));
    }

    [Test]
    public async Task CheckConnection_RootIsAFile_ThrowsConnectorException()
    {
        var file = _folder.Write("file.md", "Not a folder.");
        await using var cms = CmsHarness.Create(file);
        var check = (IConnectionCheck)cms.Harness.Resolve<IConnector>();

        var act = () => check.CheckConnectionAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Message.Should().Contain(file);
    }

    [Test]
    public async Task CheckConnection_ReadableRoot_Passes()
    {
        await using var cms = CmsHarness.Create(_folder.Path);
        var check = (IConnectionCheck)cms.Harness.Resolve<IConnector>();

        var act = () => check.CheckConnectionAsync(CancellationToken.None);

        await act.Should().NotThrowAsync();
    }

    [Test]
    public async Task ReadChanges_Run_LogsASummaryWithCounts()
    {
        WriteHandbook();
        await using var cms = CmsHarness.Create(_folder.Path);
        await cms.RunAsync();
        _folder.Write("new.md", "---\ndraft: true\n---\nDraft.");

        await cms.RunAsync();

        var summary = cms.Harness.Logs.Entries.Last(entry => entry.Properties.ContainsKey("Unchanged")).Properties;
        summary["Files"].Should().Be(4L);
        summary["Read"].Should().Be(1L);
        summary["Unchanged"].Should().Be(3L);
        summary["Skipped"].Should().Be(1L);
    }

    private static JsonElement Cursor(Checkpoint checkpoint) => JsonDocument.Parse(checkpoint.Cursor).RootElement;

    private async Task<RunReport> RunOnceAsync()
    {
        await using var cms = CmsHarness.Create(_folder.Path);
        return await cms.RunAsync();
    }

    private void WriteHandbook()
    {
        _folder.Write("handbook/on-call.md", "---\ntitle: On-call\n---\nThe rotation changes every Monday at 10:00.");
        _folder.Write("policies/security.md", "# Security\n\nUse a password manager and turn on two-factor login.");
        _folder.Write("notes/wifi.txt", "Guest Wi-Fi: northwind-guest, ask reception for the code.");
    }
}
