using ConnectorHost.Abstractions;
using ConnectorHost.Delivery;
using ConnectorHost.Storage;
using ConnectorHost.Testing;
using ConnectorHost.Tests.Support;

namespace ConnectorHost.Tests.Delivery;

[Parallelizable(ParallelScope.All)]
public sealed class LedgerKnownItemsTests
{
    [Test]
    public async Task HasFingerprint_RecordedStates_AnswersLikeTheLedger()
    {
        using var harness = new PipelineHarness();
        Record(harness, "delivered", LedgerState.Delivered, "fp-1");
        Record(harness, "skipped", LedgerState.Skipped, "fp-2");
        Record(harness, "unfingerprinted", LedgerState.Delivered, fingerprint: null);
        var known = new LedgerKnownItems(harness.Store, harness.Handle.Name);

        (await known.HasFingerprintAsync("delivered", "fp-1", CancellationToken.None)).Should().BeTrue();
        (await known.HasFingerprintAsync("delivered", "fp-1b", CancellationToken.None)).Should().BeFalse();
        (await known.HasFingerprintAsync("skipped", "fp-2", CancellationToken.None)).Should().BeTrue("a skip's fingerprint counts too");
        (await known.HasFingerprintAsync("unfingerprinted", "fp-1", CancellationToken.None)).Should().BeFalse();
        (await known.HasFingerprintAsync("never-seen", "fp-1", CancellationToken.None)).Should().BeFalse();
    }

    [Test]
    public async Task HasFingerprint_AfterTheFirstCheck_AnswersFromTheSnapshotUntilTheSessionChangesTheItem()
    {
        using var harness = new PipelineHarness();
        Record(harness, "a", LedgerState.Delivered, "fp-1");
        Record(harness, "b", LedgerState.Delivered, "fp-1");
        var known = new LedgerKnownItems(harness.Store, harness.Handle.Name);
        (await known.HasFingerprintAsync("a", "fp-1", CancellationToken.None)).Should().BeTrue();

        // Written behind the snapshot's back: only the session writes the ledger during a run, and it says so first.
        Record(harness, "a", LedgerState.Delivered, "fp-2");
        Record(harness, "b", LedgerState.Delivered, "fp-2");
        known.Changing("b");

        (await known.HasFingerprintAsync("a", "fp-1", CancellationToken.None)).Should().BeTrue("the snapshot answers, not a query");
        (await known.HasFingerprintAsync("b", "fp-2", CancellationToken.None)).Should().BeTrue("a changed item is asked of the ledger");
        (await known.HasFingerprintAsync("b", "fp-1", CancellationToken.None)).Should().BeFalse();
    }

    [Test]
    public async Task HasFingerprint_FirstCheckAfterTheRunChangedAnItem_AsksTheLedgerForEveryItem()
    {
        using var harness = new PipelineHarness();
        Record(harness, "a", LedgerState.Delivered, "fp-1");
        var known = new LedgerKnownItems(harness.Store, harness.Handle.Name);
        known.Changing("other");

        (await known.HasFingerprintAsync("a", "fp-1", CancellationToken.None)).Should().BeTrue();
        Record(harness, "a", LedgerState.Delivered, "fp-2");

        (await known.HasFingerprintAsync("a", "fp-2", CancellationToken.None)).Should().BeTrue("no snapshot was taken");
    }

    [Test]
    public async Task Run_ItemDeliveredAndCheckedAgainInOneRun_IsAskedOfTheLedgerNotTheSnapshot()
    {
        var connector = new ListConnector { CheckpointEvery = 1 };
        using var harness = new PipelineHarness(connector, new DeliveryOptions { BatchSize = 5, Linger = TimeSpan.Zero });
        Record(harness, "a", LedgerState.Delivered, "fp-old");
        var answers = new List<bool>();
        connector.Items.Add(ListConnector.Item("a", version: "2") with { Fingerprint = "fp-new" });
        connector.BeforeChanges = async request =>
            answers.Add(await request.KnownItems.HasFingerprintAsync("a", "fp-old", CancellationToken.None));
        connector.AfterChanges = async request =>
        {
            // The checkpoint after the upsert sent it; wait until its answer is in the ledger.
            await Eventually.TrueAsync(
                async () => (await request.KnownItems.FindAsync("a", CancellationToken.None))?.Fingerprint == "fp-new",
                "the new version is recorded");
            answers.Add(await request.KnownItems.HasFingerprintAsync("a", "fp-old", CancellationToken.None));
            answers.Add(await request.KnownItems.HasFingerprintAsync("a", "fp-new", CancellationToken.None));
        };

        var report = await harness.RunAsync();

        report.Run.Updated.Should().Be(1);
        answers.Should().Equal([true, false, true], "the snapshot said fp-old before the run delivered fp-new");
    }

