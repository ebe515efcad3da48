using System.Text.Json.Nodes;
using ConnectorHost.Fakes.Asana;
using ConnectorHost.Fakes.Confluence;
using ConnectorHost.Reliability.Tests.Support;
using ConnectorHost.Testing;
using MemorySync.Emulator.Admin;

namespace ConnectorHost.Reliability.Tests.Plugins;

/// <summary>
/// Every fixture plugin of tests/TestPlugins in one plugins folder with the three real connectors: the service starts,
/// the real connectors sync, and <c>connector-host plugins</c> names each broken plugin with its status and reason.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class BrokenPluginCorpusTests
{
    /// <summary>Folder → the status <c>plugins</c> reports (tests/TestPlugins/README.md).</summary>
    private static readonly Dictionary<string, string> s_expected = new(StringComparer.Ordinal)
    {
        [FixturePlugins.Good] = "NotSupported", // shares its id with DuplicateId: both refused
        [FixturePlugins.DuplicateId] = "NotSupported",
        [FixturePlugins.IncompatibleMajor] = "NotSupported",
        [FixturePlugins.NewerMinor] = "NotSupported",
        [FixturePlugins.EmbeddedContract] = "NotSupported",
        [FixturePlugins.NotAnAssembly] = "NotSupported",
        [FixturePlugins.ThrowingRegistrarConstructor] = "Malfunctioned",
        [FixturePlugins.ThrowingStaticInit] = "Malfunctioned",
        [FixturePlugins.MissingDependency] = "Malfunctioned",
        [FixturePlugins.MissingBaseType] = "Malfunctioned",
        [FixturePlugins.ThrowingRegistrar] = "Active",
        [FixturePlugins.ThrowingConnector] = "Active",
        [FixturePlugins.NoConnector] = "Active",
        [FixturePlugins.ThrowsMidStream] = "Active",
        [FixturePlugins.IgnoresCancellation] = "Active",
        [FixturePlugins.ConflictA] = "Active",
        [FixturePlugins.ConflictB] = "Active",
        [FixturePlugins.Scripted] = "Active",
        ["FileSystemCms"] = "Active",
        ["Confluence"] = "Active",
        ["Asana"] = "Active",
    };

    [Test]
    public async Task Run_BrokenPluginsBesideTheRealConnectors_RealConnectorsSyncAndPluginsExplainEachBrokenOne()
    {
        var confluenceToken = "conf_canary_" + Guid.NewGuid().ToString("N");
        await using var confluence = await FakeConfluenceServer.StartAsync(new FakeConfluenceOptions { ApiToken = confluenceToken });
        confluence.Site.AddSpace("ENG");
        for (var i = 1; i <= 5; i++)
        {
            confluence.Site.CreatePage("ENG", $"Runbook {i}", $"<p>Step {i} of the runbook: restart the service and check the dashboards.</p>");
        }

        await using var asana = await FakeAsanaServer.StartAsync();
        var project = asana.Workspace.CreateProject("Roadmap");
        for (var i = 1; i <= 4; i++)
        {
            asana.Workspace.CreateTask(project, $"Ship milestone {i} of the roadmap with its documentation");
        }

        await using var appliance = await ProcessAppliance.CreateAsync([.. s_expected.Keys]);
        var cms = Path.Combine(appliance.Root, "cms");
        Directory.CreateDirectory(cms);
        for (var i = 1; i <= 3; i++)
        {
            File.WriteAllText(Path.Combine(cms, $"page-{i}.md"), $"# Handbook page {i}\n\nHow we work, part {i}: write things down.\n");
        }

        var secrets = Path.Combine(appliance.Root, "secrets");
        WriteSecret(Path.Combine(secrets, "confluence.token"), confluenceToken);
        WriteSecret(Path.Combine(secrets, "asana.pat"), asana.Workspace.AccessToken);
        const string everySecond = "* * * * * ?";
        appliance.Fixture.AddConnector("handbook", "FileSystemCms", new JsonObject { ["root"] = cms })["schedule"] = everySecond;
        appliance.Fixture.AddConnector("wiki", "Confluence", new JsonObject
        {
            ["baseUrl"] = confluence.BaseUrl.ToString(),
            ["flavour"] = "cloud",
            ["email"] = confluence.Options.Email,
            ["apiToken"] = "${file:secrets/confluence.token}",
            ["spaces"] = new JsonArray("ENG"),
        })["schedule"] = everySecond;
        appliance.Fixture.AddConnector("roadmap", "Asana", new JsonObject
        {
            ["baseUrl"] = asana.BaseUrl.ToString(),
            ["accessToken"] = "${file:secrets/asana.pat}",
            ["workspace"] = asana.Workspace.Gid,
            ["projects"] = new JsonArray(project),
        })["schedule"] = everySecond;
        appliance.Fixture.AddConnector("throws-mid-stream", "ThrowsMidStream", new JsonObject())["schedule"] = everySecond;
        appliance.Fixture.AddConnector("throwing-connector", "ThrowingConnector", new JsonObject())["schedule"] = everySecond;
        appliance.Fixture.WriteConfig();

        using var service = appliance.Start(["run"]);
        await Eventually.TrueAsync(
            async () => service.HasExited || (await CountAsync(appliance, "handbook") >= 3
                                              && await CountAsync(appliance, "wiki") >= 5
                                              && await CountAsync(appliance, "roadmap") >= 4),
            "the three real connectors have synced", TimeSpan.FromMinutes(3));
        service.HasExited.Should().BeFalse("a broken plugin never stops the host: {0}{1}", service.Output, service.Error);
        TestContext.Out.WriteLine(
            $"synced beside {s_expected.Count - 4} fixture plugins: handbook {await CountAsync(appliance, "handbook")} of 3, " +
            $"wiki {await CountAsync(appliance, "wiki")} of 5, roadmap {await CountAsync(appliance, "roadmap")} of 4");
        var status = await appliance.RunAsync("status", "--json");
        var plugins = await appliance.RunAsync("plugins", "--json");
        var pluginsText = await appliance.RunAsync("plugins");
        await service.TerminateAsync();
        var stopped = await service.WaitAsync();
        appliance.Record(stopped);

        TestContext.Out.WriteLine(pluginsText.Output);
        TestContext.Out.WriteLine(status.Output);
        stopped.ExitCode.Should().Be(0, "{0}", stopped);
        plugins.ExitCode.Should().Be(3, "some plugins are refused or broken");
        var entries = JsonNode.Parse(plugins.Output)!.AsArray().ToDictionary(p => (string)p!["folder"]!, p => p!);
        entries.Keys.Should().BeEquivalentTo(s_expected.Keys);
        foreach (var (folder, expected) in s_expected)
        {
            ((string?)entries[folder]["status"]).Should().Be(expected, "{0}: {1}", folder, entries[folder].ToJsonString());
            if (expected != "Active")
            {
                ((string?)entries[folder]["reason"]).Should().NotBeNullOrWhiteSpace("{0} needs a reason a person can act on", folder);
                pluginsText.Output.Should().Contain(folder).And.Contain((string)entries[folder]["reason"]!);
            }
        }

        status.ExitCode.Should().Be(0, "{0}", status);
        status.Output.Should().Contain("throwing-connector").And.Contain("throws-mid-stream");
        // A plugin that fails only when its connector is first built is known to the running service, which says so.
        var running = JsonNode.Parse(status.Output)!["plugins"]!.AsArray().Single(p => (string?)p!["folder"] == FixturePlugins.ThrowingConnector)!;
        ((string?)running["status"]).Should().Be("Malfunctioned");
        ((string?)running["reason"]).Should().Contain("constructing the IConnector failed");
        appliance.AssertNoSecretLeaked([ProcessAppliance.CanaryApiKey, confluenceToken, asana.Workspace.AccessToken]);
    }

    private static async Task<int> CountAsync(ProcessAppliance appliance, string connector) =>
        (await appliance.Emulator.Admin.GetMemoriesAsync(new MemoryFilter { MetadataKey = "connector", MetadataValue = connector })).Count;

    private static void WriteSecret(string path, string value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, value + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
