using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using RangeAttribute = System.ComponentModel.DataAnnotations.RangeAttribute;
using ConnectorHost.Abstractions;
using ConnectorHost.Configuration;

namespace ConnectorHost.Tests.Configuration;

/// <summary>A temporary folder holding one configuration file (and what it refers to); deleted on dispose.</summary>
internal sealed class ConfigFolder : IDisposable
{
    public const string ApiKeyVariable = "CONNECTORHOST_TEST_API_KEY";
    public const string ApiKeyValue = "ms_test_2b7c9e41d0a8";

    static ConfigFolder()
    {
        // Every corpus file reads the key from this variable; no test changes it, so setting it once is safe in parallel.
        Environment.SetEnvironmentVariable(ApiKeyVariable, ApiKeyValue);
    }

    public ConfigFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "connectorhost-config-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "plugins"));
    }

    public string Root { get; }

    public string ConfigPath => Path.Combine(Root, "plugins.json");

    public static string CorpusPath(string folder, string file) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Configuration", "Corpus", folder, file);

    /// <summary>Copies a corpus file in as plugins.json.</summary>
    public string UseCorpus(string folder, string file)
    {
        File.Copy(CorpusPath(folder, file), ConfigPath);
        return ConfigPath;
    }

    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Writes a file readable by its owner only (on Unix), as secrets should be.</summary>
    public string WritePrivate(string relativePath, string content)
    {
        var path = Write(relativePath, content);
        Chmod(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public static void Chmod(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    /// <summary>Every file and folder under the root, to prove a load created nothing.</summary>
    public IReadOnlyList<string> Snapshot() =>
        Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>The plugin catalog as stage 2 sees it, with the test's options classes as the plugins' settings types.</summary>
internal sealed class FakePluginOptionsSource : IPluginOptionsSource
{
    public const string RefusedReason = "built against ConnectorHost.Abstractions 2.0; this host has 1.0";

    private readonly Dictionary<string, PluginOptionsResolution> _plugins = new(StringComparer.Ordinal)
    {
        ["FakeCms"] = PluginOptionsResolution.Available(typeof(CmsOptions)),
        ["FakeWiki"] = PluginOptionsResolution.Available(typeof(WikiOptions)),
        ["Refused"] = PluginOptionsResolution.Unavailable(RefusedReason),
        ["BrokenOptions"] = PluginOptionsResolution.Available(typeof(AbstractOptions)),
        ["BrokenValidator"] = PluginOptionsResolution.Available(typeof(OptionsWithThrowingValidation)),
    };

    public IReadOnlyCollection<string> PluginIds => _plugins.Keys;

    public PluginOptionsResolution Resolve(string pluginId) =>
        _plugins.TryGetValue(pluginId, out var resolution) ? resolution : PluginOptionsResolution.Unknown;
}

public enum CmsMode
{
    Full,
    Incremental,
}

public sealed class CmsOptions
{
    [Required]
    public string? Root { get; set; }

    [Range(1, 100)]
    public int MaxFileSizeMb { get; set; } = 5;

    [RegularExpression(@"^\.[a-z0-9]+$")]
    public string Extension { get; set; } = ".md";

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(5);

    public CmsMode Mode { get; set; }
}

public sealed partial class WikiOptions : IValidatableObject
{
    [Required]
    [Url]
    public string? BaseUrl { get; set; }

    [Secret]
    public string? ApiToken { get; set; }

    public List<string> Spaces { get; set; } = [];

    public WikiProxy? Proxy { get; set; }

    public List<WikiLabel> Labels { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Spaces.Count == 0)
        {
            yield return new ValidationResult("list at least one space key, e.g. [\"ENG\"]", [nameof(Spaces)]);
        }

        for (var i = 0; i < Spaces.Count; i++)
        {
            if (!SpaceKey().IsMatch(Spaces[i]))
            {
                yield return new ValidationResult($"\"{Spaces[i]}\" is not a space key (upper-case letters and digits)", [$"{nameof(Spaces)}[{i}]"]);
            }
        }
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]*$")]
    private static partial Regex SpaceKey();
}

public sealed class WikiProxy
{
    [Required]
    [Url]
    public string? Address { get; set; }

    [Secret]
    public string? Password { get; set; }
}

public sealed class WikiLabel
{
    [Required]
    public string? Name { get; set; }

    [Range(0.0, 1.0)]
    public double Weight { get; set; } = 1;
}

/// <summary>A settings type the serializer cannot create: a defect of its plugin.</summary>
public abstract class AbstractOptions
{
    public string? Root { get; set; }
}

/// <summary>Settings whose own validation throws: a defect of its plugin.</summary>
public sealed class OptionsWithThrowingValidation : IValidatableObject
{
    public string? Root { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        throw new InvalidOperationException("validator bug");
}