    [Test]
    public async Task Changing_WithASnapshot_SaysTheLedgerHoldsNoEntryOnlyForItemsNeitherRecordedNorChangedBefore()
    {
        using var harness = new PipelineHarness();
        Record(harness, "a", LedgerState.Delivered, "fp-1");
        Record(harness, "s", LedgerState.Skipped, fingerprint: null);
        var withoutSnapshot = new LedgerKnownItems(harness.Store, harness.Handle.Name);
        var known = new LedgerKnownItems(harness.Store, harness.Handle.Name);
        await known.HasFingerprintAsync("a", "fp-1", CancellationToken.None);

        withoutSnapshot.Changing("new").Should().BeTrue("without a snapshot only the ledger can tell");
        known.Changing("new").Should().BeFalse("it was not in the ledger when the run began, and the run has not changed it");
        known.Changing("new").Should().BeTrue("the run changed it before: its entry may be written by now");
        known.Changing("a").Should().BeTrue();
        known.Changing("s").Should().BeTrue("an entry without a fingerprint is in the snapshot too");
        Enumerable.Range(0, 1_000).Select(i => known.Changing($"added-{i}")).Should().OnlyContain(mayBeRecorded => !mayBeRecorded);
    }

    [Test]
    public async Task Run_SameItemTwiceInOneBatchAfterTheSnapshot_TheSecondVersionReplacesTheFirst()
    {
        var connector = new ListConnector { BeforeChanges = TakeSnapshotAsync };
        using var harness = new PipelineHarness(connector);
        connector.Items.Add(ListConnector.Item("a", version: "1"));
        connector.Items.Add(ListConnector.Item("a", version: "2"));

        var report = await harness.RunAsync();

        report.Run.Added.Should().Be(1);
        report.Run.Updated.Should().Be(1, "the second upsert found the first one's entry");
        harness.MemorySync.LiveFor("a").Should().ContainSingle().Which.Version.Should().Be("2");
    }

    [Test]
    public async Task Run_ItemRefusedAndReadAgainAtTheSameVersion_IsNotSentTwice()
    {
        var connector = new ListConnector { BeforeChanges = TakeSnapshotAsync };
        using var harness = new PipelineHarness(connector);
        harness.MemorySync.RejectTextContaining = "POISON";
        var poison = ListConnector.Item("b", text: "POISON content that the service refuses.");
        connector.Items.AddRange([poison, ListConnector.Item("a"), poison]);

        var report = await harness.RunAsync();

        report.Run.DeadLettered.Should().Be(1);
        report.Run.Unchanged.Should().Be(1, "the second read found the dead letter the run wrote for this version");
        harness.MemorySync.BulkRequests.Should().Be(1, "b went out once, in the batch sealed when b was read again");
    }

    [Test]
    public async Task Run_PruningFromTheSnapshot_ForgetsWhatVanishedSinceTheLastRunAndKeepsWhatThisRunChanged()
    {
        var connector = new ListConnector { BeforeChanges = TakeSnapshotAsync };
        using var harness = new PipelineHarness(connector);
        connector.Items.AddRange(Enumerable.Range(1, 8).Select(i => ListConnector.Item($"p{i}")));
        connector.Skips.Add(new Skip("s1", "a draft", "fp-s1"));
        connector.Listing = [.. Enumerable.Range(1, 8).Select(i => $"p{i}")];
        (await harness.RunAsync()).Run.Pruned.Should().Be(0);

        // p1 vanished; p2 is updated by this run; the source adds p9 and lists neither p1 nor (yet) p9. (Full syncs:
        // the list connector's cursor is a position in its list.)
        connector.Items.Clear();
        connector.Skips.Clear();
        connector.Items.AddRange([ListConnector.Item("p2", version: "2"), ListConnector.Item("p9")]);
        connector.Listing = [.. Enumerable.Range(2, 7).Select(i => $"p{i}")];
        var second = await harness.RunAsync(new RunRequest("manual", FullSync: true));

        second.Run.Pruned.Should().Be(1);
        harness.MemorySync.LiveFor("p1").Should().BeEmpty();
        harness.MemorySync.LiveFor("p2").Should().ContainSingle().Which.Version.Should().Be("2");
        harness.MemorySync.LiveFor("p9").Should().ContainSingle("an item this run added is not a prune candidate until the next run");
        harness.Ledger("s1")!.State.Should().Be(LedgerState.Skipped, "a skipped item was never a candidate");

        connector.Items.Clear();
        var third = await harness.RunAsync(new RunRequest("manual", FullSync: true));

        third.Run.Pruned.Should().Be(1, "the next run's snapshot holds p9, and the listing still does not");
        harness.MemorySync.LiveFor("p9").Should().BeEmpty();
    }

