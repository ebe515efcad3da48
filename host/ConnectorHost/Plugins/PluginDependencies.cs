using System.Text.Json;

namespace ConnectorHost.Plugins;

/// <summary>
/// Checks a plugin's deps.json against its folder before loading: every path stays inside the folder, and every
/// managed runtime asset is there (or is one the host provides), so a missing file is named with its package instead
/// of surfacing later as "Could not load file or assembly".
/// </summary>
internal static class PluginDependencies
{
    private static readonly JsonDocumentOptions s_jsonOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    private static readonly string[] s_assetSections = ["runtime", "native", "resources", "runtimeTargets"];

    private static readonly Lazy<HashSet<string>> s_hostAssemblies = new(() =>
        ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase));

    /// <summary>The deps.json the runtime reads for an assembly.</summary>
    public static string DepsFilePath(string assemblyPath) => Path.ChangeExtension(assemblyPath, ".deps.json");

    /// <exception cref="PluginRefusedException">
    /// A path leads outside the folder (NotSupported), the file is not valid JSON, or an asset is missing (Malfunctioned).
    /// </exception>
    public static void Ensure(string folder, PluginMetadata metadata)
    {
        var depsFile = DepsFilePath(metadata.AssemblyPath);
        if (!File.Exists(depsFile))
        {
            return;
        }

        var depsName = Path.GetFileName(depsFile);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(depsFile), s_jsonOptions);
        }
        catch (JsonException exception)
        {
            throw PluginRefusedException.Malfunctioned($"{depsName} is not valid JSON: {exception.Message}", exception);
        }

        using (document)
        {
            var realFolder = PluginFolderSafety.RealPath(folder);
            var missing = new List<string>();
            foreach (var (library, type, section, assetPath) in Assets(document.RootElement))
            {
                var localPath = LocalPath(type, assetPath);
                if (Path.IsPathRooted(assetPath)
                    || !PluginFolderSafety.IsInside(realFolder, Path.Combine(folder, assetPath))
                    || !PluginFolderSafety.IsInside(realFolder, Path.Combine(folder, localPath)))
                {
                    throw PluginRefusedException.NotSupported(
                        $"{depsName} lists '{assetPath}' (package {library.Replace('/', ' ')}), a path outside the plugin folder; "
                        + "a plugin may only use files inside its own folder");
                }

                if (section == "runtime" && IsMissing(folder, localPath))
                {
                    missing.Add($"{Path.GetFileName(localPath)} (package {library.Replace('/', ' ')})");
                }
            }

            if (missing.Count > 0)
            {
                throw PluginRefusedException.Malfunctioned(
                    $"missing dependency: {string.Join(", ", missing)} listed in {depsName} but not in the plugin "
                    + "folder; copy the plugin's whole build or publish output into the folder");
            }
        }
    }

    // Where the runtime looks for an asset next to the plugin: package assets from lib/ are copied flat.
    private static string LocalPath(string libraryType, string assetPath) =>
        libraryType == "package" && assetPath.StartsWith("lib/", StringComparison.Ordinal)
            ? Path.GetFileName(assetPath)
            : assetPath;

    private static bool IsMissing(string folder, string localPath)
    {
        if (File.Exists(Path.Combine(folder, localPath)) || File.Exists(Path.Combine(folder, Path.GetFileName(localPath))))
        {
            return false;
        }

        // The loader falls back to the host for assemblies the folder lacks: shared ones and the framework's.
        var name = Path.GetFileNameWithoutExtension(localPath);
        return !SharedAssemblies.IsShared(name) && !s_hostAssemblies.Value.Contains(name);
    }

    private static IEnumerable<(string Library, string Type, string Section, string AssetPath)> Assets(JsonElement root)
    {
        if (!root.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("libraries", out var libraries) && libraries.ValueKind == JsonValueKind.Object)
        {
            foreach (var library in libraries.EnumerateObject())
            {
                if (library.Value.ValueKind == JsonValueKind.Object
                    && library.Value.TryGetProperty("type", out var type)
                    && type.ValueKind == JsonValueKind.String)
                {
                    types[library.Name] = type.GetString()!;
                }
            }
        }

        foreach (var target in targets.EnumerateObject().Where(t => t.Value.ValueKind == JsonValueKind.Object))
        {
            foreach (var library in target.Value.EnumerateObject().Where(l => l.Value.ValueKind == JsonValueKind.Object))
            {
                var type = types.GetValueOrDefault(library.Name, "project");
                foreach (var section in s_assetSections)
                {
                    if (library.Value.TryGetProperty(section, out var assets) && assets.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var asset in assets.EnumerateObject())
                        {
                            yield return (library.Name, type, section, asset.Name);
                        }
                    }
                }
            }
        }
    }
}
