using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHost.Cli;
using ConnectorHost.Testing;
using LiteDB;
using MemorySync.Emulator.Admin;

namespace ConnectorHost.Tests.Cli;

/// <summary>
/// The real command line against a real appliance folder (fixture plugins, plugins.json, LiteDB) and the MemorySync
/// emulator over HTTP.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class CommandLineTests
{
    [Test]
    public async Task Sync_ScriptedSource_DeliversEveryItemWithItsMetadataAndPrintsTheReport()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        var script = appliance.AddScriptedConnector("docs");
        foreach (var i in Enumerable.Range(1, 12))
        {
            script.Item($"d{i}");
        }

        script.Save();
        appliance.WriteConfig();

        var result = await appliance.RunCliAsync("sync", "docs");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Output.Should().Contain("Succeeded").And.Contain("added 12");
        var memories = await appliance.Emulator.Admin.GetMemoriesAsync(new MemoryFilter { EndUserId = "user-1" });
        memories.Should().HaveCount(12);
        var d3 = memories.Single(m => m.MetadataValue("native_id") == "d3");
        d3.MetadataValue("connector").Should().Be("docs");
        d3.MetadataValue("version").Should().Be("1");
        d3.MetadataValue("source").Should().Be("scripted");
        d3.Source.Should().Be("scripted");
        d3.Text.Should().StartWith("Document d3\n\nThe body of document d3");
    }

    [Test]
    public async Task Sync_SecondRunAfterAnEditAndADelete_ReplacesAndForgets()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        var script = appliance.AddScriptedConnector("docs");
        script.Item("a").Item("b").Item("c").Save();
        appliance.WriteConfig();
        (await appliance.RunCliAsync("sync", "docs")).ExitCode.Should().Be(0);

        script.Item("a", "2", text: "The rewritten body of document a.").Remove("b");
        script.Deletes.Add("b");
        script.Save();
        var result = await appliance.RunCliAsync("sync", "docs", "--full", "--json");

        result.ExitCode.Should().Be(0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        json.RootElement.GetProperty("updated").GetInt32().Should().Be(1);
        json.RootElement.GetProperty("deleted").GetInt32().Should().Be(1);
        json.RootElement.GetProperty("unchanged").GetInt32().Should().Be(1);
        var live = (await appliance.Emulator.Admin.GetMemoriesAsync()).Where(m => !m.IsDeleted).ToList();
        live.Select(m => m.MetadataValue("native_id")).Should().BeEquivalentTo(["a", "c"]);
        live.Single(m => m.MetadataValue("native_id") == "a").Text.Should().Contain("rewritten");
    }

    [Test]
    public async Task Sync_UnknownConnector_ExitsTwoNamingTheConfiguredOnes()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        appliance.AddScriptedConnector("docs");
        appliance.WriteConfig();

        var result = await appliance.RunCliAsync("sync", "nope");

        result.ExitCode.Should().Be(ExitCodes.BadConfig);
        result.Error.Should().Contain("no connector named 'nope'").And.Contain("docs");
    }

    [Test]
    public async Task Sync_ConnectorWhosePluginIsBroken_ExitsThreeWithTheReason()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted, FixturePlugins.ThrowingRegistrar);
        appliance.AddScriptedConnector("docs");
        appliance.AddConnector("broken", "ThrowingRegistrar", []);
        appliance.WriteConfig();

        var result = await appliance.RunCliAsync("sync", "broken");

        result.ExitCode.Should().Be(ExitCodes.PluginProblem, result.ToString());
        result.Error.Should().Contain("ThrowingRegistrar");
        (await appliance.RunCliAsync("sync", "docs")).ExitCode.Should().Be(ExitCodes.Ok, "a broken plugin never stops another connector");
    }

    [Test]
    public async Task Sync_MemorySyncDown_FailsFastWithoutRunning()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        appliance.AddScriptedConnector("docs").Item("a").Save();
        appliance.WriteConfig();
        await appliance.Emulator.Admin.SetServiceDownAsync(true);

        var result = await appliance.RunCliAsync("sync", "docs");

        result.ExitCode.Should().Be(ExitCodes.Failed);
        result.Error.Should().Contain("MemorySync at").And.Contain("nothing was run");
        File.Exists(Path.Combine(appliance.Root, "docs.script.json.runs")).Should().BeFalse("the connector never ran");
    }

    [Test]
    public async Task Validate_BadConfiguration_ExitsTwoAndCreatesNothing()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        appliance.AddScriptedConnector("docs");
        appliance.WriteConfig();
        var config = JsonNode.Parse(File.ReadAllText(appliance.ConfigPath))!;
        config["connectors"]![0]!["schedule"] = "every five minutes";
        File.WriteAllText(appliance.ConfigPath, config.ToJsonString());

        var result = await appliance.RunCliAsync("validate");

        result.ExitCode.Should().Be(ExitCodes.BadConfig);
        result.Error.Should().Contain("plugins.json").And.Contain("$.connectors[0].schedule");
        Directory.Exists(appliance.DataDirectory).Should().BeFalse();
        Directory.Exists(appliance.LogDirectory).Should().BeFalse();
    }

    [Test]
    public async Task Validate_GoodConfiguration_ListsConnectorsAndNeverPrintsTheKey()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        appliance.AddScriptedConnector("docs");
        appliance.WriteConfig();

        var result = await appliance.RunCliAsync("validate");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Output.Should().Contain("docs -> Scripted: ready");
        (result.Output + result.Error).Should().NotContain(appliance.Emulator.ApiKey);
    }

    [Test]
    public async Task Plugins_WithBrokenPlugins_ListsEachStatusWithAReasonAndExitsThree()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(
            FixturePlugins.Scripted, FixturePlugins.IncompatibleMajor, FixturePlugins.ThrowingRegistrarConstructor);
        appliance.WriteConfig();

        var result = await appliance.RunCliAsync("plugins", "--json");

        result.ExitCode.Should().Be(ExitCodes.PluginProblem);
        using var json = JsonDocument.Parse(result.Output);
        var statuses = json.RootElement.EnumerateArray().ToDictionary(p => p.GetProperty("folder").GetString()!, p => p);
        statuses[FixturePlugins.Scripted].GetProperty("status").GetString().Should().Be("Active");
        statuses[FixturePlugins.IncompatibleMajor].GetProperty("status").GetString().Should().Be("NotSupported");
        statuses[FixturePlugins.IncompatibleMajor].GetProperty("reason").GetString().Should().Contain("2.0");
        statuses[FixturePlugins.ThrowingRegistrarConstructor].GetProperty("status").GetString().Should().Be("Malfunctioned");
    }

    [Test]
    public async Task StatusAndCursor_WithoutAService_ReadTheDataFolder()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        var script = appliance.AddScriptedConnector("docs");
        script.CheckpointEvery = 2;
        script.Item("a").Item("b").Item("c").Save();
        appliance.WriteConfig();
        (await appliance.RunCliAsync("sync", "docs")).ExitCode.Should().Be(0);

        var status = await appliance.RunCliAsync("status", "--json");
        status.ExitCode.Should().Be(0, status.ToString());
        using (var json = JsonDocument.Parse(status.Output))
        {
            json.RootElement.GetProperty("source").GetString().Should().Be("offline");
            var docs = json.RootElement.GetProperty("connectors")[0];
            docs.GetProperty("state").GetString().Should().Be("Active");
            docs.GetProperty("lastRun").GetProperty("added").GetInt32().Should().Be(3);
            docs.GetProperty("deliveredItems").GetInt32().Should().Be(3);
        }

        var show = await appliance.RunCliAsync("cursor", "show", "docs", "--json");
        using (var json = JsonDocument.Parse(show.Output))
        {
            json.RootElement.GetProperty("current").GetProperty("value").GetString().Should().Be("3");
            json.RootElement.GetProperty("history").GetArrayLength().Should().Be(1, "the checkpoint after two items came first");
        }

        var back = await appliance.RunCliAsync("cursor", "set", "docs", "--revision", "1");
        back.ExitCode.Should().Be(0, back.ToString());
        back.Output.Should().Contain("revision 3").And.Contain("  2");

        var reset = await appliance.RunCliAsync("cursor", "reset", "docs");
        reset.ExitCode.Should().Be(0);
        reset.Output.Should().Contain("no cursor");
        var again = await appliance.RunCliAsync("sync", "docs", "--json");
        using (var json = JsonDocument.Parse(again.Output))
        {
            json.RootElement.GetProperty("unchanged").GetInt32().Should().Be(3, "a reset re-reads the source but sends nothing already delivered");
        }
    }

    [Test]
    public async Task Service_WhileRunning_AnswersStatusAndSyncsThroughItsControlEndpoint()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        appliance.AddScriptedConnector("docs").Item("a").Item("b").Save();
        appliance.WriteConfig();
        await using var service = await appliance.StartServiceAsync();

        var status = await appliance.RunCliAsync("status", "--json");
        status.ExitCode.Should().Be(0, status.ToString());
        JsonDocument.Parse(status.Output).RootElement.GetProperty("source").GetString().Should().Be("service");

        var sync = await appliance.RunCliAsync("sync", "docs");
        sync.ExitCode.Should().Be(0, sync.ToString());
        sync.Output.Should().Contain("added 2");

        var stopped = await service.StopAsync();
        stopped.ExitCode.Should().Be(0, stopped.ToString());
        File.Exists(Path.Combine(appliance.DataDirectory, "control.token")).Should().BeFalse();
    }

    [Test]
    public async Task Service_WhileAConnectorRuns_RefusesToChangeItsCursor()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        var script = appliance.AddScriptedConnector("slow");
        script.DelayMs = 200;
        foreach (var i in Enumerable.Range(1, 100))
        {
            script.Item($"s{i}");
        }

        script.Save();
        appliance.WriteConfig();
        await using var service = await appliance.StartServiceAsync();
        var sync = appliance.RunCliAsync("sync", "slow");
        await Eventually.TrueAsync(async () => (await appliance.Emulator.Admin.GetMemoriesAsync()).Count > 0 || sync.IsCompleted, "the slow run is under way");

        var reset = await appliance.RunCliAsync("cursor", "reset", "slow");

        reset.ExitCode.Should().Be(ExitCodes.Failed);
        reset.Error.Should().Contain("connector slow is running; try again or stop the service");
        await service.StopAsync();
        var run = await sync;
        run.Output.Should().Contain("Cancelled", "the shutdown stopped the run gracefully");
    }

    [Test]
    public async Task Service_ScheduledConnector_RunsOnItsOwn()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        appliance.AddScriptedConnector("docs").Item("a").Save();
        appliance.WriteConfig();
        var config = JsonNode.Parse(File.ReadAllText(appliance.ConfigPath))!;
        config["connectors"]![0]!["schedule"] = "* * * * * ?";
        config["connectors"]![0]!["runOnStartup"] = true;
        File.WriteAllText(appliance.ConfigPath, config.ToJsonString());

        await using var service = await appliance.StartServiceAsync();

        await Eventually.TrueAsync(
            async () => (await appliance.Emulator.Admin.GetMemoriesAsync()).Count == 1,
            "the scheduled run delivered the item");
        var stopped = await service.StopAsync();
        stopped.ExitCode.Should().Be(0, stopped.ToString());
        (await appliance.Emulator.Admin.GetMemoriesAsync()).Should().ContainSingle("later runs found nothing new");
    }

    [Test]
    public async Task Service_FireNowConnectorThatMissedARunWhileDown_RunsAtStart()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        var script = appliance.AddScriptedConnector("docs").Item("a");
        script.Save();
        appliance.WriteConfig();
        (await appliance.RunCliAsync("sync", "docs")).ExitCode.Should().Be(0);
        PretendTheLastRunStartedAgo(appliance, TimeSpan.FromDays(2));
        script.Item("b").Save();
        var config = JsonNode.Parse(File.ReadAllText(appliance.ConfigPath))!;
        config["connectors"]![0]!["schedule"] = "0 0 3 * * ?";
        config["connectors"]![0]!["misfirePolicy"] = "fireNow";
        File.WriteAllText(appliance.ConfigPath, config.ToJsonString());

        await using var service = await appliance.StartServiceAsync();

        await Eventually.TrueAsync(
            async () => (await appliance.Emulator.Admin.GetMemoriesAsync()).Count == 2,
            "the 03:00 run missed during the downtime ran at start and delivered the new item");
        var stopped = await service.StopAsync();
        stopped.ExitCode.Should().Be(0, stopped.ToString());
        var status = await appliance.RunCliAsync("status", "--json");
        JsonNode.Parse(status.Output)!["connectors"]![0]!["lastRun"]!["trigger"]!.GetValue<string>().Should().Be("startup");
    }

    [Test]
    public async Task Service_ControlRequestsWithoutTheToken_AreRefusedAndChangeNothing()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        appliance.AddScriptedConnector("docs").Item("a").Save();
        appliance.WriteConfig();
        await using var service = await appliance.StartServiceAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{appliance.ControlPort}/") };

        using var noToken = await http.PostAsync(new Uri("v1/connectors/docs/sync", UriKind.Relative), null);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri("v1/status", UriKind.Relative));
        wrong.Headers.Add("X-Control-Token", "not-the-token");
        using var wrongToken = await http.SendAsync(wrong);

        noToken.StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
        wrongToken.StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
        (await wrongToken.Content.ReadAsStringAsync()).Should().NotContain(
            await File.ReadAllTextAsync(Path.Combine(appliance.DataDirectory, "control.token")));
        (await appliance.Emulator.Admin.GetMemoriesAsync()).Should().BeEmpty("the refused sync never ran");
        (await service.StopAsync()).ExitCode.Should().Be(0);
    }

    [Test]
    public async Task Run_WhileAnotherServiceHoldsTheDataFolder_ExitsOneSayingItIsInUse()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        appliance.AddScriptedConnector("docs").Item("a").Save();
        appliance.WriteConfig();
        await using var service = await appliance.StartServiceAsync();

        var second = await appliance.RunCliAsync("run");

        second.ExitCode.Should().Be(1, second.ToString());
        second.Error.Should().Contain("state database").And.Contain("in use by another process");
        (await service.StopAsync()).ExitCode.Should().Be(0);
    }

    [Test]
    public async Task Status_AfterTwoFailedRuns_ShowsDegradedWithTheErrorRateAndBackOff()
    {
        await using var appliance = await ApplianceFixture.CreateAsync(FixturePlugins.Scripted);
        var script = appliance.AddScriptedConnector("docs").Item("a").Item("b").Item("c");
        script.CheckpointEvery = 1;
        script.Save();
        appliance.WriteConfig();
        (await appliance.RunCliAsync("sync", "docs")).ExitCode.Should().Be(0);
        script.Item("d").FailAfter = 1;
        script.Save();

        (await appliance.RunCliAsync("sync", "docs", "--full")).ExitCode.Should().Be(1);
        (await appliance.RunCliAsync("sync", "docs", "--full")).ExitCode.Should().Be(1);
        var status = await appliance.RunCliAsync("status", "--json");

        status.ExitCode.Should().Be(0, status.ToString());
        var docs = JsonNode.Parse(status.Output)!["connectors"]![0]!;
        docs["state"]!.GetValue<string>().Should().Be("Degraded");
        docs["consecutiveFailures"]!.GetValue<int>().Should().Be(2);
        docs["errorRate"]!.GetValue<double>().Should().BeApproximately(2 / 3.0, 0.001);
        docs["lastRun"]!["outcome"]!.GetValue<string>().Should().Be("Failed");
        docs["lastRun"]!["error"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        docs["backoffUntil"].Should().NotBeNull("scheduled runs wait after consecutive failures");
        docs["deliveredItems"]!.GetValue<int>().Should().Be(3);
        var human = await appliance.RunCliAsync("status");
        human.Output.Should().Contain("Degraded").And.Contain("backing off until");
    }

    private static void PretendTheLastRunStartedAgo(ApplianceFixture appliance, TimeSpan age)
    {
        using var database = new LiteDatabase(Path.Combine(appliance.DataDirectory, "connector-host.db"));
        var runs = database.GetCollection("runs");
        foreach (var run in runs.FindAll().ToList())
        {
            run["StartedAt"] = TimeProvider.System.GetUtcNow().Subtract(age).ToUnixTimeMilliseconds();
            runs.Update(run);
        }
    }
}
