using System.Reflection;
using System.Reflection.Metadata;
using ConnectorHost.Abstractions;
using McMaster.NETCore.Plugins;

namespace ConnectorHost.Plugins;

/// <summary>
/// Loads a checked plugin into its own load context, proves its types load, and creates its registrar. This is the
/// first time plugin code runs.
/// </summary>
internal static class PluginLoading
{
    /// <summary>A plugin that loaded: its loader (kept alive for the process), registrar and settings type.</summary>
    public sealed record Result(PluginLoader Loader, IConnectorPlugin Registrar, Type OptionsType);

    /// <exception cref="PluginRefusedException">Anything failed (Malfunctioned).</exception>
    public static Result Load(PluginMetadata metadata)
    {
        var assemblyFile = Path.GetFileName(metadata.AssemblyPath);
        PluginLoader loader;
        try
        {
            // Not unloadable and no hot reload: a change to a plugin means a restart.
            loader = PluginLoader.CreateFromAssemblyFile(metadata.AssemblyPath, config =>
            {
                config.IsUnloadable = false;
                config.PreferSharedTypes = false;
                foreach (var shared in SharedAssemblies.All)
                {
                    config.SharedAssemblies.Add(shared.GetName());
                }
            });
        }
#pragma warning disable CA1031 // The boundary where a plugin's files are first used: any failure marks it Malfunctioned.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            throw PluginRefusedException.Malfunctioned(
                PluginFailures.Describe($"creating the load context for {assemblyFile}", exception), exception);
        }

        try
        {
            using var scope = loader.EnterContextualReflection();
            var assembly = LoadTypes(loader, assemblyFile);
            var registrarType = FindRegistrarType(loader, assembly, metadata);
            var registrar = CreateRegistrar(registrarType);
            var optionsType = ReadOptionsType(registrar, registrarType);
            return new Result(loader, registrar, optionsType);
        }
        catch
        {
            loader.Dispose();
            throw;
        }
    }

    private static Assembly LoadTypes(PluginLoader loader, string assemblyFile)
    {
        try
        {
            var assembly = loader.LoadDefaultAssembly();

            // Eagerly, so that a missing or incompatible dependency shows now rather than in the middle of a run.
            _ = assembly.GetTypes();
            return assembly;
        }
        catch (ReflectionTypeLoadException exception)
        {
            throw PluginRefusedException.Malfunctioned(PluginFailures.DescribeTypeLoad(assemblyFile, exception), exception);
        }
#pragma warning disable CA1031 // Loading is plugin code's boundary: any failure marks the plugin Malfunctioned.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            throw PluginRefusedException.Malfunctioned(PluginFailures.Describe($"loading {assemblyFile}", exception), exception);
        }
    }

    private static Type FindRegistrarType(PluginLoader loader, Assembly assembly, PluginMetadata metadata)
    {
        var named = metadata.RegistrarTypeName;
        Type? type;
        try
        {
            var parsed = TypeName.Parse(named);
            var home = parsed.AssemblyName is { } assemblyName && assemblyName.Name != metadata.AssemblyName
                ? loader.LoadAssembly(assemblyName.FullName)
                : assembly;
            type = home.GetType(parsed.FullName, throwOnError: false);
        }
#pragma warning disable CA1031 // Resolving the registrar loads plugin assemblies: any failure marks the plugin Malfunctioned.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            throw PluginRefusedException.Malfunctioned(
                PluginFailures.Describe($"resolving the registrar type {named}", exception), exception);
        }

        if (type is null)
        {
            throw PluginRefusedException.Malfunctioned(
                $"the registrar type {named} named by [assembly: ConnectorPlugin] was not found");
        }

        if (!typeof(IConnectorPlugin).IsAssignableFrom(type))
        {
            var foreign = type.GetInterfaces().FirstOrDefault(i => i.FullName == typeof(IConnectorPlugin).FullName);
            throw PluginRefusedException.Malfunctioned(foreign is null
                ? $"the registrar type {type.FullName} does not implement {typeof(IConnectorPlugin).FullName}"
                : $"the registrar type {type.FullName} implements {typeof(IConnectorPlugin).FullName} from a private copy "
                    + $"of ConnectorHost.Abstractions ({foreign.Assembly.Location}), not the host's; remove "
                    + "ConnectorHost.Abstractions.dll from the plugin folder");
        }

        if (!type.IsClass || type.IsAbstract || type.ContainsGenericParameters)
        {
            throw PluginRefusedException.Malfunctioned(
                $"the registrar type {type.FullName} must be a concrete, non-generic class");
        }

        return type;
    }

    private static IConnectorPlugin CreateRegistrar(Type registrarType)
    {
        var constructor = registrarType.GetConstructor(Type.EmptyTypes) ?? throw PluginRefusedException.Malfunctioned(
            $"the registrar type {registrarType.FullName} has no public parameterless constructor");
        try
        {
            return (IConnectorPlugin)constructor.Invoke(null);
        }
#pragma warning disable CA1031 // The registrar's constructor is plugin code: any failure marks the plugin Malfunctioned.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            throw PluginRefusedException.Malfunctioned(
                PluginFailures.Describe($"the registrar constructor {registrarType.FullName}()", exception), exception);
        }
    }

    private static Type ReadOptionsType(IConnectorPlugin registrar, Type registrarType)
    {
        Type? optionsType;
        try
        {
            optionsType = registrar.OptionsType;
        }
#pragma warning disable CA1031 // OptionsType is plugin code: any failure marks the plugin Malfunctioned.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            throw PluginRefusedException.Malfunctioned(
                PluginFailures.Describe($"reading {registrarType.FullName}.OptionsType", exception), exception);
        }

        if (optionsType is null
            || !optionsType.IsClass
            || optionsType.IsAbstract
            || optionsType.ContainsGenericParameters
            || optionsType.GetConstructor(Type.EmptyTypes) is null)
        {
            throw PluginRefusedException.Malfunctioned(
                $"{registrarType.FullName}.OptionsType ({optionsType?.FullName ?? "null"}) must be a concrete class with "
                + "a public parameterless constructor");
        }

        return optionsType;
    }
}
