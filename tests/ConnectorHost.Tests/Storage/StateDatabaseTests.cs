using ConnectorHost.Storage;
using ConnectorHost.Testing;

namespace ConnectorHost.Tests.Storage;

public sealed class StateDatabaseTests
{
    [Test]
    public async Task Write_TwoTransactionsWritingCollectionsInOppositeOrders_BothCommitWithoutDeadlock()
    {
        using var directory = new TempDirectory("state-db");
        using var database = StateDatabase.Open(new StorageOptions { DataDirectory = directory.Combine("data") }, TimeProvider.System);
        using var firstWroteLedger = new ManualResetEventSlim();
        using var secondWroteOutbox = new ManualResetEventSlim();

        // The first transaction writes the ledger, then gives the second the chance to write the outbox before it
        // writes the outbox itself: without one writer at a time, each then waits for the other's lock.
        var first = Task.Factory.StartNew(
            () => database.Write(() =>
            {
                database.Ledger.Upsert(Ledger("a"));
                firstWroteLedger.Set();
                // Bounded: with one writer at a time the second cannot write until this one commits.
                secondWroteOutbox.Wait(TimeSpan.FromSeconds(2));
                database.Outbox.Insert(new OutboxDocument { Connector = "wiki", IdempotencyKey = "first" });
            }),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        var second = Task.Factory.StartNew(
            () =>
            {
                firstWroteLedger.Wait();
                database.Write(() =>
                {
                    database.Outbox.Insert(new OutboxDocument { Connector = "wiki", IdempotencyKey = "second" });
                    secondWroteOutbox.Set();
                    database.Ledger.Upsert(Ledger("b"));
                });
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        await Task.WhenAll(first, second);

        database.Ledger.FindAll().Select(x => x.NativeId).Should().BeEquivalentTo(["a", "b"]);
        database.Outbox.FindAll().Select(x => x.IdempotencyKey).Should().BeEquivalentTo(["first", "second"]);
    }

    private static LedgerDocument Ledger(string nativeId) => new()
    {
        Id = StateDatabase.LedgerKey("wiki", nativeId),
        Connector = "wiki",
        NativeId = nativeId,
        State = LedgerState.Delivered,
        Version = "1",
    };
}
