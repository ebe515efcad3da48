using ConnectorHost.Abstractions;
using ConnectorHost.Plugins;
using ConnectorHost.Testing;

namespace ConnectorHost.Tests.Plugins;

public sealed class AllFixturesTests
{
    [Test]
    public async Task Load_EveryFixtureInOnePluginsFolder_GetsEachStatusRightWhileTheGoodOnesWork()
    {
        string[] all =
        [
            FixturePlugins.Good, FixturePlugins.Scripted, FixturePlugins.IncompatibleMajor, FixturePlugins.NewerMinor,
            FixturePlugins.EmbeddedContract,
            FixturePlugins.ThrowingRegistrar, FixturePlugins.ThrowingRegistrarConstructor, FixturePlugins.ThrowingStaticInit,
            FixturePlugins.MissingDependency, FixturePlugins.MissingBaseType, FixturePlugins.ThrowsMidStream,
            FixturePlugins.IgnoresCancellation, FixturePlugins.ThrowingConnector, FixturePlugins.NoConnector,
            FixturePlugins.ConflictA, FixturePlugins.ConflictB, FixturePlugins.DuplicateId, FixturePlugins.NotAnAssembly,
        ];
        using var context = PluginTestContext.Create(all);

        var catalog = context.Load(new Dictionary<string, PluginPolicy> { ["ThrowsMidStream"] = new() { Enabled = false } });

        catalog.Plugins.Should().HaveCount(all.Length);
        catalog.Plugins.ToDictionary(p => p.FolderName, p => p.Status).Should().Equal(new Dictionary<string, PluginStatus>
        {
            [FixturePlugins.Good] = PluginStatus.NotSupported,
            [FixturePlugins.DuplicateId] = PluginStatus.NotSupported,
            [FixturePlugins.Scripted] = PluginStatus.Active,
            [FixturePlugins.IncompatibleMajor] = PluginStatus.NotSupported,
            [FixturePlugins.NewerMinor] = PluginStatus.NotSupported,
            [FixturePlugins.EmbeddedContract] = PluginStatus.NotSupported,
            [FixturePlugins.ThrowingRegistrar] = PluginStatus.Active,
            [FixturePlugins.ThrowingRegistrarConstructor] = PluginStatus.Malfunctioned,
            [FixturePlugins.ThrowingStaticInit] = PluginStatus.Malfunctioned,
            [FixturePlugins.MissingDependency] = PluginStatus.Malfunctioned,
            [FixturePlugins.MissingBaseType] = PluginStatus.Malfunctioned,
            [FixturePlugins.ThrowsMidStream] = PluginStatus.Disabled,
            [FixturePlugins.IgnoresCancellation] = PluginStatus.Active,
            [FixturePlugins.ThrowingConnector] = PluginStatus.Active,
            [FixturePlugins.NoConnector] = PluginStatus.Active,
            [FixturePlugins.ConflictA] = PluginStatus.Active,
            [FixturePlugins.ConflictB] = PluginStatus.Active,
            [FixturePlugins.NotAnAssembly] = PluginStatus.NotSupported,
        });
        catalog.Plugins.Where(p => p.Status is PluginStatus.NotSupported or PluginStatus.Malfunctioned)
            .Should().OnlyContain(p => !string.IsNullOrWhiteSpace(p.Reason));
        catalog.FindById("Good")!.Reason.Should().Contain("(DuplicateId, GoodPlugin)");

        // The ones that fail only when an instance is built fail alone; the good ones keep working.
        foreach (var folder in new[] { FixturePlugins.ThrowingRegistrar, FixturePlugins.ThrowingConnector, FixturePlugins.NoConnector })
        {
            await FluentActions.Awaiting(() => context.CreateInstanceAsync(context.InFolder(folder)))
                .Should().ThrowAsync<PluginException>();
            context.InFolder(folder).Status.Should().Be(PluginStatus.Malfunctioned);
        }

        var script = Path.Combine(context.Folders.Directory, "script.json");
        await File.WriteAllTextAsync(script, """{ "items": [ { "id": "a", "version": "1", "text": "The first item." } ] }""");
        await using var scripted = await context.CreateInstanceAsync(
            context.InFolder(FixturePlugins.Scripted), ScriptedSourceTests.SettingsFor(script));
        await using var conflictA = await context.CreateInstanceAsync(context.InFolder(FixturePlugins.ConflictA));
        await using var conflictB = await context.CreateInstanceAsync(context.InFolder(FixturePlugins.ConflictB));

        var changes = await scripted.ReadAllAsync();
        changes.Should().HaveCount(2);
        changes[0].Should().BeOfType<Upsert>().Which.Item.NativeId.Should().Be("a");
        changes[1].Should().Be(new Checkpoint("1"));
        (await conflictA.ReadAllAsync()).OfType<Upsert>().Single().Item.Text.Should().Contain("ConflictLib 1.0.0.0");
        (await conflictB.ReadAllAsync()).OfType<Upsert>().Single().Item.Text.Should().Contain("ConflictLib 2.0.0.0");
        context.InFolder(FixturePlugins.Scripted).Status.Should().Be(PluginStatus.Active);
    }
}
