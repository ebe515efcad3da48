using ConnectorHost.Storage;
using ConnectorHost.Testing;

namespace ConnectorHost.Tests.Storage;

[Parallelizable(ParallelScope.All)]
public sealed class LiteDbDeliveryStoreTests
{
    private const long Now = 1_764_000_000_000;

    [Test]
    public void ApplyBulkResult_StoredAndRefusedItems_WritesLedgerDeadLetterAndForgetIntentAndRemovesTheBulkIntent()
    {
        using var store = new Store();
        var intent = store.Delivery.AddIntent(BulkIntent("wiki", Item("a", replaces: [11, 12]), Item("b"), Item("c")));

        var forget = store.Delivery.ApplyBulkResult(
            intent,
            [new ItemOutcome(true, [101], null), new ItemOutcome(false, [], "422 content_policy"), new ItemOutcome(true, [], "duplicate")],
            Now);

        store.Delivery.FindLedger("wiki", "a")!.MemoryIds.Should().Equal(101);
        store.Delivery.FindLedger("wiki", "a")!.State.Should().Be(LedgerState.Delivered);
        store.Delivery.FindLedger("wiki", "b").Should().BeNull("a refused item was never delivered");
        store.Delivery.FindDeadLetter("wiki", "b")!.Reason.Should().Be("422 content_policy");
        store.Delivery.FindLedger("wiki", "c")!.Note.Should().Be("duplicate");
        forget!.Kind.Should().Be(OutboxKind.Forget);
        forget.ForgetIds.Should().Equal(11, 12);
        forget.ForgetNativeIds.Should().Equal("a");
        store.Delivery.PendingIntents("wiki").Should().ContainSingle().Which.Sequence.Should().Be(forget.Sequence);
    }

    [Test]
    public void ApplyBulkResult_RefusedItemOfAnIntentWithoutItemJson_DeadLettersTheItemsExactBytesFromTheBody()
    {
        using var store = new Store();
        var first = """{"text":"Ünïcode text, first item","metadata":{"native_id":"a"}}"""u8.ToArray();
        var second = """{"text":"Second item, refused","metadata":{"native_id":"b"}}"""u8.ToArray();
        var intent = BulkIntent("wiki", Item("a"), Item("b"));
        intent.Items.ForEach(item => item.ItemJson = []);
        intent.Body = ConnectorHost.MemorySync.MemorySyncWire.ComposeBulkAdd([first, second], deduplicate: false);
        store.Delivery.AddIntent(intent);

        store.Delivery.ApplyBulkResult(intent, [new ItemOutcome(true, [1], null), new ItemOutcome(false, [], "content_policy")], Now);

        store.Delivery.FindDeadLetter("wiki", "b")!.ItemJson.Should().Equal(second, "a retry re-sends what was refused, byte for byte");
    }

    [Test]
    public void ApplyBulkResult_OutcomeCountDiffersFromItems_ThrowsAndChangesNothing()
    {
        using var store = new Store();
        var intent = store.Delivery.AddIntent(BulkIntent("wiki", Item("a"), Item("b")));

        var apply = () => store.Delivery.ApplyBulkResult(intent, [new ItemOutcome(true, [1], null)], Now);

        apply.Should().Throw<ArgumentException>().WithMessage("*1 outcomes for 2 items*");
        store.Delivery.LedgerCount("wiki").Should().Be(0);
        store.Delivery.PendingIntentCount("wiki").Should().Be(1, "the intent stays until an answer is applied");
    }

    [Test]
    public void ApplyBulkResult_ItemDeadLetteredBefore_ClearsTheDeadLetterWhenStored()
    {
        using var store = new Store();
        var first = store.Delivery.AddIntent(BulkIntent("wiki", Item("a")));
        store.Delivery.ApplyBulkResult(first, [new ItemOutcome(false, [], "refused")], Now);
        var second = store.Delivery.AddIntent(BulkIntent("wiki", Item("a")));

        store.Delivery.ApplyBulkResult(second, [new ItemOutcome(true, [7], null)], Now + 1);

        store.Delivery.FindDeadLetter("wiki", "a").Should().BeNull();
        store.Delivery.FindLedger("wiki", "a")!.MemoryIds.Should().Equal(7);
    }

