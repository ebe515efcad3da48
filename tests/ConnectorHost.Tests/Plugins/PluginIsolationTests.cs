using System.Runtime.Loader;
using ConnectorHost.Abstractions;
using ConnectorHost.Plugins;
using ConnectorHost.Testing;

namespace ConnectorHost.Tests.Plugins;

public sealed class PluginIsolationTests
{
    [Test]
    public async Task Load_TwoPluginsUsingTwoVersionsOfOnePrivateLibrary_EachWorksWithItsOwnVersion()
    {
        using var context = PluginTestContext.Create(FixturePlugins.ConflictA, FixturePlugins.ConflictB);
        context.Load();
        var a = context.InFolder(FixturePlugins.ConflictA);
        var b = context.InFolder(FixturePlugins.ConflictB);
        await using var servicesA = await context.CreateInstanceAsync(a);
        await using var servicesB = await context.CreateInstanceAsync(b);

        var itemA = (await servicesA.ReadAllAsync()).OfType<Upsert>().Single().Item;
        var itemB = (await servicesB.ReadAllAsync()).OfType<Upsert>().Single().Item;

        itemA.Text.Should().Be("ConflictA reads ConflictLib 1.0.0.0 (first edition)");
        itemB.Text.Should().Be("ConflictB reads ConflictLib 2.0.0.0 (second edition)");
        ConflictLibVersionIn(a).Should().Be(new Version(1, 0, 0, 0));
        ConflictLibVersionIn(b).Should().Be(new Version(2, 0, 0, 0));
        AssemblyLoadContext.Default.Assemblies.Select(x => x.GetName().Name).Should().NotContain("ConflictLib");
    }

    [Test]
    public async Task Load_PluginsRunning_ShareTheHostsContractAndExtensionsAssemblies()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good, FixturePlugins.ConflictA);
        context.Load();
        await using var good = await context.CreateInstanceAsync(context.InFolder(FixturePlugins.Good));
        await using var conflict = await context.CreateInstanceAsync(context.InFolder(FixturePlugins.ConflictA));
        await good.ReadAllAsync();
        await conflict.ReadAllAsync();

        foreach (var plugin in context.Catalog.Plugins)
        {
            var loaded = LoadContextOf(plugin).Assemblies.Select(x => x.GetName().Name).ToList();
            loaded.Should().NotContain(name => name!.StartsWith("ConnectorHost.Abstractions", StringComparison.Ordinal)
                || name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal));
        }
    }

    [Test]
    public void Load_EachPlugin_GetsItsOwnLoadContextThatIsNotUnloadable()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good, FixturePlugins.Scripted);

        var contexts = context.Load().Plugins.Select(LoadContextOf).ToList();

        contexts.Should().OnlyHaveUniqueItems().And.NotContain(AssemblyLoadContext.Default);
        contexts.Should().OnlyContain(c => !c.IsCollectible);
    }

    private static AssemblyLoadContext LoadContextOf(LoadedPlugin plugin) =>
        AssemblyLoadContext.GetLoadContext(plugin.Registrar!.GetType().Assembly)!;

    private static Version? ConflictLibVersionIn(LoadedPlugin plugin) =>
        LoadContextOf(plugin).Assemblies.Single(x => x.GetName().Name == "ConflictLib").GetName().Version;
}
