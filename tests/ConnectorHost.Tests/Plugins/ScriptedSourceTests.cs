using System.Text.Json;
using ConnectorHost.Abstractions;
using ConnectorHost.Plugins;
using ConnectorHost.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHost.Tests.Plugins;

/// <summary>The Scripted fixture, through the real loader: the host's pipeline tests rely on every detail of it.</summary>
public sealed class ScriptedSourceTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    private PluginTestContext _context = null!;
    private ConnectorInstanceServices _services = null!;
    private string _script = null!;

    [SetUp]
    public async Task LoadScriptedAsync()
    {
        _context = PluginTestContext.Create(FixturePlugins.Scripted);
        _context.Load();
        _script = Path.Combine(_context.Folders.Directory, "script.json");
        _services = await _context.CreateInstanceAsync(
            _context.InFolder(FixturePlugins.Scripted), SettingsFor(_script, """, "pruneInterval": "00:05:00" """));
    }

    [TearDown]
    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        _context.Dispose();
    }

    internal static string SettingsFor(string scriptPath, string more = "") =>
        $$"""{ "scriptPath": {{JsonSerializer.Serialize(scriptPath)}} {{more}} }""";

    [Test]
    public async Task ReadChanges_NoCursor_YieldsItemsThenSkipsThenDeletesThenAFinalCheckpoint()
    {
        await ScriptAsync("""
            {
              "items": [ { "id": "a", "version": "1", "text": "The first item." },
                         { "id": "b", "version": "7", "text": "The second item." } ],
              "deletes": [ "gone" ],
              "skips": [ { "id": "draft", "reason": "a draft", "fingerprint": "size=3" } ]
            }
            """);

        var changes = await _services.ReadAllAsync();

        Describe(changes).Should().Equal("upsert a@1", "upsert b@7", "skip draft", "delete gone", "checkpoint 4");
        changes[2].Should().Be(new Skip("draft", "a draft", "size=3"));
    }

    [Test]
    public async Task ReadChanges_ItemWithEveryField_IsMappedExactly()
    {
        await ScriptAsync("""
            {
              "items": [ {
                "id": "page-1", "version": "v3", "title": "Title", "text": "Body text of the page.",
                "tags": [ "x", "y" ], "fingerprint": "fp", "source": "cms", "eventType": "cms_page",
                "url": "https://example.com/page-1", "lastModified": "2025-01-02T03:04:05+00:00",
                "metadata": { "s": "text", "i": 42, "d": 1.5, "t": true, "f": false, "n": null,
                              "list": [ "p", "q" ], "nested": { "k": "v", "deep": [ 1, "two" ] } }
              } ]
            }
            """);

        var item = (await _services.ReadAllAsync()).OfType<Upsert>().Single().Item;

        item.NativeId.Should().Be("page-1");
        item.Version.Should().Be("v3");
        item.Title.Should().Be("Title");
        item.Text.Should().Be("Body text of the page.");
        item.Tags.Should().Equal("x", "y");
        item.Fingerprint.Should().Be("fp");
        item.Source.Should().Be("cms");
        item.EventType.Should().Be("cms_page");
        item.Url.Should().Be(new Uri("https://example.com/page-1"));
        item.LastModified.Should().Be(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
        item.Metadata.Should().BeEquivalentTo(new Dictionary<string, object?>
        {
            ["s"] = "text",
            ["i"] = 42L,
            ["d"] = 1.5,
            ["t"] = true,
            ["f"] = false,
            ["n"] = null,
            ["list"] = new List<string> { "p", "q" },
            ["nested"] = new Dictionary<string, object?> { ["k"] = "v", ["deep"] = new List<object?> { 1L, "two" } },
        });
        item.Metadata["list"].Should().BeAssignableTo<IEnumerable<string>>();
    }

    [Test]
    public async Task ReadChanges_CheckpointEvery_CheckpointsCountTheChangesYieldedSoFar()
    {
        await ScriptAsync(Items(4, """ "deletes": [ "d" ], "checkpointEvery": 2 """));

        Describe(await _services.ReadAllAsync()).Should().Equal(
            "upsert i1@1", "upsert i2@1", "checkpoint 2", "upsert i3@1", "upsert i4@1", "checkpoint 4", "delete d",
            "checkpoint 5");
    }

    [Test]
    public async Task ReadChanges_CheckpointEveryDividesTheTotal_TheFinalCheckpointIsNotRepeated()
    {
        await ScriptAsync(Items(4, """ "checkpointEvery": 2 """));

        Describe(await _services.ReadAllAsync()).Should().Equal(
            "upsert i1@1", "upsert i2@1", "checkpoint 2", "upsert i3@1", "upsert i4@1", "checkpoint 4");
    }

    [Test]
    public async Task ReadChanges_ResumedFromCursorN_DoesNotYieldTheFirstNChangesAgain()
    {
        await ScriptAsync(Items(5, """ "checkpointEvery": 2 """));

        Describe(await _services.ReadAllAsync(cursor: "3")).Should().Equal(
            "upsert i4@1", "checkpoint 4", "upsert i5@1", "checkpoint 5");
    }

    [Test]
    public async Task ReadChanges_CursorAtOrBeyondTheEnd_YieldsOnlyTheFinalCheckpoint()
    {
        await ScriptAsync(Items(2));

        Describe(await _services.ReadAllAsync(cursor: "2")).Should().Equal("checkpoint 2");
        Describe(await _services.ReadAllAsync(cursor: "9")).Should().Equal("checkpoint 2");
    }

    [Test]
    public async Task ReadChanges_CursorNotANumber_ThrowsConnectorException()
    {
        await ScriptAsync(Items(1));

        var act = () => _services.ReadAllAsync(cursor: "page=7");

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Kind.Should().Be(ConnectorErrorKind.InvalidData);
    }

    [Test]
    public async Task ReadChanges_FailAfter_ThrowsAfterThatManyChangesOfThisRun()
    {
        await ScriptAsync(Items(5, """ "checkpointEvery": 2, "failAfter": 3 """));

        var fromStart = await CollectUntilFailureAsync(cursor: null);
        var resumed = await CollectUntilFailureAsync(cursor: "2");

        Describe(fromStart.Changes).Should().Equal("upsert i1@1", "upsert i2@1", "checkpoint 2", "upsert i3@1");
        fromStart.Failure.Should().BeOfType<InvalidOperationException>()
            .Which.Message.Should().Be("scripted failure after 3 changes");
        Describe(resumed.Changes).Should().Equal("upsert i3@1", "upsert i4@1", "checkpoint 4", "upsert i5@1");
        resumed.Failure!.Message.Should().Be("scripted failure after 3 changes");
    }

    [Test]
    public async Task ReadChanges_FailAfterTheLastChange_ThrowsInsteadOfTheFinalCheckpoint()
    {
        await ScriptAsync(Items(2, """ "failAfter": 2 """));

        var run = await CollectUntilFailureAsync(cursor: null);

        Describe(run.Changes).Should().Equal("upsert i1@1", "upsert i2@1");
        run.Failure.Should().BeOfType<InvalidOperationException>();
    }

    [Test]
    public async Task ReadChanges_FailAfterZero_ThrowsBeforeYieldingAnything()
    {
        await ScriptAsync(Items(2, """ "failAfter": 0 """));

        var run = await CollectUntilFailureAsync(cursor: null);

        run.Changes.Should().BeEmpty();
        run.Failure!.Message.Should().Be("scripted failure after 0 changes");
    }

    [Test]
    public async Task ReadChanges_FailAfterWithFailKind_ThrowsConnectorExceptionOfThatKind()
    {
        await ScriptAsync(Items(2, """ "failAfter": 1, "failKind": "Authentication" """));

        var run = await CollectUntilFailureAsync(cursor: null);

        run.Failure.Should().BeOfType<ConnectorException>()
            .Which.Should().Match<ConnectorException>(e =>
                e.Kind == ConnectorErrorKind.Authentication && e.Message == "scripted failure after 1 changes");
    }

    [Test]
    public async Task ReadChanges_DelayMs_WaitsOnTheHostsClockBeforeEachChange()
    {
        await ScriptAsync(Items(1, """ "delayMs": 3600000 """));
        await using var run = StartRun(CancellationToken.None);

        var first = run.Enumerator.MoveNextAsync().AsTask();
        await _context.Time.TimerCreated.WaitAsync(s_deadline);

        first.IsCompleted.Should().BeFalse("the run waits an hour of the host's clock");
        _context.Time.Advance(TimeSpan.FromHours(1));
        (await first.WaitAsync(s_deadline)).Should().BeTrue();
        Describe([run.Enumerator.Current]).Should().Equal("upsert i1@1");
    }

    [Test]
    public async Task ReadChanges_CancelledWhileDelaying_StopsWithOperationCanceledException()
    {
        await ScriptAsync(Items(1, """ "delayMs": 3600000 """));
        using var cancellation = new CancellationTokenSource();
        await using var run = StartRun(cancellation.Token);
        var first = run.Enumerator.MoveNextAsync().AsTask();
        await _context.Time.TimerCreated.WaitAsync(s_deadline);

        await cancellation.CancelAsync();

        await FluentActions.Awaiting(() => first.WaitAsync(s_deadline)).Should().ThrowAsync<OperationCanceledException>();
    }

    [Test]
    public async Task ReadChanges_RequestPruning_AsksTheHostToPrune()
    {
        await ScriptAsync(Items(1, """ "requestPruning": "the change feed expired" """));
        var request = ConnectorRuns.Request();

        await _services.ReadAllAsync(request);

        request.PruningRequestedReason.Should().Be("the change feed expired");
    }

    [Test]
    public async Task ReadChanges_NoPruningRequested_LeavesTheReasonNull()
    {
        await ScriptAsync(Items(1));
        var request = ConnectorRuns.Request();

        await _services.ReadAllAsync(request);

        request.PruningRequestedReason.Should().BeNull();
    }

    [Test]
    public async Task ReadChanges_EveryRun_AppendsWhatTheHostPassedToTheRunsFile()
    {
        await ScriptAsync(Items(1, """ "failAfter": 0 """));

        await CollectUntilFailureAsync(cursor: null, runId: "run-1");
        await CollectUntilFailureAsync(cursor: "1", runId: "run-2", isFullSync: true);

        (await File.ReadAllLinesAsync(_script + ".runs")).Should().Equal(
            """{"runId":"run-1","cursor":null,"isFullSync":false}""",
            """{"runId":"run-2","cursor":"1","isFullSync":true}""");
    }

    [Test]
    public async Task ReadChanges_ScriptEditedBetweenRuns_EachRunReadsItAnew()
    {
        await ScriptAsync(Items(1));
        await _services.ReadAllAsync();
        await ScriptAsync("""{ "items": [ { "id": "i1", "version": "2", "text": "Edited text." } ], "deletes": [ "x" ] }""");

        Describe(await _services.ReadAllAsync()).Should().Equal("upsert i1@2", "delete x", "checkpoint 2");
    }

    [Test]
    public async Task ListNativeIds_NoListing_ListsTheIdsOfTheItems()
    {
        await ScriptAsync(Items(3, """ "deletes": [ "d" ] """));

        (await ListAsync()).Should().Equal("i1", "i2", "i3");
    }

    [Test]
    public async Task ListNativeIds_Listing_ListsExactlyIt()
    {
        await ScriptAsync(Items(3, """ "listing": [ "i2", "other" ] """));

        (await ListAsync()).Should().Equal("i2", "other");
    }

    [Test]
    public void PruneInterval_SetInSettings_IsWhatTheListingReports()
    {
        var (scope, listing) = _services.Resolve<IFullListing>();
        using var _ = scope;

        listing.PruneInterval.Should().Be(TimeSpan.FromMinutes(5));
    }

    [Test]
    public async Task CheckConnection_ConnectionError_ThrowsConnectorExceptionWithItsMessage()
    {
        await ScriptAsync("""{ "connectionError": "The source refused the token." }""");
        var (scope, check) = _services.Resolve<IConnectionCheck>();
        await using var _ = scope;

        var act = () => check.CheckConnectionAsync(CancellationToken.None);

        await act.Should().ThrowAsync<ConnectorException>().WithMessage("The source refused the token.");
    }

    [Test]
    public async Task CheckConnection_NoConnectionError_Succeeds()
    {
        await ScriptAsync(Items(1));
        var (scope, check) = _services.Resolve<IConnectionCheck>();
        await using var _ = scope;

        await check.Invoking(c => c.CheckConnectionAsync(CancellationToken.None)).Should().NotThrowAsync();
    }

    [Test]
    public void Settings_WithoutScriptPath_FailValidation()
    {
        var settings = PluginTestContext.Settings(_context.InFolder(FixturePlugins.Scripted), "{}");

        FixtureValidation.Errors(settings).Should().ContainSingle().Which.Should().Contain("ScriptPath");
    }

    private static string Items(int count, string more = "")
    {
        var items = Enumerable.Range(1, count)
            .Select(n => $$"""{ "id": "i{{n}}", "version": "1", "text": "Scripted item {{n}}." }""");
        return $$"""{ "items": [ {{string.Join(", ", items)}} ] {{(more.Length > 0 ? "," + more : "")}} }""";
    }

    private static List<string> Describe(IEnumerable<SourceChange> changes) => changes.Select(change => change switch
    {
        Upsert upsert => $"upsert {upsert.Item.NativeId}@{upsert.Item.Version}",
        Delete delete => $"delete {delete.NativeId}",
        Skip skip => $"skip {skip.NativeId}",
        Checkpoint checkpoint => $"checkpoint {checkpoint.Cursor}",
        _ => change.ToString(),
    }).ToList();

    private Task ScriptAsync(string json) => File.WriteAllTextAsync(_script, json);

    private async Task<List<string>> ListAsync()
    {
        var (scope, listing) = _services.Resolve<IFullListing>();
        await using var _ = scope;
        var ids = new List<string>();
        await foreach (var id in listing.ListNativeIdsAsync(CancellationToken.None))
        {
            ids.Add(id);
        }

        return ids;
    }

    private async Task<(List<SourceChange> Changes, Exception? Failure)> CollectUntilFailureAsync(
        string? cursor, string runId = "run-1", bool isFullSync = false)
    {
        var (scope, connector) = _services.Resolve<IConnector>();
        await using var _ = scope;
        var changes = new List<SourceChange>();
        try
        {
            await foreach (var change in connector.ReadChangesAsync(
                ConnectorRuns.Request(cursor, isFullSync, runId), CancellationToken.None))
            {
                changes.Add(change);
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or ConnectorException)
        {
            return (changes, exception);
        }

        return (changes, null);
    }

    private Run StartRun(CancellationToken cancellationToken)
    {
        var (scope, connector) = _services.Resolve<IConnector>();
        return new Run(scope, connector.ReadChangesAsync(ConnectorRuns.Request(), cancellationToken).GetAsyncEnumerator(cancellationToken));
    }

    private sealed class Run(AsyncServiceScope scope, IAsyncEnumerator<SourceChange> enumerator) : IAsyncDisposable
    {
        public IAsyncEnumerator<SourceChange> Enumerator { get; } = enumerator;

        public async ValueTask DisposeAsync() => await scope.DisposeAsync();
    }
}