    [Test]
    public void ApplyBulkResult_ItemsNewToTheLedger_AreRecordedAndReadBackAfterReopen()
    {
        using var store = new Store();
        var intent = store.Delivery.AddIntent(BulkIntent("wiki", NewItem("a"), NewItem("b")));

        store.Delivery.ApplyBulkResult(intent, [new ItemOutcome(true, [1], null), new ItemOutcome(true, [2], null)], Now);
        store.Reopen();

        store.Delivery.FindLedger("wiki", "a")!.MemoryIds.Should().Equal(1);
        store.Delivery.FindLedger("wiki", "b")!.MemoryIds.Should().Equal(2);
        store.Delivery.LedgerCount("wiki").Should().Be(2);
        store.Delivery.PendingIntentCount("wiki").Should().Be(0);
    }

    [Test]
    public void ApplyBulkResult_ItemSaidNewButAlreadyInTheLedger_ReplacesItsEntryAndKeepsOneEntryPerItem()
    {
        using var store = new Store();
        var first = store.Delivery.AddIntent(BulkIntent("wiki", Item("b")));
        store.Delivery.ApplyBulkResult(first, [new ItemOutcome(true, [1], null)], Now);

        // "a" comes before "b" in the intent, so the failed insert of "b" follows a successful one that must not stay.
        var wrong = store.Delivery.AddIntent(BulkIntent("wiki", NewItem("a"), NewItem("b")));
        var forget = store.Delivery.ApplyBulkResult(wrong, [new ItemOutcome(true, [2], null), new ItemOutcome(true, [3], null)], Now + 1);
        store.Reopen();

        forget.Should().BeNull();
        store.Delivery.FindLedger("wiki", "a")!.MemoryIds.Should().Equal(2);
        store.Delivery.FindLedger("wiki", "b")!.MemoryIds.Should().Equal(3);
        store.Delivery.LedgerSummaries("wiki").Select(entry => entry.NativeId).Should().Equal("a", "b");
        store.Delivery.PendingIntentCount("wiki").Should().Be(0);
    }

    [Test]
    public void AddDeadLetter_Twice_CountsAttemptsAndKeepsTheFirstFailureTime()
    {
        using var store = new Store();

        store.Delivery.AddDeadLetter(DeadLetter("wiki", "a", at: Now));
        store.Delivery.AddDeadLetter(DeadLetter("wiki", "a", at: Now + 5_000));

        var letter = store.Delivery.FindDeadLetter("wiki", "a")!;
        letter.Attempts.Should().Be(2);
        letter.FirstFailedAt.Should().Be(Now);
        letter.LastFailedAt.Should().Be(Now + 5_000);
    }

    [Test]
    public void AddForgetIntent_RemovesTheForgottenLedgerEntriesInTheSameWrite()
    {
        using var store = new Store();
        var bulk = store.Delivery.AddIntent(BulkIntent("wiki", Item("a"), Item("b")));
        store.Delivery.ApplyBulkResult(bulk, [new ItemOutcome(true, [1], null), new ItemOutcome(true, [2], null)], Now);

        var forget = store.Delivery.AddForgetIntent(
            new OutboxDocument { Connector = "wiki", Kind = OutboxKind.Forget, ForgetIds = [1], ForgetNativeIds = ["a"], CreatedAt = Now },
            ["a"]);

        store.Delivery.FindLedger("wiki", "a").Should().BeNull();
        store.Delivery.FindLedger("wiki", "b").Should().NotBeNull();
        store.Delivery.PendingIntents("wiki").Select(i => i.Sequence).Should().Equal(forget.Sequence);
    }

