using System.Runtime.Versioning;
using ConnectorHost.Storage;
using ConnectorHost.Testing;
using LiteDB;

namespace ConnectorHost.Tests.Storage;

[Parallelizable(ParallelScope.All)]
public sealed class StateDatabaseTests
{
    [Test]
    [Platform(Exclude = "Win", Reason = "Unix file modes")]
    [UnsupportedOSPlatform("windows")]
    public void Open_NewDataFolder_CreatesFolderAndFileForTheOwnerOnly()
    {
        using var temp = new TempDirectory("state");
        var options = new StorageOptions { DataDirectory = temp.Combine("data") };

        using (StateDatabase.Open(options, TimeProvider.System))
        {
        }

        File.GetUnixFileMode(options.DataDirectory).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.GetUnixFileMode(options.DatabasePath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Test]
    [Platform(Exclude = "Win", Reason = "Unix file modes")]
    [UnsupportedOSPlatform("windows")]
    public void Open_ExistingFileMadeWorldReadable_IsRestrictedAgain()
    {
        using var temp = new TempDirectory("state");
        var options = new StorageOptions { DataDirectory = temp.Combine("data") };
        using (StateDatabase.Open(options, TimeProvider.System))
        {
        }

        File.SetUnixFileMode(options.DatabasePath, (UnixFileMode)0b110_100_100);
        using (StateDatabase.Open(options, TimeProvider.System))
        {
        }

        File.GetUnixFileMode(options.DatabasePath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Test]
    public void Open_GarbageFile_RefusesNamingTheFileAndTheRecoveryAndLeavesItAlone()
    {
        using var temp = new TempDirectory("state");
        var options = new StorageOptions { DataDirectory = temp.Combine("data") };
        Directory.CreateDirectory(options.DataDirectory);
        var garbage = Enumerable.Range(0, 64 * 1024).Select(i => (byte)(i * 7 % 251)).ToArray();
        File.WriteAllBytes(options.DatabasePath, garbage);

        var open = () => StateDatabase.Open(options, TimeProvider.System);

        open.Should().Throw<StorageException>()
            .Which.Message.Should().Contain(options.DatabasePath)
            .And.Contain("restore it from a backup")
            .And.Contain("will not start from an empty state");
        File.ReadAllBytes(options.DatabasePath).Should().Equal(garbage, "a damaged file is evidence; it is never rebuilt or replaced");
    }

    [Test]
    public void Open_LiteDbFileNotWrittenByTheHost_IsRefused()
    {
        using var temp = new TempDirectory("state");
        var options = new StorageOptions { DataDirectory = temp.Combine("data") };
        Directory.CreateDirectory(options.DataDirectory);
        using (var foreign = new LiteDatabase(options.DatabasePath))
        {
            foreign.GetCollection("customers").Insert(new BsonDocument { ["name"] = "Ada" });
        }

        var open = () => StateDatabase.Open(options, TimeProvider.System);

        open.Should().Throw<StorageException>().Which.Message.Should().Contain("not written by ConnectorHost");
    }

    [Test]
    public void Open_FileFromANewerSchema_RefusesNamingBothVersions()
    {
        using var temp = new TempDirectory("state");
        var options = new StorageOptions { DataDirectory = temp.Combine("data") };
        using (StateDatabase.Open(options, TimeProvider.System))
        {
        }

        using (var raw = new LiteDatabase(options.DatabasePath))
        {
            var meta = raw.GetCollection("meta");
            var schema = meta.FindById("schema");
            schema["SchemaVersion"] = StateDatabase.SchemaVersion + 1;
            meta.Update(schema);
        }

        var open = () => StateDatabase.Open(options, TimeProvider.System);

        open.Should().Throw<StorageException>()
            .Which.Message.Should().Contain($"schema {StateDatabase.SchemaVersion + 1}")
            .And.Contain($"reads schema {StateDatabase.SchemaVersion}");
    }

    [Test]
    public void Open_WhileAnotherInstanceHoldsTheFile_ReportsItLocked()
    {
        using var temp = new TempDirectory("state");
        var options = new StorageOptions { DataDirectory = temp.Combine("data") };
        using var first = StateDatabase.Open(options, TimeProvider.System);

        var open = () => StateDatabase.Open(options, TimeProvider.System);

        var error = open.Should().Throw<StorageException>().Which;
        error.IsLocked.Should().BeTrue();
        error.Message.Should().Contain("in use by another process");
    }

    [Test]
    public void Write_ChangeThatThrows_LeavesNothingBehind()
    {
        using var temp = new TempDirectory("state");
        var options = new StorageOptions { DataDirectory = temp.Combine("data") };
        using var database = StateDatabase.Open(options, TimeProvider.System);

        var write = () => database.Write(() =>
        {
            database.Ledger.Insert(new LedgerDocument { Id = StateDatabase.LedgerKey("wiki", "a"), Connector = "wiki", NativeId = "a" });
            throw new InvalidOperationException("power cut");
        });

        write.Should().Throw<InvalidOperationException>();
        database.Ledger.Count().Should().Be(0);
    }

    [Test]
    public void Open_NewDataFolder_CreatesEveryCollectionARunWritesBeforeAnyRun()
    {
        using var temp = new TempDirectory("state");

        using var database = StateDatabase.Open(new StorageOptions { DataDirectory = temp.Combine("data") }, TimeProvider.System);

        // A collection created by a run's first write, while other threads of the run read it, broke LiteDB's engine.
        database.CollectionNames.Should().Contain(["ledger", "outbox", "dead_letters", "runs"]);
    }

    [Test]
    public void Open_FileWithTheEarlierLedgerIndexOnConnector_DropsIt()
    {
        using var temp = new TempDirectory("state");
        var options = new StorageOptions { DataDirectory = temp.Combine("data") };
        using (var earlier = StateDatabase.Open(options, TimeProvider.System))
        {
            // What earlier versions created on every open.
            earlier.Ledger.EnsureIndex(x => x.Connector).Should().BeTrue();
        }

        using var reopened = StateDatabase.Open(options, TimeProvider.System);

        reopened.Ledger.DropIndex(nameof(LedgerDocument.Connector)).Should().BeFalse("the index is gone already");
    }

    [Test]
    public void Reopen_AfterWrites_KeepsStringsExactlyAsWritten()
    {
        using var temp = new TempDirectory("state");
        var options = new StorageOptions { DataDirectory = temp.Combine("data") };
        const string cursor = "  2026-11-24T10:00:00Z|page 7  ";
        using (var database = StateDatabase.Open(options, TimeProvider.System))
        {
            database.Cursors.Upsert(new CursorDocument { Connector = "wiki", Value = cursor });
            database.Cursors.Upsert(new CursorDocument { Connector = "empty", Value = "" });
        }

        using var reopened = StateDatabase.Open(options, TimeProvider.System);

        reopened.Cursors.FindById("wiki").Value.Should().Be(cursor, "cursors are opaque and must round-trip byte for byte");
        reopened.Cursors.FindById("empty").Value.Should().Be("");
    }

    [Test]
    public async Task Write_TwoTransactionsWritingCollectionsInOppositeOrders_BothCommitWithoutDeadlock()
    {
        using var directory = new TempDirectory("state-db");
        using var database = StateDatabase.Open(new StorageOptions { DataDirectory = directory.Combine("data") }, TimeProvider.System);
        var firstWroteLedger = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var secondWroteOutbox = new ManualResetEventSlim();

        // The first transaction writes the ledger, then gives the second the chance to write the outbox before it
        // writes the outbox itself: without one writer at a time, each then waits for the other's lock.
        var first = Task.Factory.StartNew(
            () => database.Write(() =>
            {
                database.Ledger.Upsert(Ledger("a"));
                firstWroteLedger.SetResult();
                // Blocking, because a LiteDB transaction belongs to its thread, and bounded: with one writer at a
                // time the second cannot write until this one commits.
                secondWroteOutbox.Wait(TimeSpan.FromSeconds(2));
                database.Outbox.Insert(new OutboxDocument { Connector = "wiki", IdempotencyKey = "first" });
            }),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        await firstWroteLedger.Task;
        var second = Task.Factory.StartNew(
            () => database.Write(() =>
            {
                database.Outbox.Insert(new OutboxDocument { Connector = "wiki", IdempotencyKey = "second" });
                secondWroteOutbox.Set();
                database.Ledger.Upsert(Ledger("b"));
            }),
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
