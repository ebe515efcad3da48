using System.Text.Json.Nodes;
using ConnectorHost.Reliability.Tests.Support;
using ConnectorHost.Testing;

namespace ConnectorHost.Reliability.Tests.Delivery;

/// <summary>
/// Items MemorySync refuses (a content policy rejects them in the bulk answer), an item longer than the host sends, and
/// items whose text is too short: the run completes, the first two kinds end in dead letters with their reason, the last
/// as reported skips; <c>dead-letters retry</c> delivers the refused ones once the policy is lifted, and the oversize one
/// is delivered when its source shortens it.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class PoisonItemTests
{
    private const string Connector = Sources.Connector;
    private const string Marker = "POISON-7F3A";

    [Test]
    public async Task Sync_PoisonItems_DeadLetteredRunCompletesAndRetryDeliversAfterTheFix()
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        var script = Sources.Create(appliance, 60);
        script.CheckpointEvery = 10;
        script.Item("poison-1", text: $"The first refused item holds {Marker} in its body.");
        script.Item("poison-2", text: $"The second refused item holds {Marker} too.");
        script.Item("oversize-1", text: string.Concat(Enumerable.Repeat("An overlong paragraph of the source. ", 8000)));
        script.Items.Add(new JsonObject { ["id"] = "short-1", ["version"] = "1", ["title"] = "", ["text"] = "tiny" });
        script.Items.Add(new JsonObject { ["id"] = "short-2", ["version"] = "1", ["title"] = "", ["text"] = "   " });
        for (var i = 61; i <= 80; i++)
        {
            script.Item(Sources.Id(i));
        }

        script.Save();
        await appliance.Emulator.Admin.SetRefuseTextContainingAsync(Marker);

        var run = await appliance.RunAsync("sync", Connector, "--json");

        TestContext.Out.WriteLine(run.ToString());
        run.ExitCode.Should().Be(0, "poison items do not fail the run: {0}", run);
        var report = JsonNode.Parse(run.Output)!;
        ((int?)report["deadLettered"]).Should().Be(3);
        ((int?)report["skipped"]).Should().Be(2);
        (await appliance.CursorAsync(Connector)).Should().Be(script.Items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "the run went past the poison items");

        var deadLetters = await appliance.DeadLettersAsync(Connector);
        TestContext.Out.WriteLine(deadLetters.ToJsonString());
        deadLetters.Select(d => (string?)d!["nativeId"]).Should().BeEquivalentTo("poison-1", "poison-2", "oversize-1");
        deadLetters.Where(d => ((string?)d!["nativeId"])!.StartsWith("poison", StringComparison.Ordinal))
            .Should().OnlyContain(d => ((string?)d!["reason"])!.Contains("refused by the content policy", StringComparison.Ordinal));
        ((string?)deadLetters.Single(d => (string?)d!["nativeId"] == "oversize-1")!["reason"]).Should().Contain("maxTextLength");

        await appliance.Emulator.Admin.SetRefuseTextContainingAsync(null);
        var retry = await appliance.RunAsync("dead-letters", "retry", Connector);
        script.Item("oversize-1", version: "2", text: "The overlong item, cut down to a reasonable length by its author.");
        script.Save();
        var next = await appliance.RunAsync("sync", Connector, "--full");

        TestContext.Out.WriteLine(retry.ToString());
        retry.ExitCode.Should().Be(0, "{0}", retry);
        retry.Output.Should().Contain("delivered 2");
        next.ExitCode.Should().Be(0, "{0}", next);
        (await appliance.DeadLettersAsync(Connector)).Should().BeEmpty("every dead letter was delivered after the fix");
        var delivered = script.Items.Where(i => !((string)i["id"]!).StartsWith("short", StringComparison.Ordinal))
            .ToDictionary(i => (string)i["id"]!, i => (string)i["version"]!);
        var audit = await DeliveryAudit.TakeAsync(appliance.Emulator, Connector, delivered);
        TestContext.Out.WriteLine($"poison items: {audit}; skipped (too short) 2");
        audit.IsExact.Should().BeTrue(audit.ToString());
        appliance.AssertNoSecretLeaked([ProcessAppliance.CanaryApiKey], [deadLetters.ToJsonString()]);
    }
}
