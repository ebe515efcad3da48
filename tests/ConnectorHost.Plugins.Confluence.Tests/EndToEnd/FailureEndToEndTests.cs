using System.Text;
using System.Text.Json.Nodes;
using ConnectorHost.Fakes.Confluence;
using MemorySync.Emulator.Admin;

namespace ConnectorHost.Plugins.Confluence.Tests.EndToEnd;

/// <summary>Failures on both sides of the host (Confluence and MemorySync), through the real product.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class FailureEndToEndTests
{
    // The host's exit codes (ConnectorHost.Cli.ExitCodes, internal to it) as operators read them.
    private const int ExitOk = 0;
    private const int ExitFailed = 1;

    [Test]
    public async Task Sync_ConfluenceRateLimitsAndServerErrorsWhileMemorySyncFails_LosesAndDuplicatesNothing()
    {
        await using var fixture = await ConfluenceAppliance.StartAsync(["ENG"]);
        var ids = fixture.CreatePages("ENG", 150, TimeSpan.FromSeconds(5));
        fixture.Settings["pageSize"] = 40;
        fixture.Connector["pruneInterval"] = "0s";
        fixture.WriteConfig();
        // Confluence: once the listing is under way, a storm of 429s, then a server error that makes the connector
        // halve its page size; the pruning listing (v2) meets 503s and a 429 of its own.
        fixture.Server.OnceAfter(
            r => r.Route == FakeRoute.Search,
            () =>
            {
                fixture.Server.Faults.RateLimit(1, TimeSpan.FromSeconds(1), FakeRoute.Search);
                fixture.Server.Faults.RateLimit(4, TimeSpan.Zero, FakeRoute.Search);
                fixture.Server.Faults.ServerError(1, 500, FakeRoute.Search);
            });
        fixture.Server.Faults.Unavailable(2, TimeSpan.FromSeconds(1), FakeRoute.V2);
        fixture.Server.Faults.RateLimit(1, TimeSpan.Zero, FakeRoute.V2);
        // MemorySync: 503s, a 429 asking for a few seconds, and an answer lost after the batch was stored. Even if all
        // four strike the same batch, it stays within the client's retries (four by default), so the run succeeds.
        await fixture.Emulator.ScriptFaultsAsync(
            new FaultRule { Route = "/memory/bulk-add", Kind = FaultKind.Error, Statuses = [503], Count = 2 },
            new FaultRule { Route = "/memory/bulk-add", Kind = FaultKind.RateLimit, RetryAfterSeconds = 2 },
            new FaultRule { Route = "/memory/bulk-add", Kind = FaultKind.Drop, Phase = FaultPhase.After });

        var first = await fixture.Appliance.RunCliAsync("sync", ConfluenceAppliance.ConnectorName);
        TestContext.Out.WriteLine($"[faults] first run: exit {first.ExitCode}; {first.Output.Trim()}");
        first.ExitCode.Should().Be(ExitOk, first.ToString());

        // Edits after the storm, delivered while MemorySync fails again.
        fixture.Clock.Advance(TimeSpan.FromMinutes(3));
        fixture.Site.Edit(ids[10], "<p>Page 010, edited after the storm.</p>");
        fixture.Site.Edit(ids[140], "<p>Page 140, edited after the storm.</p>");
        fixture.Server.Faults.RateLimit(2, TimeSpan.Zero);
        await fixture.Emulator.ScriptFaultsAsync(
            new FaultRule { Route = "/memory/bulk-add", Kind = FaultKind.Drop, Phase = FaultPhase.After },
            new FaultRule { Route = "/memory/forget", Kind = FaultKind.Error, Statuses = [503] });
        await fixture.SyncAsync();

        var figures = await fixture.VerifyAgainstSiteAsync("faults");
        figures.Expected.Should().Be(150);
        figures.Forgotten.Should().Be(2, "the first versions of the two edited pages");
        var faults = await fixture.Emulator.GetFaultsAsync();
        faults.Script.Should().BeEmpty("every MemorySync fault struck");
        var counters = await fixture.Emulator.GetCountersAsync();
        var confluenceFaults = fixture.Server.Requests.Count(r => r.StatusCode is 429 or >= 500);
        TestContext.Out.WriteLine(
            $"[faults] Confluence answers 429/5xx {confluenceFaults}; MemorySync faults injected {counters.FaultsInjected}, "
            + $"idempotent replays {counters.IdempotentReplays}, items created {counters.ItemsCreated}");
        confluenceFaults.Should().Be(11, "every Confluence fault struck: 5 + 1 on the search, 3 on v2, 2 in the second run");
        counters.FaultsInjected.Should().Be(6);
        counters.IdempotentReplays.Should().BeGreaterThanOrEqualTo(2, "the batches whose answers were lost were sent again with their keys");
        counters.ItemsCreated.Should().Be(152, "150 first versions and two second versions, each stored once");
        fixture.Searches.Select(r => r.Param("limit")).Should().Contain(["40", "20"], "the server error halved the page size");
    }

    [Test]
    public async Task Sync_BadCredentials_FailsNamingTheSiteKeepsTheCursorAndNeverShowsTheToken()
    {
        await using var fixture = await ConfluenceAppliance.StartAsync(["ENG"]);
        var ids = fixture.CreatePages("ENG", 12, TimeSpan.FromSeconds(30));
        fixture.Appliance.Host["logLevel"] = "Debug";
        fixture.WriteConfig();
        await fixture.SyncAsync();
        var cursorBefore = await fixture.CursorAsync();
        var memoriesBefore = (await fixture.AllMemoriesAsync()).Select(m => (m.Id, m.IsDeleted)).ToList();

        const string wrongToken = "ATATT3xWrongToken-7f3a9c1e5b";
        fixture.WriteToken(wrongToken);
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        fixture.Site.Edit(ids[0], "<p>Page 000, edited while the token was wrong.</p>");
        var result = await fixture.Appliance.RunCliAsync("sync", ConfluenceAppliance.ConnectorName);
        var status = await fixture.Appliance.RunCliAsync("status", "--json");

        TestContext.Out.WriteLine($"[bad credentials] {result}");
        result.ExitCode.Should().Be(ExitFailed, result.ToString());
        (result.Output + result.Error).Should().Contain($"Confluence rejected the credentials for {fixture.Server.BaseUrl.AbsoluteUri.TrimEnd('/')}");
        (await fixture.CursorAsync()).Should().Be(cursorBefore, "a refused run commits nothing");
        cursorBefore.Value.Should().NotBeNull();
        (await fixture.AllMemoriesAsync()).Select(m => (m.Id, m.IsDeleted)).Should().Equal(memoriesBefore, "nothing was sent or forgotten");
        fixture.Server.Requests.Should().Contain(r => r.AuthScheme == "Basic" && !r.Authorized, "the wrong token was really sent");
        var secrets = new[]
        {
            wrongToken,
            fixture.Server.Options.ApiToken,
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{fixture.Server.Options.Email}:{wrongToken}")),
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{fixture.Server.Options.Email}:{fixture.Server.Options.ApiToken}")),
        };
        var logFiles = Directory.EnumerateFiles(fixture.Appliance.LogDirectory, "*", SearchOption.AllDirectories).ToList();
        logFiles.Should().NotBeEmpty("the runs were logged to files");
        var logs = string.Concat(logFiles.Select(ReadShared));
        logs.Should().Contain("Confluence rejected the credentials", "the failure is in the log");
        TestContext.Out.WriteLine($"[bad credentials] exit {result.ExitCode}; {logFiles.Count} log files, {logs.Length} characters searched for the token");
        foreach (var secret in secrets)
        {
            result.Output.Should().NotContain(secret);
            result.Error.Should().NotContain(secret);
            status.Output.Should().NotContain(secret);
            logs.Should().NotContain(secret);
        }

        // Fixed credentials: the run resumes from the kept cursor and delivers the edit.
        fixture.WriteToken(fixture.Server.Options.ApiToken);
        await fixture.SyncAsync();
        await fixture.VerifyAgainstSiteAsync("bad credentials, then fixed");
        (await fixture.MemoriesOfAsync(ids[0])).Should().ContainSingle(m => !m.IsDeleted).Which.MetadataValue("version").Should().Be("2");
    }

    [Test]
    public async Task Sync_SpaceAddedThatDoesNotExist_FailsNamingTheSpaceAndForgetsNothing()
    {
        await using var fixture = await ConfluenceAppliance.StartAsync(["ENG"]);
        fixture.CreatePages("ENG", 10, TimeSpan.FromSeconds(30));
        fixture.WriteConfig();
        await fixture.SyncAsync();
        var cursorBefore = await fixture.CursorAsync();

        // A changed scope restarts the read and asks for pruning: a failed run must not prune what it never listed.
        fixture.Settings["spaces"] = new JsonArray("ENG", "GONE");
        fixture.WriteConfig();
        var result = await fixture.Appliance.RunCliAsync("sync", ConfluenceAppliance.ConnectorName);

        TestContext.Out.WriteLine($"[unknown space] {result}");
        result.ExitCode.Should().Be(ExitFailed, result.ToString());
        (result.Output + result.Error).Should().Contain(
            $"Confluence space 'GONE' not found or no permission at {fixture.Server.BaseUrl.AbsoluteUri.TrimEnd('/')}");
        (await fixture.CursorAsync()).Should().Be(cursorBefore, "a failed run commits nothing");
        var figures = await fixture.VerifyAgainstSiteAsync("unknown space");
        figures.Forgotten.Should().Be(0, "nothing was pruned");
    }

    private static string ReadShared(string path)
    {
        // The host may still hold the file open for writing.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
