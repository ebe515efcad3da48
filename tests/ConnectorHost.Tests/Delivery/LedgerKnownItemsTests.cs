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
    public async Task DefaultImplementation_OfAnotherKnownItems_ComparesWhatFindReturns()
    {
        IKnownItems known = new OneItem(new KnownItem("a", "1", "fp-1", DateTimeOffset.UnixEpoch));

        (await known.HasFingerprintAsync("a", "fp-1", CancellationToken.None)).Should().BeTrue();
        (await known.HasFingerprintAsync("a", "FP-1", CancellationToken.None)).Should().BeFalse("fingerprints compare ordinally");
        (await known.HasFingerprintAsync("b", "fp-1", CancellationToken.None)).Should().BeFalse();
    }

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