    [Test]
    public void RecordSkip_OfADeliveredItem_MarksItSkippedAndQueuesTheForgetTogether()
    {
        using var store = new Store();
        var bulk = store.Delivery.AddIntent(BulkIntent("wiki", Item("a")));
        store.Delivery.ApplyBulkResult(bulk, [new ItemOutcome(true, [5], null)], Now);
        var forget = new OutboxDocument { Connector = "wiki", Kind = OutboxKind.Forget, ForgetIds = [5], CreatedAt = Now };

        store.Delivery.RecordSkip("wiki", "a", "archived", "fp-2", forget, Now);

        var entry = store.Delivery.FindLedger("wiki", "a")!;
        entry.State.Should().Be(LedgerState.Skipped);
        entry.Fingerprint.Should().Be("fp-2");
        entry.Note.Should().Be("archived");
        store.Delivery.PendingIntents("wiki").Should().ContainSingle().Which.ForgetIds.Should().Equal(5);
    }

    [Test]
    public void LedgerScans_MoreEntriesThanOneChunk_ListEveryEntryOnceInKeyOrderAndNoNeighboursEntries()
    {
        using var store = new Store();
        var count = (LiteDbDeliveryStore.ScanChunk * 2) + 7;
        var ids = Enumerable.Range(0, count).Select(i => $"page-{i:D5}").ToList();
        Deliver(store, "wiki", ids);
        Deliver(store, "wik", ["a-neighbour-before"]);
        Deliver(store, "wiki2", ["a-neighbour-after"]);
        store.Delivery.RecordSkip("wiki", "draft", "a draft", "fp-draft", forgetIntent: null, Now);

        store.Delivery.DeliveredNativeIds("wiki").Should().Equal(ids, "every delivered entry once, in key order; the skip has no memory");
        store.Delivery.LedgerSummaries("wiki").Should().Equal(
            ids.Select(id => new LedgerSummary(id, "fp-" + id, LedgerState.Delivered))
                .Prepend(new LedgerSummary("draft", "fp-draft", LedgerState.Skipped)),
            "a skip is an entry too, and \"draft\" sorts before \"page-\"");
        store.Delivery.DeliveredNativeIds("wik").Should().Equal("a-neighbour-before");
    }

    [Test]
    public void LedgerNativeIds_ConnectorWhoseNameIsAPrefixOfAnother_ListsOnlyItsOwn()
    {
        using var store = new Store();
        store.Delivery.ApplyBulkResult(store.Delivery.AddIntent(BulkIntent("wiki", Item("a"))), [new ItemOutcome(true, [1], null)], Now);
        store.Delivery.ApplyBulkResult(store.Delivery.AddIntent(BulkIntent("wiki2", Item("b"))), [new ItemOutcome(true, [2], null)], Now);
        store.Delivery.AddDeadLetter(DeadLetter("wiki2", "z", Now));

        store.Delivery.DeliveredNativeIds("wiki").Should().Equal("a");
        store.Delivery.LedgerCount("wiki").Should().Be(1);
        store.Delivery.DeadLetterCount("wiki").Should().Be(0);
        store.Delivery.PurgeDeadLetters("wiki").Should().Be(0);
        store.Delivery.DeadLetterCount("wiki2").Should().Be(1);
    }

    [Test]
    public void ApplyBulkResult_NativeIdsDifferingOnlyInCase_AreTwoEntries()
    {
        using var store = new Store();

        store.Delivery.ApplyBulkResult(
            store.Delivery.AddIntent(BulkIntent("wiki", Item("docs/Readme.md"), Item("docs/README.md"))),
            [new ItemOutcome(true, [1], null), new ItemOutcome(true, [2], null)],
            Now);

        store.Delivery.FindLedger("wiki", "docs/Readme.md")!.MemoryIds.Should().Equal(1);
        store.Delivery.FindLedger("wiki", "docs/README.md")!.MemoryIds.Should().Equal(2);
        store.Delivery.FindLedger("wiki", "docs/readme.md").Should().BeNull();
        store.Delivery.LedgerCount("wiki").Should().Be(2);
    }

