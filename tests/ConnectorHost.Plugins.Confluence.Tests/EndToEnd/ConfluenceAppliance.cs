using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHost.Fakes.Confluence;
using ConnectorHost.Testing;
using MemorySync.Emulator.Admin;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Plugins.Confluence.Tests.EndToEnd;

/// <summary>
/// The real product around the Confluence plugin: an <see cref="ApplianceFixture"/> (the plugin folder loaded by the
/// real loader, a real plugins.json, LiteDB, the MemorySync emulator over HTTP) with one Confluence connector pointed
/// at a fake Confluence whose clock the test moves. The API token reaches the host as a <c>${file:...}</c> secret.
/// </summary>
internal sealed class ConfluenceAppliance : IAsyncDisposable
{
    public const string ConnectorName = "eng-wiki";
    public const string EndUserId = "ops-team";

    public static readonly DateTimeOffset Start = new(2024, 5, 1, 9, 0, 0, TimeSpan.Zero);

    private ConfluenceAppliance(ApplianceFixture appliance, FakeConfluenceServer server, FakeTimeProvider clock)
    {
        Appliance = appliance;
        Server = server;
        Clock = clock;
    }

    public ApplianceFixture Appliance { get; }

    public FakeConfluenceServer Server { get; }

    public FakeConfluenceSite Site => Server.Site;

    /// <summary>The fake site's clock: page times and its <c>Date</c> header (which the connector's cursor follows).</summary>
    public FakeTimeProvider Clock { get; }

    public EmulatorAdminClient Emulator => Appliance.Emulator.Admin;

    /// <summary>The connector's entry in plugins.json, for tests to adjust before <see cref="WriteConfig"/>.</summary>
    public JsonObject Connector { get; private set; } = null!;

    public JsonObject Settings => (JsonObject)Connector["settings"]!;

    public string TokenFile => Path.Combine(Appliance.Root, "secrets", "confluence.token");

    public IEnumerable<FakeRequest> Searches => Server.Requests.Where(r => r.Route == FakeRoute.Search);

