using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace ConnectorHost.Plugins;

/// <summary>
/// Finds a plugin folder's main assembly and reads what it declares with System.Reflection.Metadata: nothing is loaded
/// into the process and no plugin code runs.
/// </summary>
internal static partial class PluginMetadataReader
{
    private const string ContractAssemblyName = "ConnectorHost.Abstractions";
    private const string PluginAttributeNamespace = "ConnectorHost.Abstractions";
    private const string PluginAttributeName = "ConnectorPluginAttribute";

    private static readonly EnumerationOptions s_topLevelDlls = new()
    {
        MatchCasing = MatchCasing.CaseInsensitive,
        RecurseSubdirectories = false,
        AttributesToSkip = FileAttributes.Directory,
    };

    /// <summary>Reads the folder's plugin assembly.</summary>
    /// <exception cref="PluginRefusedException">No top-level assembly, or several, carry the plugin attribute.</exception>
    public static PluginMetadata Read(string folder)
    {
        var dlls = Directory.EnumerateFiles(folder, "*.dll", s_topLevelDlls)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (dlls.Count == 0)
        {
            throw PluginRefusedException.NotSupported(
                "the folder holds no .dll files; a plugin folder holds the plugin assembly and its private dependencies");
        }

        var found = new List<PluginMetadata>();
        var notAssemblies = new List<string>();
        foreach (var dll in dlls)
        {
            if (!TryReadAssembly(dll, out var metadata))
            {
                notAssemblies.Add(Path.GetFileName(dll));
            }
            else if (metadata is not null)
            {
                found.Add(metadata);
            }
        }

        return found.Count switch
        {
            1 => found[0],
            0 => throw PluginRefusedException.NotSupported(NoPluginAssemblyReason(dlls, notAssemblies)),
            _ => throw PluginRefusedException.NotSupported(
                "several assemblies carry [assembly: ConnectorPlugin]: "
                + string.Join(", ", found.Select(m => $"{Path.GetFileName(m.AssemblyPath)} (id '{m.Id}')"))
                + "; a plugin folder holds exactly one plugin"),
        };
    }

    private static string NoPluginAssemblyReason(List<string> dlls, List<string> notAssemblies)
    {
        var assemblies = dlls.Select(Path.GetFileName).Except(notAssemblies, StringComparer.Ordinal).ToList();
        var reason = "no assembly in the folder carries [assembly: ConnectorPlugin(...)]";
        if (assemblies.Count > 0)
        {
            reason += "; assemblies checked: " + string.Join(", ", assemblies);
        }

        if (notAssemblies.Count > 0)
        {
            reason += "; not .NET assemblies: " + string.Join(", ", notAssemblies);
        }

        return reason;
    }

    /// <summary>Reads one file; false when it is not a .NET assembly (native code, text, a module).</summary>
    private static bool TryReadAssembly(string path, out PluginMetadata? metadata)
    {
        metadata = null;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var pe = new PEReader(stream);
        MetadataReader reader;
        try
        {
            if (!pe.HasMetadata)
            {
                return false;
            }

            reader = pe.GetMetadataReader();
        }
        catch (BadImageFormatException)
        {
            return false;
        }

        if (!reader.IsAssembly)
        {
            return false;
        }

        metadata = ReadAssembly(path, reader);
        return true;
    }

