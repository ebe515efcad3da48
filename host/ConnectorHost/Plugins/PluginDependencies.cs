using System.Text.Json;

namespace ConnectorHost.Plugins;

/// <summary>
/// Checks, before loading, where the loader will look for a plugin's assemblies: every path its deps.json lists and
/// every probing path its runtime configuration adds stay inside the folder, and every managed runtime asset of the
/// deps.json is there (or is one the host provides), so a missing file is named with its package instead of surfacing
/// later as "Could not load file or assembly".
/// </summary>
internal static class PluginDependencies
{
    private static readonly JsonDocumentOptions s_jsonOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    private static readonly string[] s_assetSections = ["runtime", "native", "resources", "runtimeTargets"];

    private static readonly string[] s_runtimeConfigExtensions = [".runtimeconfig.json", ".runtimeconfig.dev.json"];

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
        var realFolder = PluginFolderSafety.RealPath(folder);
        EnsureProbingPathsInside(realFolder, metadata.AssemblyPath);
        EnsureDepsFileMatchesFolder(folder, realFolder, metadata.AssemblyPath);
    }

    // McMaster.NETCore.Plugins probes the additionalProbingPaths of the plugin's runtimeconfig.json and
    // runtimeconfig.dev.json (relative ones from the current directory) for assemblies the folder lacks.
    private static void EnsureProbingPathsInside(string realFolder, string assemblyPath)
    {
        foreach (var configFile in s_runtimeConfigExtensions
            .Select(extension => Path.ChangeExtension(assemblyPath, extension))
            .Where(File.Exists))
        {
            using var document = Parse(configFile);
            if (!document.RootElement.TryGetProperty("runtimeOptions", out var options)
                || options.ValueKind != JsonValueKind.Object
                || !options.TryGetProperty("additionalProbingPaths", out var paths)
                || paths.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var path in paths.EnumerateArray().Select(p => p.ToString()))
            {
                if (!PluginFolderSafety.IsInside(realFolder, Path.GetFullPath(path)))
                {
                    throw PluginRefusedException.NotSupported(
                        $"{Path.GetFileName(configFile)} adds the probing path '{path}', outside the plugin folder; "
                        + "a plugin may only use files inside its own folder");
                }
            }
        }
    }

    private static void EnsureDepsFileMatchesFolder(string folder, string realFolder, string assemblyPath)
    {
        var depsFile = DepsFilePath(assemblyPath);
        if (!File.Exists(depsFile))
        {
            return;
        }

        var depsName = Path.GetFileName(depsFile);
        using (var document = Parse(depsFile))
        {
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

    private static JsonDocument Parse(string file)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(file), s_jsonOptions);
        }
        catch (JsonException exception)
        {
            throw PluginRefusedException.Malfunctioned(
                $"{Path.GetFileName(file)} is not valid JSON: {exception.Message}", exception);
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
