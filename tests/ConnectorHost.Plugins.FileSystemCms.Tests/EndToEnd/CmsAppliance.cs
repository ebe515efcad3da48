using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ConnectorHost.Plugins.FileSystemCms.Tests.Support;
using ConnectorHost.Testing;
using MemorySync.Emulator.Admin;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.EndToEnd;

/// <summary>
/// A whole appliance (the FileSystemCms plugin folder loaded by the real loader, a real plugins.json, the real
/// delivery pipeline and the emulator over HTTP) with one or more content folders to sync, and the checks every
/// end-to-end test makes against what the emulator holds.
/// </summary>
internal sealed class CmsAppliance : IAsyncDisposable
{
    public const string Plugin = "FileSystemCms";

    private readonly Dictionary<string, TempFolder> _contents = [];

    private CmsAppliance(ApplianceFixture appliance)
    {
        Appliance = appliance;
    }

    public ApplianceFixture Appliance { get; }

    public EmulatorAdminClient Admin => Appliance.Emulator.Admin;

    public static async Task<CmsAppliance> CreateAsync() => new(await ApplianceFixture.CreateAsync(Plugin));

    /// <summary>Adds a connector instance over a new, empty content folder (returned, deleted on dispose).</summary>
    public TempFolder AddConnector(string name, string endUserId = "user-1", JsonObject? settings = null, string? schedule = null)
    {
        var content = new TempFolder();
        _contents.Add(name, content);
        AddConnector(name, content.Path, endUserId, settings, schedule);
        return content;
    }

    /// <summary>The content folder created for a connector by <see cref="AddConnector(string, string, JsonObject?, string?)"/>.</summary>
    public TempFolder ContentOf(string connector) => _contents[connector];

    /// <summary>Copies samples/cms into <paramref name="content"/>, so a test may change its copy.</summary>
    public static void CopySamples(TempFolder content)
    {
        var samples = RepositoryPaths.SampleCms;
        foreach (var file in Directory.EnumerateFiles(samples, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(samples, file).Replace(Path.DirectorySeparatorChar, '/');
            content.Write(relative, File.ReadAllBytes(file));
        }
    }

    /// <summary>Adds a connector instance over an existing folder (never written to by the connector).</summary>
    public void AddConnector(string name, string root, string endUserId, JsonObject? settings = null, string? schedule = null)
    {
        settings ??= [];
        settings["root"] = root;
        var connector = Appliance.AddConnector(name, Plugin, settings, endUserId);
        if (schedule is not null)
        {
            connector["schedule"] = schedule;
            connector["timeZone"] = "UTC";
        }
    }

    /// <summary>Runs <c>sync &lt;name&gt; --json</c> and parses its run report.</summary>
    public async Task<SyncReport> SyncAsync(string name, params string[] options)
    {
        var result = await Appliance.RunCliAsync(["sync", name, "--json", .. options]);
        result.ExitCode.Should().Be(0, result.ToString());
        return SyncReport.Parse(result);
    }

    /// <summary>The live memories of one connector instance, from the emulator's metadata filter.</summary>
    public async Task<IReadOnlyList<EmulatorMemory>> LiveMemoriesAsync(string connector) =>
        await Admin.GetMemoriesAsync(new MemoryFilter { MetadataKey = "connector", MetadataValue = connector });

    /// <summary>Every memory of one connector instance, forgotten ones included.</summary>
    public async Task<IReadOnlyList<EmulatorMemory>> AllMemoriesAsync(string connector) =>
        await Admin.GetMemoriesAsync(new MemoryFilter { MetadataKey = "connector", MetadataValue = connector, IncludeDeleted = true });

    /// <summary>
    /// Checks the promise against the emulator: exactly one live memory per file of <paramref name="expected"/> (native
    /// id = relative path), at the file's current version (SHA-256 of its bytes), with the connector's labels, and
    /// nothing else live for the connector. Prints the figures for the CI log.
    /// </summary>
    public async Task<IReadOnlyList<EmulatorMemory>> ShouldHoldExactlyAsync(
        string connector, string root, IReadOnlyCollection<string> expected, string endUserId = "user-1")
    {
        var live = await LiveMemoriesAsync(connector);
        LiveMemoryCensus.ShouldHoldEachOnce(connector, live, expected, "files");
        live.Where(m => m.MetadataValue("version") != VersionOf(root, m.MetadataValue("native_id")!))
            .Select(m => m.MetadataValue("native_id")).Should().BeEmpty("every file is stored at its current version (SHA-256 of its bytes)");
        live.Where(m => m.Source != "filesystem-cms" || m.MetadataValue("source") != "filesystem-cms"
                        || m.MetadataValue("path") != m.MetadataValue("native_id") || m.EndUserId != endUserId)
            .Select(m => m.MetadataValue("native_id")).Should().BeEmpty($"every memory carries the connector's labels and belongs to {endUserId}");

        return live;
    }

    /// <summary>The live memory of one file, when there is exactly one.</summary>
    public async Task<EmulatorMemory> SingleLiveAsync(string connector, string nativeId)
    {
        var memories = await Admin.GetMemoriesAsync(new MemoryFilter { MetadataKey = "native_id", MetadataValue = nativeId });
        return memories.Should().ContainSingle(m => m.MetadataValue("connector") == connector, $"{nativeId} has one live memory").Subject;
    }

    /// <summary>Requests that wrote or forgot anything (add, bulk-add, PATCH, forget), from the emulator's counters.</summary>
    public async Task<long> WriteRequestsAsync()
    {
        var counters = await Admin.GetCountersAsync();
        return counters.Requests
            .Where(r => !r.Key.StartsWith("GET ", StringComparison.Ordinal) && !r.Key.Contains("/query", StringComparison.Ordinal)
                && !r.Key.Contains("/retrieve", StringComparison.Ordinal))
            .Sum(r => r.Value.Values.Sum());
    }

    /// <summary>The version the connector gives a file: SHA-256 of its bytes, lower-case hex.</summary>
    public static string VersionOf(string root, string nativeId) =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(root, nativeId.Replace('/', Path.DirectorySeparatorChar)))));

    public async ValueTask DisposeAsync()
    {
        await Appliance.DisposeAsync();
        foreach (var content in _contents.Values)
        {
            content.Dispose();
        }
    }
}
