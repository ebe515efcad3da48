using System.Globalization;
using System.Text.Json.Nodes;
using ConnectorHost.Testing;

namespace ConnectorHost.Reliability.Tests.Support;

/// <summary>The ScriptedSource connector these scenarios sync: a source of many items, edited generation by generation.</summary>
internal static class Sources
{
    /// <summary>The connector's name in plugins.json.</summary>
    public const string Connector = "source";

    public static ScriptedSourceScript Create(ProcessAppliance appliance, int count, string? schedule = null)
    {
        var script = new ScriptedSourceScript { CheckpointEvery = 50 };
        for (var i = 1; i <= count; i++)
        {
            script.Item(Id(i));
        }

        script.Path = Path.Combine(appliance.Root, $"{Connector}.script.json");
        script.Save();
        var connector = appliance.Fixture.AddConnector(
            Connector, "Scripted", new JsonObject { ["scriptPath"] = script.Path, ["pruneInterval"] = "00:00:00" });
        if (schedule is not null)
        {
            connector["schedule"] = schedule;
        }

        appliance.Fixture.WriteConfig();
        return script;
    }

    /// <summary>A new generation of the source: some items change, some are deleted (reported or silently), some are new.</summary>
    public static void Edit(ScriptedSourceScript script, int generation)
    {
        var ids = script.Items.Select(i => (string)i["id"]!).ToList();
        for (var n = 0; n < ids.Count; n++)
        {
            if ((n + generation) % 10 == 0)
            {
                script.Item(ids[n], version: generation.ToString(CultureInfo.InvariantCulture));
            }
            else if ((n + generation) % 37 == 0)
            {
                script.Remove(ids[n]);
                script.Deletes.Add(ids[n]);
            }
            else if ((n + generation) % 41 == 0)
            {
                // Gone without a delete: only pruning against the listing finds it.
                script.Remove(ids[n]);
            }
        }

        var next = ids.Count + script.Deletes.Count + 1;
        for (var i = 0; i < 100; i++)
        {
            script.Item($"g{generation}-{Id(next + i)}");
        }

        script.Save();
    }

    public static async Task AssertExactAsync(ProcessAppliance appliance, ScriptedSourceScript script, string stage)
    {
        var source = script.Items.ToDictionary(i => (string)i["id"]!, i => (string)i["version"]!);
        var audit = await DeliveryAudit.TakeAsync(appliance.Emulator, Connector, source);
        var cursor = await appliance.CursorAsync(Connector);
        var head = (script.Items.Count + script.Deletes.Count).ToString(CultureInfo.InvariantCulture);
        TestContext.Out.WriteLine($"{stage}: {audit}; cursor {cursor} (source head {head})");
        audit.IsExact.Should().BeTrue("MemorySync must match the source exactly after {0}: {1}", stage, audit);
        cursor.Should().Be(head, "the cursor ends at the source's head");
    }

    public static string Id(int n) => "doc-" + n.ToString("D5", CultureInfo.InvariantCulture);
}
