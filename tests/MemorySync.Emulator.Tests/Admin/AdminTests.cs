using MemorySync.Emulator.Admin;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Tests.Support;

namespace MemorySync.Emulator.Tests.Admin;

public sealed class AdminTests
{
    private MemorySyncEmulatorHost _emulator = null!;

    [SetUp]
    public async Task StartAsync() => _emulator = await TestEmulator.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _emulator.DisposeAsync();

    [Test]
    public async Task GetMemories_FiltersByEndUserSourceMetadataAndDeletion()
    {
        using var u1 = _emulator.CreateClient("u1");
        using var u2 = _emulator.CreateClient("u2");
        var page = await u1.AddAsync("A Confluence page memory", ""","source":"confluence","metadata":{"source_id":"p-1","version":2}""");
        var task = await u1.AddAsync("An Asana task memory", ""","source":"asana","metadata":{"source_id":"t-9"}""");
        var other = await u2.AddAsync("A memory of the second end user", ",\"source\":\"confluence\"");
        using (await u1.SendAsync(HttpMethod.Delete, "memory/forget", $$"""{"memory_ids":[{{task}}]}"""))
        {
        }

        async Task<long[]> Ids(MemoryFilter filter) => [.. (await _emulator.Admin.GetMemoriesAsync(filter)).Select(m => m.Id)];

        (await Ids(new MemoryFilter())).Should().Equal(page, other);
        (await Ids(new MemoryFilter { IncludeDeleted = true })).Should().Equal(page, task, other);
        (await Ids(new MemoryFilter { EndUserId = "u1", IncludeDeleted = true })).Should().Equal(page, task);
        (await Ids(new MemoryFilter { Source = "confluence" })).Should().Equal(page, other);
        (await Ids(new MemoryFilter { MetadataKey = "source_id", MetadataValue = "t-9", IncludeDeleted = true })).Should().Equal(task);
        (await Ids(new MemoryFilter { MetadataKey = "version", MetadataValue = "2" })).Should().Equal(page);
        (await Ids(new MemoryFilter { MetadataKey = "source_id" })).Should().Equal(page);
        (await _emulator.Admin.GetMemoryAsync(task))!.IsDeleted.Should().BeTrue();
        (await _emulator.Admin.GetMemoryAsync(999)).Should().BeNull();
    }

    [Test]
    public async Task Counters_CountRequestsByRouteAndStatusAndItems()
    {
        using var client = _emulator.CreateClient("u1");
        await client.AddAsync("Counted memory number one");
        using (await client.PostAsync("memory/add", """{"text":"short"}"""))
        using (await client.PostAsync("memory/bulk-add", TestEmulator.Items("Counted memory number one", "Counted memory number two", "tiny")))
        using (await client.SendAsync(HttpMethod.Delete, "memory/forget", """{"memory_ids":[1,2]}"""))
        using (await client.SendAsync(HttpMethod.Patch, "memory/3", """{"tags":["x"]}"""))
        {
        }

        var counters = await _emulator.Admin.GetCountersAsync();

        counters.Requests["POST /memory/add"].Should().Contain(new KeyValuePair<string, long>("201", 1))
            .And.Contain(new KeyValuePair<string, long>("422", 1));
        counters.Requests["POST /memory/bulk-add"]["207"].Should().Be(1);
        counters.Requests["PATCH /memory/{id}"]["404"].Should().Be(1);
        counters.ItemsCreated.Should().Be(2);
        counters.ItemsSkipped.Should().Be(1);
        counters.ItemsRejected.Should().Be(2);
        counters.Forgets.Should().Be(1);
        counters.MemoriesForgotten.Should().Be(2);
    }

    [Test]
    public async Task Requests_RecordEndUserKeyFaultAndReplay()
    {
        using var client = _emulator.CreateClient("u1");
        await _emulator.Admin.ScriptFaultsAsync(new FaultRule { Route = "/memory/add", Kind = FaultKind.Error, Statuses = [500], Phase = FaultPhase.After });
        using (await client.PostAsync("memory/add", """{"text":"Logged request with a key"}""", "log-key"))
        using (await client.PostAsync("memory/add", """{"text":"Logged request with a key"}""", "log-key"))
        {
        }

        var requests = await _emulator.Admin.GetRequestsAsync();

        requests.Should().HaveCount(2);
        requests[0].Should().Match<EmulatorRequest>(r => r.Status == 500 && r.Fault == "error:500:after" && r.IdempotencyKey == "log-key" && r.EndUserId == "u1");
        requests[1].Should().Match<EmulatorRequest>(r => r.Status == 201 && r.Replayed && r.Route == "POST /memory/add");
    }

    [Test]
    public async Task Reset_StartsAfreshWithIdsFromOneAndStartSettings()
    {
        using var client = _emulator.CreateClient("u1");
        await client.AddAsync("Gone after the reset");
        await _emulator.Admin.SetErrorShapeAsync(ErrorShape.Flat);
        await _emulator.Admin.AddFaultAsync(new FaultRule { Route = "/health", Kind = FaultKind.Error });

        await _emulator.Admin.ResetAsync();
        var id = await client.AddAsync("Gone after the reset");

        id.Should().Be(1);
        (await _emulator.Admin.GetSettingsAsync()).ErrorShape.Should().Be(ErrorShape.Envelope);
        (await _emulator.Admin.GetFaultsAsync()).Rules.Should().BeEmpty();
        (await _emulator.Admin.GetCountersAsync()).ItemsCreated.Should().Be(1);
    }
}
