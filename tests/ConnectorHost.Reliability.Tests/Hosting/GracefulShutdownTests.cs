using System.Globalization;
using ConnectorHost.Reliability.Tests.Support;
using ConnectorHost.Testing;

namespace ConnectorHost.Reliability.Tests.Hosting;

/// <summary>SIGTERM to the service in the middle of a run: it stops within the grace period and commits nothing unacknowledged.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class GracefulShutdownTests
{
    private const string Connector = Sources.Connector;

    [Test]
    public async Task Run_SigtermMidRun_StopsCleanlyAndTheCursorCoversOnlyDeliveredItems()
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        var script = Sources.Create(appliance, 1500, schedule: "* * * * * ?");
        script.DelayMs = 5;
        script.Save();

        using var service = appliance.Start(["run"]);
        await Eventually.TrueAsync(
            async () => service.HasExited || (await appliance.Emulator.Admin.GetMemoriesAsync()).Count >= 200,
            "the scheduled run has delivered part of the source", TimeSpan.FromMinutes(2));
        service.HasExited.Should().BeFalse("the service runs until it is told to stop: {0}{1}", service.Output, service.Error);
        await service.TerminateAsync();
        // The grace period is 10 s (ApplianceFixture); the bound here is generous for a shared machine, not a timing claim.
        var stopped = await service.WaitAsync(TimeSpan.FromSeconds(90));
        appliance.Record(stopped);

        TestContext.Out.WriteLine(stopped.ToString());
        stopped.ExitCode.Should().Be(0, "SIGTERM is an orderly stop: {0}", stopped);
        var cursor = await appliance.CursorAsync(Connector);
        var committed = cursor is null ? 0 : int.Parse(cursor, CultureInfo.InvariantCulture);
        var covered = script.Items.Take(committed).ToDictionary(i => (string)i["id"]!, i => (string)i["version"]!);
        var audit = await DeliveryAudit.TakeAsync(appliance.Emulator, Connector, covered);
        TestContext.Out.WriteLine($"SIGTERM mid-run: cursor {committed} of {script.Items.Count}; items under the cursor: {audit}");
        committed.Should().BeLessThan(script.Items.Count, "the stop came in the middle of the run");
        audit.Lost.Should().Be(0, "every item under the committed cursor was acknowledged by MemorySync");
        audit.Duplicated.Should().Be(0);

        var resumed = await appliance.RunAsync("sync", Connector);
        resumed.ExitCode.Should().Be(0, "{0}", resumed);
        await Sources.AssertExactAsync(appliance, script, "after the restart");
        appliance.AssertNoSecretLeaked([ProcessAppliance.CanaryApiKey]);
    }
}