    private static PluginMetadata? ReadAssembly(string path, MetadataReader reader)
    {
        var definition = reader.GetAssemblyDefinition();
        PluginAttributeValues? plugin = null;
        string? informationalVersion = null;
        foreach (var handle in definition.GetCustomAttributes())
        {
            var attribute = reader.GetCustomAttribute(handle);
            var (ns, name) = AttributeTypeName(reader, attribute);
            if (ns == PluginAttributeNamespace && name == PluginAttributeName)
            {
                plugin = DecodePluginAttribute(path, attribute);
            }
            else if (ns == "System.Reflection" && name == nameof(AssemblyInformationalVersionAttribute))
            {
                var value = attribute.DecodeValue(AttributeTypeProvider.Instance);
                informationalVersion = value.FixedArguments is [{ Value: string text }] ? text : null;
            }
        }

        if (plugin is null)
        {
            return null;
        }

        Version? contractVersion = null;
        var shared = new Dictionary<string, Version>(StringComparer.Ordinal);
        foreach (var referenceHandle in reader.AssemblyReferences)
        {
            var reference = reader.GetAssemblyReference(referenceHandle);
            var referenceName = reader.GetString(reference.Name);
            if (referenceName == ContractAssemblyName)
            {
                contractVersion = reference.Version;
            }
            else if (SharedAssemblies.IsShared(referenceName))
            {
                shared[referenceName] = reference.Version;
            }
        }

        return new PluginMetadata(
            AssemblyPath: path,
            AssemblyName: reader.GetString(definition.Name),
            Id: plugin.Id,
            DisplayName: string.IsNullOrWhiteSpace(plugin.DisplayName) ? plugin.Id : plugin.DisplayName,
            RegistrarTypeName: plugin.RegistrarTypeName,
            Version: string.IsNullOrWhiteSpace(informationalVersion) ? definition.Version.ToString() : informationalVersion,
            ContractVersion: contractVersion,
            SharedReferences: shared);
    }

    private static PluginAttributeValues DecodePluginAttribute(string path, CustomAttribute attribute)
    {
        var value = attribute.DecodeValue(AttributeTypeProvider.Instance);
        if (value.FixedArguments is not [{ Value: string id }, { Value: string registrar }])
        {
            throw PluginRefusedException.NotSupported(
                $"{Path.GetFileName(path)} carries [assembly: ConnectorPlugin] without an id and a registrar type");
        }

        if (!ValidId().IsMatch(id))
        {
            throw PluginRefusedException.NotSupported(
                $"{Path.GetFileName(path)} declares the plugin id '{id}', which is not valid: use letters, digits, '.', '-' and '_'");
        }

        var displayName = value.NamedArguments
            .FirstOrDefault(argument => argument.Name == nameof(Abstractions.ConnectorPluginAttribute.DisplayName))
            .Value as string;
        return new PluginAttributeValues(id, registrar, displayName);
    }

    private static (string? Namespace, string? Name) AttributeTypeName(MetadataReader reader, CustomAttribute attribute)
    {
        // A constructor defined in the assembly itself means the plugin compiled the contract's sources in; it is then
        // refused for referencing no contract.
        EntityHandle type = attribute.Constructor.Kind switch
        {
            HandleKind.MemberReference => reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent,
            HandleKind.MethodDefinition =>
                reader.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType(),
            _ => default,
        };
        if (type.Kind == HandleKind.TypeReference)
        {
            var reference = reader.GetTypeReference((TypeReferenceHandle)type);
            return (reader.GetString(reference.Namespace), reader.GetString(reference.Name));
        }

        if (type.Kind == HandleKind.TypeDefinition)
        {
            var definition = reader.GetTypeDefinition((TypeDefinitionHandle)type);
            return (reader.GetString(definition.Namespace), reader.GetString(definition.Name));
        }

        return default;
    }

    // Letters, digits, '.', '-' and '_', as the contract says.
    [GeneratedRegex(@"^[A-Za-z0-9._-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex ValidId();

    private sealed record PluginAttributeValues(string Id, string RegistrarTypeName, string? DisplayName);

    /// <summary>
    /// Decodes attribute arguments with types as names: enough for the attributes read here, whose arguments are
    /// strings, a System.Type (serialized as its name) and no enums.
    /// </summary>
    private sealed class AttributeTypeProvider : ICustomAttributeTypeProvider<string>
    {
        public static readonly AttributeTypeProvider Instance = new();

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

        public string GetSystemType() => "System.Type";

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var definition = reader.GetTypeDefinition(handle);
            return $"{reader.GetString(definition.Namespace)}.{reader.GetString(definition.Name)}";
        }

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var reference = reader.GetTypeReference(handle);
            return $"{reader.GetString(reference.Namespace)}.{reader.GetString(reference.Name)}";
        }

        public string GetTypeFromSerializedName(string name) => name;

        // The contract's attributes have no enum arguments; every enum of the contract is int-based.
        public PrimitiveTypeCode GetUnderlyingEnumType(string type) => PrimitiveTypeCode.Int32;

        public bool IsSystemType(string type) => type == "System.Type";
    }
}