    /// <summary>Starts the fake site and the appliance, and configures the connector for <paramref name="spaces"/>.</summary>
    public static async Task<ConfluenceAppliance> StartAsync(
        string[] spaces, TimeZoneInfo? siteTimeZone = null, FakeConfluenceFlavour flavour = FakeConfluenceFlavour.Cloud)
    {
        var clock = new FakeTimeProvider(Start);
        var server = await FakeConfluenceServer.StartAsync(new FakeConfluenceOptions
        {
            Clock = clock,
            SiteTimeZone = siteTimeZone ?? TimeZoneInfo.Utc,
            Flavour = flavour,
        });
        ApplianceFixture? appliance = null;
        try
        {
            appliance = await ApplianceFixture.CreateAsync("Confluence");
            var fixture = new ConfluenceAppliance(appliance, server, clock);
            foreach (var space in spaces)
            {
                server.Site.AddSpace(space);
            }

            fixture.WriteToken(server.Options.ApiToken);
            var settings = new JsonObject
            {
                ["baseUrl"] = server.BaseUrl.AbsoluteUri,
                ["flavour"] = flavour == FakeConfluenceFlavour.Cloud ? "cloud" : "dataCenter",
                ["apiToken"] = "${file:secrets/confluence.token}",
                ["spaces"] = new JsonArray([.. spaces.Select(s => (JsonNode)s)]),
                ["requestsPerSecond"] = 100,
            };
            if (flavour == FakeConfluenceFlavour.Cloud)
            {
                settings["email"] = server.Options.Email;
            }

            fixture.Connector = appliance.AddConnector(ConnectorName, "Confluence", settings, EndUserId);
            return fixture;
        }
        catch
        {
            if (appliance is not null)
            {
                await appliance.DisposeAsync();
            }

            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes the API token file the configuration refers to (read again by every command).</summary>
    public void WriteToken(string token)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(TokenFile)!);
        File.WriteAllText(TokenFile, token + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(TokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public void WriteConfig() => Appliance.WriteConfig();

    /// <summary>Creates pages one after another, <paramref name="spacing"/> apart on the site's clock.</summary>
    public List<string> CreatePages(string spaceKey, int count, TimeSpan spacing, string titlePrefix = "Page")
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(Site.CreatePage(spaceKey, $"{titlePrefix} {i:000}", $"<p>Body of {titlePrefix.ToLowerInvariant()} {i:000} in {spaceKey}, long enough.</p>"));
            Clock.Advance(spacing);
        }

        return ids;
    }

    /// <summary>Runs <c>connector-host sync eng-wiki</c> (and any further arguments) and fails the test unless it succeeded.</summary>
    public async Task<CliResult> SyncAsync(params string[] arguments)
    {
        var result = await Appliance.RunCliAsync(["sync", ConnectorName, .. arguments]);
        result.ExitCode.Should().Be(0, result.ToString());
        return result;
    }

    /// <summary>The committed cursor as <c>cursor show --json</c> prints it: its value and revision.</summary>
    public async Task<(string? Value, long? Revision)> CursorAsync()
    {
        var show = await Appliance.RunCliAsync("cursor", "show", ConnectorName, "--json");
        show.ExitCode.Should().Be(0, show.ToString());
        using var json = JsonDocument.Parse(show.Output);
        if (!json.RootElement.TryGetProperty("current", out var current) || current.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }

        return (
            current.TryGetProperty("value", out var value) ? value.GetString() : null,
            current.TryGetProperty("revision", out var revision) && revision.ValueKind == JsonValueKind.Number ? revision.GetInt64() : null);
    }

    /// <summary>The instant the committed cursor says every change was read up to (Confluence's clock).</summary>
    public async Task<DateTimeOffset> CursorSinceAsync()
    {
        var (value, _) = await CursorAsync();
        value.Should().NotBeNull("a run committed a cursor");
        using var cursor = JsonDocument.Parse(value!);
        return cursor.RootElement.GetProperty("since").GetDateTimeOffset();
    }

    /// <summary>Every memory the emulator holds for the connector, forgotten ones included.</summary>
    public async Task<IReadOnlyList<EmulatorMemory>> AllMemoriesAsync() =>
        await Emulator.GetMemoriesAsync(new MemoryFilter { MetadataKey = "connector", MetadataValue = ConnectorName, IncludeDeleted = true });

    /// <summary>The memories of one page, forgotten ones included.</summary>
    public async Task<IReadOnlyList<EmulatorMemory>> MemoriesOfAsync(string pageId) =>
        await Emulator.GetMemoriesAsync(new MemoryFilter { MetadataKey = "native_id", MetadataValue = pageId, IncludeDeleted = true });

    /// <summary>
    /// The pages the emulator must hold: every current page of the site, at its current version.
    /// </summary>
    public Dictionary<string, string> ExpectedPages() =>
        Site.Contents
            .Where(c => c.Type == "page" && c.Status == FakeContentStatus.Current)
            .ToDictionary(c => c.Id, c => c.Version.ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>
    /// Compares what the emulator holds with the site: prints the figures, and fails unless each current page has
    /// exactly one live memory at its current version, nothing else is live, and no version was delivered twice.
    /// </summary>
    public async Task<MemoryFigures> VerifyAgainstSiteAsync(string scenario)
    {
        var expected = ExpectedPages();
        var all = await AllMemoriesAsync();
        var live = all.Where(m => !m.IsDeleted).ToList();
        var liveById = live.GroupBy(m => m.MetadataValue("native_id") ?? "", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var figures = new MemoryFigures(
            Expected: expected.Count,
            Found: expected.Keys.Count(liveById.ContainsKey),
            Duplicated: liveById.Values.Sum(g => g.Count - 1),
            Missing: expected.Keys.Count(id => !liveById.ContainsKey(id)),
            Stale: expected.Count(e => liveById.TryGetValue(e.Key, out var memories) && memories.Any(m => m.MetadataValue("version") != e.Value)),
            Unexpected: liveById.Keys.Count(id => !expected.ContainsKey(id)),
            DeliveredTwice: all.GroupBy(m => (m.MetadataValue("native_id"), m.MetadataValue("version"))).Count(g => g.Count() > 1),
            Forgotten: all.Count - live.Count);
        TestContext.Out.WriteLine($"[{scenario}] {figures}");

        figures.Found.Should().Be(figures.Expected, "every current page has a live memory");
        figures.Duplicated.Should().Be(0, "each page has exactly one live memory");
        figures.Stale.Should().Be(0, "each live memory is at the page's current version");
        figures.Unexpected.Should().Be(0, "nothing else of the connector is live");
        figures.DeliveredTwice.Should().Be(0, "no page version was delivered more than once");
        live.Should().OnlyContain(
            m => m.Source == "confluence" && m.MetadataValue("source") == "confluence" && m.EndUserId == EndUserId,
            "the memories are labelled as Confluence's and belong to the connector's end user");
        return figures;
    }

    public async ValueTask DisposeAsync()
    {
        await Appliance.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>What the emulator holds for the connector, compared with the site.</summary>
/// <param name="Expected">Current pages of the site.</param>
/// <param name="Found">Current pages with a live memory.</param>
/// <param name="Duplicated">Live memories beyond the first of a page.</param>
/// <param name="Missing">Current pages without a live memory.</param>
/// <param name="Stale">Current pages with a live memory at another version.</param>
/// <param name="Unexpected">Pages with a live memory that are not current pages of the site.</param>
/// <param name="DeliveredTwice">Page versions stored more than once, live or forgotten.</param>
/// <param name="Forgotten">Memories forgotten (old versions, removed pages).</param>
internal sealed record MemoryFigures(int Expected, int Found, int Duplicated, int Missing, int Stale, int Unexpected, int DeliveredTwice, int Forgotten)
{
    public override string ToString() =>
        $"items expected {Expected}, found {Found}, duplicated {Duplicated}, missing {Missing}, stale {Stale}, "
        + $"unexpected {Unexpected}, versions delivered twice {DeliveredTwice}, forgotten {Forgotten}";
}
