using System.Reflection;
using System.Reflection.Emit;
using ConnectorHost.Abstractions;
using ConnectorHost.Plugins;
using ConnectorHost.Testing;

namespace ConnectorHost.Tests.Plugins;

/// <summary>
/// Metadata edge cases no fixture project can produce, on assemblies emitted for the test and saved to disk.
/// </summary>
public sealed class PluginMetadataReaderTests
{
    [TestCase("has space")]
    [TestCase("line\nbreak")]
    [TestCase("Good\n")]
    [TestCase("")]
    public void Load_PluginIdNotValid_IsNotSupported(string id)
    {
        using var context = PluginTestContext.Create();
        var folder = context.Folders.AddEmptyFolder("Emitted");
        Emit(Path.Combine(folder, "Emitted.dll"), id);

        var plugin = context.Load().Plugins.Single();

        plugin.Status.Should().Be(PluginStatus.NotSupported);
        plugin.Reason.Should().Be(
            $"Emitted.dll declares the plugin id '{id}', which is not valid: use letters, digits, '.', '-' and '_'");
    }

    [Test]
    public void Read_AttributeWithoutDisplayName_UsesTheIdAndTheAssemblyVersion()
    {
        using var folders = PluginFolders.Create();
        var folder = folders.AddEmptyFolder("Emitted");
        Emit(Path.Combine(folder, "Emitted.dll"), "Emitted");

        var metadata = PluginMetadataReader.Read(folder);

        metadata.Id.Should().Be("Emitted");
        metadata.DisplayName.Should().Be("Emitted");
        metadata.Version.Should().Be("3.4.5.6");
        metadata.RegistrarTypeName.Should().StartWith("Emitted.Registrar, Emitted, Version=3.4.5.6");
        metadata.ContractVersion.Should().Be(typeof(IConnector).Assembly.GetName().Version);
    }

    /// <summary>Saves an assembly carrying [assembly: ConnectorPlugin(id, typeof(Emitted.Registrar))].</summary>
    private static void Emit(string path, string id)
    {
        var assembly = new PersistedAssemblyBuilder(
            new AssemblyName("Emitted") { Version = new Version(3, 4, 5, 6) }, typeof(object).Assembly);
        var module = assembly.DefineDynamicModule("Emitted");
        var registrar = module.DefineType("Emitted.Registrar", TypeAttributes.Public | TypeAttributes.Sealed);
        registrar.DefineDefaultConstructor(MethodAttributes.Public);
        registrar.CreateType();
        assembly.SetCustomAttribute(new CustomAttributeBuilder(
            typeof(ConnectorPluginAttribute).GetConstructor([typeof(string), typeof(Type)])!, [id, registrar]));
        assembly.Save(path);
    }
}