    [Test]
    public void PendingIntents_AfterReopen_AreStillThereOldestFirstWithTheirAttempts()
    {
        using var store = new Store();
        var first = store.Delivery.AddIntent(BulkIntent("wiki", Item("a")));
        var second = store.Delivery.AddIntent(BulkIntent("wiki", Item("b")));
        store.Delivery.RecordAttemptFailure(first.Sequence, "503 from MemorySync");

        store.Reopen();

        var pending = store.Delivery.PendingIntents("wiki");
        pending.Select(p => p.Sequence).Should().Equal(first.Sequence, second.Sequence);
        pending[0].Attempts.Should().Be(1);
        pending[0].LastError.Should().Be("503 from MemorySync");
        pending[0].Body.Should().Equal(first.Body, "a replay sends the very bytes of the first attempt");
        pending[0].IdempotencyKey.Should().Be(first.IdempotencyKey);
    }

    [Test]
    public void UpdateDelivered_ChangesVersionAndLabelsButKeepsTheMemoryIds()
    {
        using var store = new Store();
        store.Delivery.ApplyBulkResult(store.Delivery.AddIntent(BulkIntent("wiki", Item("a"))), [new ItemOutcome(true, [9], null)], Now);

        store.Delivery.UpdateDelivered("wiki", "a", "2", "fp", "labels-2", Now + 1);

        var entry = store.Delivery.FindLedger("wiki", "a")!;
        entry.Version.Should().Be("2");
        entry.LabelsHash.Should().Be("labels-2");
        entry.MemoryIds.Should().Equal(9);
    }

    private static OutboxItemDocument Item(string nativeId, List<long>? replaces = null) => new()
    {
        NativeId = nativeId,
        Version = "1",
        ContentHash = "content-" + nativeId,
        LabelsHash = "labels-" + nativeId,
        ReplacesMemoryIds = replaces ?? [],
        ItemJson = """{"text":"x"}"""u8.ToArray(),
    };

    private static OutboxItemDocument NewItem(string nativeId)
    {
        var item = Item(nativeId);
        item.NewToLedger = true;
        return item;
    }

    private static void Deliver(Store store, string connector, IReadOnlyList<string> nativeIds)
    {
        var intent = store.Delivery.AddIntent(BulkIntent(
            connector, [.. nativeIds.Select(id => { var item = Item(id); item.Fingerprint = "fp-" + id; return item; })]));
        store.Delivery.ApplyBulkResult(intent, [.. nativeIds.Select(_ => new ItemOutcome(true, [1], null))], Now);
    }

    private static OutboxDocument BulkIntent(string connector, params OutboxItemDocument[] items) => new()
    {
        Connector = connector,
        EndUserId = "user-1",
        Kind = OutboxKind.BulkAdd,
        IdempotencyKey = $"key-{Guid.NewGuid():N}",
        Body = """{"items":[]}"""u8.ToArray(),
        Items = [.. items],
        CreatedAt = Now,
    };

    private static DeadLetterDocument DeadLetter(string connector, string nativeId, long at) => new()
    {
        Id = StateDatabase.LedgerKey(connector, nativeId),
        Connector = connector,
        NativeId = nativeId,
        Version = "1",
        Reason = "refused",
        FirstFailedAt = at,
        LastFailedAt = at,
    };

    private sealed class Store : IDisposable
    {
        private readonly TempDirectory _directory = new("delivery");
        private readonly StorageOptions _options;
        private StateDatabase _database;

        public Store()
        {
            _options = new StorageOptions { DataDirectory = _directory.Combine("data") };
            _database = StateDatabase.Open(_options, TimeProvider.System);
            Delivery = new LiteDbDeliveryStore(_database);
        }

        public LiteDbDeliveryStore Delivery { get; private set; }

        public void Reopen()
        {
            _database.Dispose();
            _database = StateDatabase.Open(_options, TimeProvider.System);
            Delivery = new LiteDbDeliveryStore(_database);
        }

        public void Dispose()
        {
            _database.Dispose();
            _directory.Dispose();
        }
    }
}
