using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHost.Plugins;
using ConnectorHost.Testing;

namespace ConnectorHost.Tests.Plugins;

public sealed class PluginFolderSafetyTests
{
    private const string GoodAssembly = "ConnectorHost.TestPlugins.GoodPlugin.dll";
    private const string GoodDeps = "ConnectorHost.TestPlugins.GoodPlugin.deps.json";

    private string _outside = null!;

    [SetUp]
    public void CreateOutsideFolder()
    {
        _outside = Directory.CreateDirectory(
            Path.Combine(Path.GetTempPath(), "connectorhost-outside-" + Guid.NewGuid().ToString("N"))).FullName;
    }

    [TearDown]
    public void DeleteOutsideFolder() => Directory.Delete(_outside, recursive: true);

    [Test]
    public void Load_AssemblySymlinkPointingOutsideTheFolder_IsNotSupported()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var target = Path.Combine(_outside, "Evil.dll");
        File.Copy(Path.Combine(PluginFolders.FixturePath(FixturePlugins.ConflictA), "ConflictLib.dll"), target);
        SymbolicLink(Path.Combine(context.Folders.PathOf(FixturePlugins.Good), "ConflictLib.dll"), target);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Reason.Should().Be(
            $"ConflictLib.dll is a symbolic link to {target}, outside the plugin folder; "
            + "a plugin may only use files inside its own folder");
        PluginCatalogTests.AssembliesLoadedFrom(context.Folders.Directory).Should().BeEmpty();
    }

    [Test]
    public void Load_MainAssemblySymlinkedFromOutside_IsNotSupported()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var inside = Path.Combine(context.Folders.PathOf(FixturePlugins.Good), GoodAssembly);
        var target = Path.Combine(_outside, GoodAssembly);
        File.Move(inside, target);
        SymbolicLink(inside, target);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Reason.Should().StartWith($"{GoodAssembly} is a symbolic link to {target}, outside the plugin folder");
        PluginCatalogTests.AssembliesLoadedFrom(_outside).Should().BeEmpty();
    }

    [Test]
    public void Load_DirectorySymlinkPointingOutside_IsNotSupported()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var runtimes = Path.Combine(context.Folders.PathOf(FixturePlugins.Good), "runtimes");
        Directory.CreateDirectory(runtimes);
        var link = Path.Combine(runtimes, "linux-x64");
        SymbolicLink(link, _outside, directory: true);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Reason.Should().StartWith(
            $"{Path.Combine("runtimes", "linux-x64")} is a symbolic link to {_outside}, outside the plugin folder");
    }

    [Test]
    public void Load_SymlinksThatStayInsideTheFolder_AreAllowed()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var folder = context.Folders.PathOf(FixturePlugins.Good);
        Directory.CreateDirectory(Path.Combine(folder, "lib"));
        File.Move(Path.Combine(folder, GoodAssembly), Path.Combine(folder, "lib", GoodAssembly));
        SymbolicLink(Path.Combine(folder, GoodAssembly), Path.Combine("lib", GoodAssembly));
        SymbolicLink(Path.Combine(folder, "alias"), Path.Combine(folder, "lib"), directory: true);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.Active);
    }

    [Test]
    public void Load_PluginFolderThatIsItselfASymlink_IsActive()
    {
        using var context = PluginTestContext.Create();
        var real = Path.Combine(_outside, "Good");
        using (var elsewhere = PluginFolders.Create(FixturePlugins.Good))
        {
            Directory.Move(elsewhere.PathOf(FixturePlugins.Good), real);
        }

        SymbolicLink(context.Folders.PathOf("Good"), real, directory: true);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.Active, "ops may keep a plugin elsewhere and link its whole folder");
        plugin.FolderName.Should().Be("Good");
    }

    [Test]
    public void Load_DepsJsonAssetPathLeavingTheFolder_IsNotSupported()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var depsFile = Path.Combine(context.Folders.PathOf(FixturePlugins.Good), GoodDeps);
        var deps = JsonNode.Parse(File.ReadAllText(depsFile))!;
        deps["targets"]![".NETCoreApp,Version=v10.0"]!["Evil/1.0.0"] =
            JsonNode.Parse("""{ "runtime": { "../../outside/Evil.dll": {} } }""");
        deps["libraries"]!["Evil/1.0.0"] = JsonNode.Parse("""{ "type": "project", "serviceable": false, "sha512": "" }""");
        File.WriteAllText(depsFile, deps.ToJsonString());

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Reason.Should().Be(
            $"{GoodDeps} lists '../../outside/Evil.dll' (package Evil 1.0.0), a path outside the plugin folder; "
            + "a plugin may only use files inside its own folder");
    }

    [Test]
    public void Load_DepsJsonListingAFrameworkAssemblyTheFolderLacks_IsActive()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var depsFile = Path.Combine(context.Folders.PathOf(FixturePlugins.Good), GoodDeps);
        var deps = JsonNode.Parse(File.ReadAllText(depsFile))!;
        deps["targets"]![".NETCoreApp,Version=v10.0"]!["Microsoft.Extensions.Logging/10.0.0"] =
            JsonNode.Parse("""{ "runtime": { "lib/net10.0/Microsoft.Extensions.Logging.dll": {} } }""");
        deps["libraries"]!["Microsoft.Extensions.Logging/10.0.0"] =
            JsonNode.Parse("""{ "type": "package", "serviceable": true, "sha512": "" }""");
        File.WriteAllText(depsFile, deps.ToJsonString());

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.Active, "the loader falls back to the host for what the folder lacks");
    }

    [TestCase(".runtimeconfig.json")]
    [TestCase(".runtimeconfig.dev.json")]
    public void Load_RuntimeConfigProbingPathOutsideTheFolder_IsNotSupported(string extension)
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var configFile = Path.Combine(
            context.Folders.PathOf(FixturePlugins.Good), "ConnectorHost.TestPlugins.GoodPlugin" + extension);
        File.WriteAllText(configFile, ProbingPaths(_outside));

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Reason.Should().Be(
            $"ConnectorHost.TestPlugins.GoodPlugin{extension} adds the probing path '{_outside}', outside the plugin "
            + "folder; a plugin may only use files inside its own folder");
    }

    [Test]
    public void Load_RuntimeConfigProbingPathInsideTheFolder_IsActive()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var folder = context.Folders.PathOf(FixturePlugins.Good);
        File.WriteAllText(
            Path.Combine(folder, "ConnectorHost.TestPlugins.GoodPlugin.runtimeconfig.dev.json"),
            ProbingPaths(Path.Combine(folder, "lib")));

        context.Load().Plugins.Single().Status.Should().Be(PluginStatus.Active);
    }

    [Test]
    public void Load_DepsJsonNotValidJson_IsMalfunctioned()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        File.WriteAllText(Path.Combine(context.Folders.PathOf(FixturePlugins.Good), GoodDeps), "{ not json");

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.Malfunctioned);
        plugin.Reason.Should().StartWith($"{GoodDeps} is not valid JSON: ");
    }

    [Test]
    public void RealPath_ChainOfRelativeAndAbsoluteLinks_ResolvesToTheFinalTarget()
    {
        var real = Directory.CreateDirectory(Path.Combine(_outside, "real", "deep")).FullName;
        File.WriteAllText(Path.Combine(real, "file.dll"), "x");
        SymbolicLink(Path.Combine(_outside, "hop1"), Path.Combine("real", "deep"), directory: true);
        SymbolicLink(Path.Combine(_outside, "hop2"), Path.Combine(_outside, "hop1"), directory: true);
        SymbolicLink(Path.Combine(_outside, "up"), Path.Combine("real", "deep", ".."), directory: true);

        PluginFolderSafety.RealPath(Path.Combine(_outside, "hop2", "file.dll"))
            .Should().Be(Path.Combine(PluginFolderSafety.RealPath(_outside), "real", "deep", "file.dll"));
        PluginFolderSafety.RealPath(Path.Combine(_outside, "up", "deep", "missing.dll"))
            .Should().Be(Path.Combine(PluginFolderSafety.RealPath(_outside), "real", "deep", "missing.dll"));
    }

    [Test]
    public void RealPath_LinkLoop_ThrowsInsteadOfLoopingForever()
    {
        SymbolicLink(Path.Combine(_outside, "a"), Path.Combine(_outside, "b"), directory: true);
        SymbolicLink(Path.Combine(_outside, "b"), Path.Combine(_outside, "a"), directory: true);

        var act = () => PluginFolderSafety.RealPath(Path.Combine(_outside, "a", "x.dll"));

        act.Should().Throw<IOException>().WithMessage("Too many levels of symbolic links*");
    }

    [Test]
    public void Load_FolderWithALinkLoop_IsRefusedAndTheOthersLoad()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good, FixturePlugins.Scripted);
        var folder = context.Folders.PathOf(FixturePlugins.Scripted);
        SymbolicLink(Path.Combine(folder, "a.dll"), Path.Combine(folder, "b.dll"));
        SymbolicLink(Path.Combine(folder, "b.dll"), Path.Combine(folder, "a.dll"));

        var plugins = context.Load().Plugins;

        context.InFolder(FixturePlugins.Good).Status.Should().Be(PluginStatus.Active);
        context.InFolder(FixturePlugins.Scripted).Status.Should().Be(PluginStatus.Malfunctioned);
        context.InFolder(FixturePlugins.Scripted).Reason.Should()
            .StartWith("reading the plugin folder failed: IOException: Too many levels of symbolic links");
        plugins.Should().HaveCount(2);
    }

    private static string ProbingPaths(string path) =>
        $$"""{ "runtimeOptions": { "tfm": "net10.0", "additionalProbingPaths": [ {{JsonSerializer.Serialize(path)}} ] } }""";

    private static void SymbolicLink(string path, string target, bool directory = false)
    {
        try
        {
            if (directory)
            {
                Directory.CreateSymbolicLink(path, target);
            }
            else
            {
                File.CreateSymbolicLink(path, target);
            }
        }
        catch (Exception exception) when (exception is UnauthorizedAccessException or IOException)
        {
            Assert.Ignore($"This system does not let the tests create symbolic links: {exception.Message}");
        }
    }
}