    [Test]
    public async Task Run_ConnectorReportingACompleteListing_IsPrunedAgainstItWithoutBeingAskedToList()
    {
        var connector = new ListConnector { ReportsListing = true };
        using var harness = new PipelineHarness(connector);
        connector.Items.AddRange(Enumerable.Range(1, 8).Select(i => ListConnector.Item($"p{i}")));
        connector.Skips.Add(new Skip("s1", "a draft", "fp-s1"));
        await harness.RunAsync();

        connector.Items.RemoveAt(0);
        var second = await harness.RunAsync(new RunRequest("manual", FullSync: true));

        connector.ListingCalls.Should().Be(0, "the runs' own enumerations were complete");
        second.Run.Pruned.Should().Be(1);
        second.Prune!.Listed.Should().Be(7);
        harness.MemorySync.LiveFor("p1").Should().BeEmpty();
        harness.MemorySync.Live.Should().HaveCount(7);
        harness.Ledger("s1")!.State.Should().Be(LedgerState.Skipped, "a skipped item is not a candidate, listed or not");
    }

    [Test]
    public async Task Run_ConnectorReportingAnIncompleteListing_IsAskedToList()
    {
        var connector = new ListConnector { ReportsListing = false };
        using var harness = new PipelineHarness(connector);
        connector.Items.AddRange(Enumerable.Range(1, 8).Select(i => ListConnector.Item($"p{i}")));
        await harness.RunAsync();
        connector.Items.RemoveAt(0);

        var second = await harness.RunAsync(new RunRequest("manual", FullSync: true));

        connector.ListingCalls.Should().Be(1, "without Complete, the second run's enumeration is not trusted (the first had nothing to prune)");
        second.Run.Pruned.Should().Be(1);
        harness.MemorySync.LiveFor("p1").Should().BeEmpty();
    }

    [Test]
    public void RunListing_FirstReportAfterTheRunChangedAnItem_RecordsNothingAndLeavesPruningToTheListing()
    {
        using var harness = new PipelineHarness();
        Record(harness, "a", LedgerState.Delivered, "fp-1");
        var known = new LedgerKnownItems(harness.Store, harness.Handle.Name);
        var listing = new RunListing(known);
        known.Changing("b");

        listing.Add("a");
        listing.Complete();

        listing.Count.Should().Be(1);
        listing.IsComplete.Should().BeFalse("no snapshot could be taken, so the report could not be recorded");
    }

    [Test]
    public async Task DefaultImplementation_OfAnotherKnownItems_ComparesWhatFindReturns()
    {
        IKnownItems known = new OneItem(new KnownItem("a", "1", "fp-1", DateTimeOffset.UnixEpoch));

        (await known.HasFingerprintAsync("a", "fp-1", CancellationToken.None)).Should().BeTrue();
        (await known.HasFingerprintAsync("a", "FP-1", CancellationToken.None)).Should().BeFalse("fingerprints compare ordinally");
        (await known.HasFingerprintAsync("b", "fp-1", CancellationToken.None)).Should().BeFalse();
    }

    // What a connector that checks fingerprints does first: the run takes its snapshot of the ledger.
    private static async Task TakeSnapshotAsync(ReadRequest request) =>
        await request.KnownItems.HasFingerprintAsync("any item", "any fingerprint", CancellationToken.None);

    private static void Record(PipelineHarness harness, string nativeId, LedgerState state, string? fingerprint) =>
        harness.Database.Write(() => harness.Database.Ledger.Upsert(new LedgerDocument
        {
            Id = StateDatabase.LedgerKey(harness.Handle.Name, nativeId),
            Connector = harness.Handle.Name,
            NativeId = nativeId,
            State = state,
            Version = state == LedgerState.Delivered ? "1" : null,
            Fingerprint = fingerprint,
            MemoryIds = state == LedgerState.Delivered ? [1] : [],
        }));

    private sealed class OneItem(KnownItem item) : IKnownItems
    {
        public ValueTask<KnownItem?> FindAsync(string nativeId, CancellationToken cancellationToken) =>
            ValueTask.FromResult(nativeId == item.NativeId ? item : null);
    }
}
