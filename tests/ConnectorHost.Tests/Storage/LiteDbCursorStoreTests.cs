using ConnectorHost.Storage;
using ConnectorHost.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Tests.Storage;

[Parallelizable(ParallelScope.All)]
public sealed class LiteDbCursorStoreTests
{
    [Test]
    public async Task LoadAsync_NeverCommitted_ReturnsNull()
    {
        using var store = new Store();

        (await store.Cursors.LoadAsync("wiki", CancellationToken.None)).Should().BeNull();
        (await store.Cursors.GetHistoryAsync("wiki", CancellationToken.None)).Should().BeEmpty();
    }

    [Test]
    public async Task CommitAsync_ThenReopen_LoadsTheSameCursorRevisionTimeAndPosition()
    {
        using var store = new Store();
        var position = new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.Zero);

        var committed = await store.Cursors.CommitAsync("wiki", "cursor-1", position, CancellationToken.None);
        store.Reopen();
        var loaded = await store.Cursors.LoadAsync("wiki", CancellationToken.None);

        loaded.Should().Be(committed);
        loaded!.Value.Should().Be("cursor-1");
        loaded.Revision.Should().Be(1);
        loaded.CommittedAt.Should().Be(store.Time.GetUtcNow());
        loaded.Position.Should().Be(position);
    }

    [Test]
    public async Task CommitAsync_Repeatedly_RaisesTheRevisionAndKeepsTheNewestHistoryWithinTheLimit()
    {
        using var store = new Store(historyLimit: 3);

        for (var i = 1; i <= 6; i++)
        {
            store.Time.Advance(TimeSpan.FromMinutes(1));
            await store.Cursors.CommitAsync("wiki", $"c{i}", null, CancellationToken.None);
        }

        var history = await store.Cursors.GetHistoryAsync("wiki", CancellationToken.None);
        history.Select(h => h.Value).Should().Equal("c6", "c5", "c4", "c3");
        history.Select(h => h.Revision).Should().Equal(6, 5, 4, 3);
    }

    [Test]
    public async Task ResetAsync_ClearsTheCursorButKeepsItInHistoryForRewinding()
    {
        using var store = new Store();
        await store.Cursors.CommitAsync("wiki", "c1", null, CancellationToken.None);

        await store.Cursors.ResetAsync("wiki", CancellationToken.None);

        (await store.Cursors.LoadAsync("wiki", CancellationToken.None)).Should().BeNull();
        (await store.Cursors.GetHistoryAsync("wiki", CancellationToken.None)).Select(h => h.Value).Should().Equal("c1");
        var next = await store.Cursors.CommitAsync("wiki", "c2", null, CancellationToken.None);
        next.Revision.Should().Be(3, "a reset is a revision of its own, so nothing can mistake c2 for the cursor before it");
    }

    [Test]
    public async Task CommitAsync_TwoConnectors_AreIndependent()
    {
        using var store = new Store();

        await store.Cursors.CommitAsync("wiki", "w1", null, CancellationToken.None);
        await store.Cursors.CommitAsync("tasks", "t1", null, CancellationToken.None);
        await store.Cursors.ResetAsync("tasks", CancellationToken.None);

        (await store.Cursors.LoadAsync("wiki", CancellationToken.None))!.Value.Should().Be("w1");
        (await store.Cursors.LoadAsync("tasks", CancellationToken.None)).Should().BeNull();
    }

    [Test]
    public async Task CommitAsync_Cancelled_CommitsNothing()
    {
        using var store = new Store();

        var commit = async () => await store.Cursors.CommitAsync("wiki", "c1", null, new CancellationToken(canceled: true));

        await commit.Should().ThrowAsync<OperationCanceledException>();
        (await store.Cursors.LoadAsync("wiki", CancellationToken.None)).Should().BeNull();
    }

    private sealed class Store : IDisposable
    {
        private readonly TempDirectory _directory = new("cursors");
        private readonly StorageOptions _options;
        private StateDatabase _database;

        public Store(int historyLimit = 20)
        {
            _options = new StorageOptions { DataDirectory = _directory.Combine("data"), CursorHistoryLimit = historyLimit };
            _database = StateDatabase.Open(_options, Time);
            Cursors = new LiteDbCursorStore(_database, _options, Time);
        }

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));

        public LiteDbCursorStore Cursors { get; private set; }

        public void Reopen()
        {
            _database.Dispose();
            _database = StateDatabase.Open(_options, Time);
            Cursors = new LiteDbCursorStore(_database, _options, Time);
        }

        public void Dispose()
        {
            _database.Dispose();
            _directory.Dispose();
        }
    }
}
