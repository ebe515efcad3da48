using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHost.Fakes.Asana;
using ConnectorHost.Testing;
using MemorySync.Emulator.Admin;

namespace ConnectorHost.Plugins.Asana.Tests.EndToEnd;

/// <summary>
/// A whole appliance (the Asana plugin folder loaded by the real loader, a real plugins.json whose access token is a
/// <c>${file:}</c> secret, the real delivery pipeline and the emulator over HTTP) in front of a fake Asana on
/// 127.0.0.1, and the checks every end-to-end test makes against what the emulator holds.
/// </summary>
internal sealed class AsanaAppliance : IAsyncDisposable
{
    public const string Plugin = "Asana";
    public const string Connector = "roadmap";
    public const string EndUserId = "ops-team";

    private AsanaAppliance(ApplianceFixture appliance, FakeAsanaServer asana)
    {
        Appliance = appliance;
        Asana = asana;
    }

    public ApplianceFixture Appliance { get; }

    public FakeAsanaServer Asana { get; }

    public FakeAsanaWorkspace Workspace => Asana.Workspace;

    public EmulatorAdminClient Admin => Appliance.Emulator.Admin;

    /// <summary>The connector's entry in plugins.json, for tests to adjust before <see cref="WriteConfig"/>.</summary>
    public JsonObject Entry { get; private set; } = null!;

    /// <summary>The connector's settings (baseUrl, workspace, projects and the token reference are set).</summary>
    public JsonObject Settings { get; private set; } = null!;

    /// <summary>Starts the emulator and a fake Asana on the system clock, and configures one Asana connector.</summary>
    public static async Task<AsanaAppliance> CreateAsync()
    {
        var appliance = await ApplianceFixture.CreateAsync(Plugin);
        var asana = await FakeAsanaServer.StartAsync(new FakeAsanaWorkspace());
        var cms = new AsanaAppliance(appliance, asana);
        cms.WriteToken(asana.Workspace.AccessToken);
        cms.Settings = new JsonObject
        {
            ["baseUrl"] = asana.BaseUrl.ToString(),
            ["accessToken"] = "${file:secrets/asana.token}",
            ["workspace"] = asana.Workspace.Gid,
            ["projects"] = new JsonArray(),
        };
        cms.Entry = appliance.AddConnector(Connector, Plugin, cms.Settings, EndUserId);
        return cms;
    }

    /// <summary>Writes the secret file the connector's <c>accessToken</c> refers to.</summary>
    public void WriteToken(string token)
    {
        var path = Path.Combine(Appliance.Root, "secrets", "asana.token");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, token + "\n");
    }

    /// <summary>Syncs these projects (gids).</summary>
    public void SyncProjects(params string[] projectGids) =>
        Settings["projects"] = new JsonArray([.. projectGids.Select(p => (JsonNode)p)]);

    public void WriteConfig() => Appliance.WriteConfig();

    /// <summary>Runs <c>sync roadmap --json</c>, expects exit code 0 and parses its run report.</summary>
    public async Task<SyncReport> SyncAsync(params string[] options)
    {
        var result = await Appliance.RunCliAsync(["sync", Connector, "--json", .. options]);
        result.ExitCode.Should().Be(0, result.ToString());
        return SyncReport.Parse(result);
    }

    public async Task<IReadOnlyList<EmulatorMemory>> LiveMemoriesAsync() =>
        await Admin.GetMemoriesAsync(new MemoryFilter { MetadataKey = "connector", MetadataValue = Connector });

    public async Task<IReadOnlyList<EmulatorMemory>> AllMemoriesAsync() =>
        await Admin.GetMemoriesAsync(new MemoryFilter { MetadataKey = "connector", MetadataValue = Connector, IncludeDeleted = true });

    /// <summary>The live memory of one task, when there is exactly one.</summary>
    public async Task<EmulatorMemory> SingleLiveAsync(string taskGid)
    {
        var memories = await Admin.GetMemoriesAsync(new MemoryFilter { MetadataKey = "native_id", MetadataValue = taskGid });
        return memories.Should().ContainSingle(m => m.MetadataValue("connector") == Connector, $"task {taskGid} has one live memory").Subject;
    }

    /// <summary>Every memory of one task, forgotten ones included, oldest first.</summary>
    public async Task<IReadOnlyList<EmulatorMemory>> HistoryOfAsync(string taskGid) =>
        await Admin.GetMemoriesAsync(new MemoryFilter { MetadataKey = "native_id", MetadataValue = taskGid, IncludeDeleted = true });

    /// <summary>
    /// Checks the promise against the emulator: exactly one live memory per task of <paramref name="expected"/> (native id
    /// = task gid), labelled as Asana's and the connector's, and nothing else live. Then proves every stored version is
    /// the current one: a full listing and pruning (<c>sync --full</c>) finds nothing to add, replace or forget, and sends
    /// nothing.
    /// </summary>
    public async Task ShouldHoldExactlyAsync(IReadOnlyCollection<string> expected)
    {
        var live = await LiveMemoriesAsync();
        LiveMemoryCensus.ShouldHoldEachOnce(Connector, live, expected, "tasks");
        live.Where(m => m.Source != "asana" || m.MetadataValue("source") != "asana" || m.EndUserId != EndUserId
                        || m.MetadataValue("task_gid") != m.MetadataValue("native_id") || m.EventType != "asana_task")
            .Select(m => m.MetadataValue("native_id")).Should().BeEmpty("every memory carries Asana's labels and belongs to the connector's end user");

        var writes = await WriteRequestsAsync();
        var full = await SyncAsync("--full");
        (full.Added, full.Updated, full.Deleted, full.Pruned).Should().Be(
            (0, 0, 0, 0), "a full listing finds every stored version current and every stored task still there");
        (await WriteRequestsAsync()).Should().Be(writes, "the full re-read sent nothing");
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

    /// <summary>The connector's committed cursor revision (<c>cursor show --json</c>), or null when there is none.</summary>
    public async Task<long?> CursorRevisionAsync()
    {
        var show = await Appliance.RunCliAsync("cursor", "show", Connector, "--json");
        show.ExitCode.Should().Be(0, show.ToString());
        using var json = JsonDocument.Parse(show.Output);
        return json.RootElement.TryGetProperty("current", out var current) && current.ValueKind == JsonValueKind.Object
            ? current.GetProperty("revision").GetInt64()
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        await Asana.DisposeAsync();
        await Appliance.DisposeAsync();
    }
}
