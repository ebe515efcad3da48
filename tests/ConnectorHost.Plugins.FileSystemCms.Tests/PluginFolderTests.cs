using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using System.Text.Json;
using ConnectorHost.Plugins.FileSystemCms.Tests.Support;

namespace ConnectorHost.Plugins.FileSystemCms.Tests;

/// <summary>The plugin folder as the build lays it out for the host: <c>plugins/FileSystemCms/</c>.</summary>
public sealed class PluginFolderTests
{
    private const string AssemblyName = "ConnectorHost.Plugins.FileSystemCms";

    // How plugins.json settings bind: camelCase names, case-insensitive.
    private static readonly JsonSerializerOptions s_settingsJson = new(JsonSerializerDefaults.Web);

    private static string Folder => Path.Combine(TestContext.CurrentContext.TestDirectory, "plugins", "FileSystemCms");

    private static string MainAssembly => Path.Combine(Folder, AssemblyName + ".dll");

    [Test]
    public void PluginFolder_Contents_HoldThePluginItsDepsAndPrivateDependenciesButNotTheSharedContract()
    {
        var files = Directory.GetFiles(Folder).Select(Path.GetFileName).ToList();

        files.Should().Contain(
        [
            AssemblyName + ".dll",
            AssemblyName + ".deps.json",
            "AngleSharp.dll",
            "Markdig.dll",
            "YamlDotNet.dll",
            "Microsoft.Extensions.FileSystemGlobbing.dll",
        ]);
        files.Should().NotContain(
        [
            "ConnectorHost.Abstractions.dll",
            "Microsoft.Extensions.DependencyInjection.Abstractions.dll",
            "Microsoft.Extensions.Logging.Abstractions.dll",
        ]);
    }

    [Test]
    public void PluginFolder_DepsJson_ListsThePrivateDependencies()
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, AssemblyName + ".deps.json")));

        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(library => library.Name.Split('/')[0]);

        libraries.Should().Contain(["AngleSharp", "Markdig", "YamlDotNet", "Microsoft.Extensions.FileSystemGlobbing"]);
    }

    [Test]
    public void PluginAssembly_Metadata_ReferencesContractVersionOneWithoutLoadingIt()
    {
        using var stream = File.OpenRead(MainAssembly);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();

        var contract = metadata.AssemblyReferences
            .Select(metadata.GetAssemblyReference)
            .Single(reference => metadata.GetString(reference.Name) == "ConnectorHost.Abstractions");

        contract.Version.Major.Should().Be(1);
    }

    [Test]
    public async Task PluginFolder_LoadedInItsOwnContext_RegistersAndSyncsAFolder()
    {
        using var content = new TempFolder();
        content.Write("guide/start.md", "---\ntitle: Start here\ntags: [intro]\n---\nRead this page first, then the rest.");
        var context = new PluginLoadContext(MainAssembly);
        try
        {
            var assembly = context.LoadFromAssemblyPath(MainAssembly);
            var attribute = assembly.GetCustomAttribute<ConnectorPluginAttribute>();
            attribute.Should().NotBeNull();
            attribute!.Id.Should().Be("FileSystemCms");
            var plugin = (IConnectorPlugin)Activator.CreateInstance(attribute.Registrar)!;
            var options = JsonSerializer.Deserialize(
                JsonSerializer.Serialize(new { root = content.Path }),
                plugin.OptionsType,
                s_settingsJson)!;

            await using var harness = ConnectorHarness.Create(plugin, options);
            var report = await harness.RunAsync();

            var item = report.Delivered.Should().ContainSingle().Subject;
            item.NativeId.Should().Be("guide/start.md");
            item.Title.Should().Be("Start here");
            item.Text.Should().Be("Read this page first, then the rest.");
            plugin.OptionsType.Assembly.Should().BeSameAs(assembly);
            AssemblyLoadContext.GetLoadContext(attribute.Registrar.Assembly).Should().BeSameAs(context);
            context.Assemblies.Select(loaded => loaded.GetName().Name).Should().Contain("Markdig")
                .And.NotContain("ConnectorHost.Abstractions");
        }
        finally
        {
            context.Unload();
        }
    }
}
