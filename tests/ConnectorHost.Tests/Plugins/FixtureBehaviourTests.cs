using ConnectorHost.Abstractions;
using ConnectorHost.Testing;

namespace ConnectorHost.Tests.Plugins;

/// <summary>What the simpler fixtures do when run through the real loader, as the host's tests expect.</summary>
public sealed class FixtureBehaviourTests
{
    [Test]
    public async Task ThrowsMidStream_Run_YieldsThreeUpsertsAndACheckpointThenThrows()
    {
        using var context = PluginTestContext.Create(FixturePlugins.ThrowsMidStream);
        await using var services = await context.CreateInstanceAsync(context.Load().Plugins.Single());
        var (scope, connector) = services.Resolve<IConnector>();
        await using var _ = scope;
        var changes = new List<SourceChange>();

        var act = async () =>
        {
            await foreach (var change in connector.ReadChangesAsync(ConnectorRuns.Request(), CancellationToken.None))
            {
                changes.Add(change);
            }
        };

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("source failed on item 4");
        changes.OfType<Upsert>().Select(u => u.Item.NativeId).Should().Equal("mid-1", "mid-2", "mid-3");
        changes.Should().HaveCount(4).And.EndWith(new Checkpoint("3"));
    }

    [Test]
    public async Task IgnoresCancellation_Run_YieldsOneUpsertThenNeverCompletesEvenWhenCancelled()
    {
        using var context = PluginTestContext.Create(FixturePlugins.IgnoresCancellation);
        await using var services = await context.CreateInstanceAsync(context.Load().Plugins.Single());
        var (scope, connector) = services.Resolve<IConnector>();
        await using var _ = scope;
        using var cancellation = new CancellationTokenSource();
        var enumerator = connector.ReadChangesAsync(ConnectorRuns.Request(), cancellation.Token)
            .GetAsyncEnumerator(cancellation.Token);

        (await enumerator.MoveNextAsync()).Should().BeTrue();
        var first = enumerator.Current;
        var second = enumerator.MoveNextAsync().AsTask();
        await cancellation.CancelAsync();

        first.Should().BeOfType<Upsert>().Which.Item.NativeId.Should().Be("stuck-1");
        second.IsCompleted.Should().BeFalse("the fixture awaits a task that never completes and ignores its token");
    }

    [TestCase("{}", 0)]
    [TestCase("""{ "itemCount": 1000000, "textPrefix": "x" }""", 0)]
    [TestCase("""{ "itemCount": 0 }""", 1)]
    [TestCase("""{ "itemCount": 1000001 }""", 1)]
    [TestCase("""{ "textPrefix": null }""", 1)]
    public void GoodPlugin_Settings_AreValidatedWithDataAnnotations(string json, int errors)
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var settings = PluginTestContext.Settings(context.Load().Plugins.Single(), json);

        FixtureValidation.Errors(settings).Should().HaveCount(errors);
    }

    [Test]
    public async Task GoodPlugin_FullListing_ListsTheIdsItYields()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        await using var services = await context.CreateInstanceAsync(context.Load().Plugins.Single(), """{ "itemCount": 2 }""");
        var (scope, listing) = services.Resolve<IFullListing>();
        await using var _ = scope;

        var ids = new List<string>();
        await foreach (var id in listing.ListNativeIdsAsync(CancellationToken.None))
        {
            ids.Add(id);
        }

        ids.Should().Equal("good-1", "good-2");
        (await services.ReadAllAsync()).Should().HaveCount(3).And.EndWith(new Checkpoint("2", context.Time.GetUtcNow()));
    }
}
