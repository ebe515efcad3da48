using System.Runtime.Loader;
using System.Security.Cryptography;
using ConnectorHost.Abstractions;
using ConnectorHost.Plugins;
using ConnectorHost.Testing;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Tests.Plugins;

public sealed class PluginCatalogTests
{
    [Test]
    public void Load_GoodPlugin_IsActiveWithWhatItsMetadataDeclares()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);

        var plugin = context.Load().Plugins.Should().ContainSingle().Subject;

        plugin.Status.Should().Be(PluginStatus.Active);
        plugin.Reason.Should().BeNull();
        plugin.FolderName.Should().Be(FixturePlugins.Good);
        plugin.Directory.Should().Be(context.Folders.PathOf(FixturePlugins.Good));
        plugin.Id.Should().Be("Good");
        plugin.DisplayName.Should().Be("Good test plugin");
        plugin.Version.Should().Be("1.2.3");
        plugin.ContractVersion.Should().Be(new Version(1, 2, 0, 0));
        plugin.MainAssemblyPath.Should().Be(
            Path.Combine(context.Folders.PathOf(FixturePlugins.Good), "ConnectorHost.TestPlugins.GoodPlugin.dll"));
        plugin.MainAssemblySha256.Should().Be(
            Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(plugin.MainAssemblyPath!))));
        plugin.Registrar!.GetType().FullName.Should().Be("ConnectorHost.TestPlugins.GoodPlugin.GoodPlugin");
        plugin.OptionsType!.FullName.Should().Be("ConnectorHost.TestPlugins.GoodPlugin.GoodOptions");
    }

    [Test]
    public void Load_GoodPlugin_RegistrarImplementsTheHostsContractInItsOwnLoadContext()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);

        var registrar = context.Load().Plugins.Single().Registrar!;

        registrar.GetType().GetInterfaces().Should().Contain(typeof(IConnectorPlugin));
        var pluginContext = AssemblyLoadContext.GetLoadContext(registrar.GetType().Assembly);
        pluginContext.Should().NotBeSameAs(AssemblyLoadContext.Default);
        pluginContext!.Assemblies.Select(a => a.GetName().Name).Should().NotContain(
            ["ConnectorHost.Abstractions", "Microsoft.Extensions.DependencyInjection.Abstractions"],
            "the contract and what it exposes are the host's");
    }

    [Test]
    public void Load_IncompatibleMajor_IsNotSupportedWithAnActionableReason()
    {
        using var context = PluginTestContext.Create(FixturePlugins.IncompatibleMajor);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Id.Should().Be("IncompatibleMajor");
        plugin.ContractVersion.Should().Be(new Version(2, 0, 0, 0));
        plugin.Reason.Should().Be(
            "built against ConnectorHost.Abstractions 2.0; this host provides 1.2 (major versions differ): "
            + "rebuild the plugin against 1.x");
        plugin.Registrar.Should().BeNull();
    }

    [Test]
    public void Load_NewerMinor_IsNotSupportedWithAnActionableReason()
    {
        using var context = PluginTestContext.Create(FixturePlugins.NewerMinor);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.ContractVersion.Should().Be(new Version(1, 3, 0, 0));
        plugin.Reason.Should().Be(
            "built against ConnectorHost.Abstractions 1.3; this host provides 1.2 (the plugin needs a newer minor "
            + "version): upgrade the host, or rebuild the plugin against 1.2");
    }

    [Test]
    public void Load_PluginWithTheContractCompiledIn_IsNotSupportedForReferencingNoContract()
    {
        using var context = PluginTestContext.Create(FixturePlugins.EmbeddedContract);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Id.Should().Be("EmbeddedContract");
        plugin.ContractVersion.Should().BeNull();
        plugin.Reason.Should().Be(
            "the plugin does not reference ConnectorHost.Abstractions; rebuild it against ConnectorHost.Abstractions 1.x");
    }

    [TestCase(FixturePlugins.IncompatibleMajor)]
    [TestCase(FixturePlugins.NewerMinor)]
    [TestCase(FixturePlugins.EmbeddedContract)]
    public void Load_IncompatiblePlugin_NeverLoadsItsAssembly(string fixture)
    {
        using var context = PluginTestContext.Create(fixture);

        context.Load().Plugins.Single().Status.Should().Be(PluginStatus.NotSupported);

        AssembliesLoadedFrom(context.Folders.Directory).Should().BeEmpty();
    }

    [Test]
    public void Load_OlderMinorThanTheHost_IsActive()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);

        var plugin = context.Load(hostContractVersion: new Version(1, 4, 0, 0)).Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.Active);
    }

    [Test]
    public void Load_HostOfAnotherMajor_RefusesAPluginItWouldOtherwiseLoad()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);

        var plugin = context.Load(hostContractVersion: new Version(2, 0, 0, 0)).Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Reason.Should().Contain("built against ConnectorHost.Abstractions 1.2; this host provides 2.0");
        AssembliesLoadedFrom(context.Folders.Directory).Should().BeEmpty();
    }

    [Test]
    public void Load_RegistrarConstructorThrows_IsMalfunctionedNamingTheConstructor()
    {
        using var context = PluginTestContext.Create(FixturePlugins.ThrowingRegistrarConstructor);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.Malfunctioned);
        plugin.Reason.Should().StartWith(
            "the registrar constructor ConnectorHost.TestPlugins.ThrowingRegistrarConstructor."
            + "ThrowingRegistrarConstructorPlugin() failed: InvalidOperationException: "
            + "ThrowingRegistrarConstructor cannot be created");
        plugin.Registrar.Should().BeNull();
    }

    [Test]
    public void Load_StaticInitializerThrows_IsMalfunctionedNamingTheStaticInitializer()
    {
        using var context = PluginTestContext.Create(FixturePlugins.ThrowingStaticInit);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.Malfunctioned);
        plugin.Reason.Should().StartWith(
            "the static initializer of ConnectorHost.TestPlugins.ThrowingStaticInit.ThrowingStaticInitPlugin threw")
            .And.Contain("InvalidOperationException: ThrowingStaticInit failed in its static initializer");
    }

    [Test]
    public void Load_DependencyListedInDepsJsonButMissing_IsMalfunctionedNamingFileAndPackageBeforeLoading()
    {
        using var context = PluginTestContext.Create(FixturePlugins.MissingDependency);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.Malfunctioned);
        plugin.Reason.Should().Be(
            "missing dependency: AbsentLib.dll (package AbsentLib 1.0.0) listed in "
            + "ConnectorHost.TestPlugins.MissingDependency.deps.json but not in the plugin folder; copy the plugin's "
            + "whole build or publish output into the folder");
        AssembliesLoadedFrom(context.Folders.Directory).Should().BeEmpty();
    }

    [Test]
    public void Load_TypeWhoseBaseClassIsMissing_IsMalfunctionedNamingTheTypeLoad()
    {
        using var context = PluginTestContext.Create(FixturePlugins.MissingBaseType);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.Malfunctioned);
        plugin.Reason.Should().StartWith(
            "type load of ConnectorHost.TestPlugins.MissingBaseType.dll failed: missing dependency: FileNotFoundException: "
            + "Could not load file or assembly 'AbsentLib, Version=1.0.0.0");
    }

    [Test]
    public void Load_FolderWhoseOnlyDllIsNotAnAssembly_IsNotSupportedNamingTheFile()
    {
        using var context = PluginTestContext.Create(FixturePlugins.NotAnAssembly);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Id.Should().BeNull();
        plugin.Reason.Should().Be(
            "no assembly in the folder carries [assembly: ConnectorPlugin(...)]; not .NET assemblies: NotAnAssembly.dll");
    }

    [Test]
    public void Load_FolderWithAssembliesButNoPlugin_IsNotSupportedNamingWhatWasChecked()
    {
        using var context = PluginTestContext.Create();
        var folder = context.Folders.AddEmptyFolder("LibrariesOnly");
        File.Copy(
            Path.Combine(PluginFolders.FixturePath(FixturePlugins.ConflictA), "ConflictLib.dll"),
            Path.Combine(folder, "ConflictLib.dll"));
        File.Copy(
            Path.Combine(PluginFolders.FixturePath(FixturePlugins.NotAnAssembly), "NotAnAssembly.dll"),
            Path.Combine(folder, "Native.dll"));

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Reason.Should().Be(
            "no assembly in the folder carries [assembly: ConnectorPlugin(...)]; assemblies checked: ConflictLib.dll; "
            + "not .NET assemblies: Native.dll");
    }

    [Test]
    public void Load_EmptyFolder_IsNotSupported()
    {
        using var context = PluginTestContext.Create();
        context.Folders.AddEmptyFolder("Empty");

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Reason.Should().StartWith("the folder holds no .dll files");
    }

    [Test]
    public void Load_TwoPluginAssembliesInOneFolder_IsNotSupportedNamingBoth()
    {
        using var context = PluginTestContext.Create(FixturePlugins.ConflictA);
        File.Copy(
            Path.Combine(PluginFolders.FixturePath(FixturePlugins.ConflictB), "ConnectorHost.TestPlugins.ConflictB.dll"),
            Path.Combine(context.Folders.PathOf(FixturePlugins.ConflictA), "ConnectorHost.TestPlugins.ConflictB.dll"));

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Reason.Should().Be(
            "several assemblies carry [assembly: ConnectorPlugin]: ConnectorHost.TestPlugins.ConflictA.dll (id 'ConflictA'), "
            + "ConnectorHost.TestPlugins.ConflictB.dll (id 'ConflictB'); a plugin folder holds exactly one plugin");
        AssembliesLoadedFrom(context.Folders.Directory).Should().BeEmpty();
    }

    [Test]
    public void Load_TwoFoldersDeclaringOneId_RefusesBothNamingBothFolders()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good, FixturePlugins.DuplicateId);

        var plugins = context.Load().Plugins;

        plugins.Should().HaveCount(2).And.OnlyContain(p => p.Status == PluginStatus.NotSupported && p.Id == "Good");
        plugins.Select(p => p.Reason).Should().AllBe(
            "the plugin id 'Good' is declared by several folders (DuplicateId, GoodPlugin); keep one and restart");
        AssembliesLoadedFrom(context.Folders.Directory).Should().BeEmpty();
    }

    [Test]
    public void Load_OneFixtureCopiedUnderTwoFolderNames_RefusesBoth()
    {
        using var context = PluginTestContext.Create();
        context.Folders.Add(FixturePlugins.Good, "Good-1.2");
        context.Folders.Add(FixturePlugins.Good, "Good-1.3");

        var plugins = context.Load().Plugins;

        plugins.Should().OnlyContain(p => p.Status == PluginStatus.NotSupported);
        plugins[0].Reason.Should().Contain("(Good-1.2, Good-1.3)");
    }

    [Test]
    public void Load_PluginDisabledInPolicies_IsDisabledAndNothingIsLoaded()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);

        var plugin = context.Load(new Dictionary<string, PluginPolicy> { ["good"] = new() { Enabled = false } })
            .Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.Disabled);
        plugin.Reason.Should().Be("disabled in plugins.json");
        plugin.Id.Should().Be("Good");
        plugin.Registrar.Should().BeNull();
        AssembliesLoadedFrom(context.Folders.Directory).Should().BeEmpty();
    }

    [Test]
    public void Load_DisabledPlugin_TakesPrecedenceOverIncompatibility()
    {
        using var context = PluginTestContext.Create(FixturePlugins.IncompatibleMajor);

        var plugin = context
            .Load(new Dictionary<string, PluginPolicy> { ["IncompatibleMajor"] = new() { Enabled = false } })
            .Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.Disabled);
    }

    [Test]
    public void Load_Sha256PinMatching_IsActive()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var digest = Sha256OfMainAssembly(context.Folders.PathOf(FixturePlugins.Good), "GoodPlugin");

        var plugin = context.Load(Pin("Good", digest.ToUpperInvariant())).Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.Active);
        plugin.MainAssemblySha256.Should().Be(digest);
    }

    [Test]
    public void Load_Sha256PinNotMatching_IsNotSupportedGivingBothDigests()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var actual = Sha256OfMainAssembly(context.Folders.PathOf(FixturePlugins.Good), "GoodPlugin");
        var pinned = new string('a', 64);

        var plugin = context.Load(Pin("Good", pinned)).Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Reason.Should().Be(
            $"ConnectorHost.TestPlugins.GoodPlugin.dll has SHA-256 {actual}, but plugins.json pins {pinned}: "
            + "install the pinned build, or pin this one");
        AssembliesLoadedFrom(context.Folders.Directory).Should().BeEmpty();
    }

    [TestCase("not-a-digest")]
    [TestCase("0123")]
    public void Load_Sha256PinMalformed_IsNotSupported(string pin)
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);

        var plugin = context.Load(Pin("Good", pin)).Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Reason.Should().Be(
            "the sha256 pin of plugin 'Good' in plugins.json is not a SHA-256 digest (64 hexadecimal digits)");
    }

    [Test]
    public void Load_HiddenFoldersAndLooseFiles_AreIgnored()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        context.Folders.Add(FixturePlugins.Scripted, ".ScriptedSource");
        File.WriteAllText(context.Folders.PathOf("readme.txt"), "not a plugin");
        File.Copy(
            Path.Combine(PluginFolders.FixturePath(FixturePlugins.Good), "ConnectorHost.TestPlugins.GoodPlugin.dll"),
            context.Folders.PathOf("Loose.dll"));

        var plugins = context.Load().Plugins;

        plugins.Select(p => p.FolderName).Should().Equal(FixturePlugins.Good);
        context.Logs.Entries.Where(e => e.Level == LogLevel.Debug).Select(e => e.Message).Should()
            .Contain(m => m.Contains("readme.txt", StringComparison.Ordinal))
            .And.Contain(m => m.Contains("Loose.dll", StringComparison.Ordinal))
            .And.Contain(m => m.Contains(".ScriptedSource", StringComparison.Ordinal));
    }

    [Test]
    public void Load_PluginsDirectoryMissing_IsEmptyWithAWarning()
    {
        using var context = PluginTestContext.Create();
        Directory.Delete(context.Folders.Directory);

        var plugins = context.Load().Plugins;

        plugins.Should().BeEmpty();
        context.Logs.Entries.Should().ContainSingle(e => e.Level == LogLevel.Warning)
            .Which.Properties["PluginsDirectory"].Should().Be(context.Folders.Directory);
    }

    [Test]
    public void Load_RelativePluginsDirectory_IsResolvedToAbsolutePaths()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, context.Folders.Directory);
        using var loggerFactory = LoggerFactory.Create(_ => { });

        using var catalog = PluginCatalog.Load(
            new PluginCatalogOptions { PluginsDirectory = relative }, loggerFactory.CreateLogger("test"));

        catalog.Plugins.Single().Directory.Should().Be(context.Folders.PathOf(FixturePlugins.Good));
        Path.IsPathFullyQualified(catalog.Plugins.Single().MainAssemblyPath!).Should().BeTrue();
    }

    [Test]
    public void Load_PluginsInFolderNameOrder_WhateverTheirStatus()
    {
        using var context = PluginTestContext.Create(
            FixturePlugins.Scripted, FixturePlugins.NotAnAssembly, FixturePlugins.Good);

        context.Load().Plugins.Select(p => p.FolderName).Should().Equal(
            FixturePlugins.Good, FixturePlugins.NotAnAssembly, FixturePlugins.Scripted);
    }

    [Test]
    public void Load_EachPluginNotLoaded_IsLoggedOnceAsAWarningWithFolderAndReason()
    {
        using var context = PluginTestContext.Create(
            FixturePlugins.Good, FixturePlugins.IncompatibleMajor, FixturePlugins.ThrowingStaticInit, FixturePlugins.Scripted);

        var plugins = context.Load(new Dictionary<string, PluginPolicy> { ["Scripted"] = new() { Enabled = false } }).Plugins;

        var warnings = context.Logs.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        warnings.Should().HaveCount(2);
        foreach (var plugin in plugins.Where(p => p.Status is PluginStatus.NotSupported or PluginStatus.Malfunctioned))
        {
            warnings.Should().ContainSingle(w => Equals(w.Properties["PluginFolder"], plugin.Directory))
                .Which.Properties.Should().Contain(
                    new KeyValuePair<string, object?>("Reason", plugin.Reason),
                    new KeyValuePair<string, object?>("PluginStatus", plugin.Status),
                    new KeyValuePair<string, object?>("PluginId", plugin.Id));
        }

        context.Logs.Entries.Where(e => e.Level == LogLevel.Information).Select(e => e.Properties["PluginId"])
            .Should().BeEquivalentTo(["Good", "Scripted"]);
    }

    [Test]
    public void FindById_AnyCase_FindsThePluginWhateverItsStatus()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good, FixturePlugins.IncompatibleMajor);
        var catalog = context.Load();

        catalog.FindById("good")!.FolderName.Should().Be(FixturePlugins.Good);
        catalog.FindById("IncompatibleMajor")!.Status.Should().Be(PluginStatus.NotSupported);
        catalog.FindById("Unknown").Should().BeNull();
    }

    [Test]
    public void Load_PoliciesNamingOneIdTwiceInDifferentCase_IsRejected()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);

        var load = () => context.Load(new Dictionary<string, PluginPolicy> { ["Good"] = new(), ["GOOD"] = new() });

        load.Should().Throw<ArgumentException>().WithMessage("*'GOOD' twice*");
    }

    internal static List<string> AssembliesLoadedFrom(string directory) =>
        AssemblyLoadContext.All
            .SelectMany(c => c.Assemblies)
            .Select(a => a.Location)
            .Where(location => location.StartsWith(directory, StringComparison.Ordinal))
            .ToList();

    private static Dictionary<string, PluginPolicy> Pin(string id, string sha256) =>
        new() { [id] = new PluginPolicy { Sha256 = sha256 } };

    private static string Sha256OfMainAssembly(string folder, string project) =>
        Convert.ToHexStringLower(SHA256.HashData(
            File.ReadAllBytes(Path.Combine(folder, $"ConnectorHost.TestPlugins.{project}.dll"))));
}
