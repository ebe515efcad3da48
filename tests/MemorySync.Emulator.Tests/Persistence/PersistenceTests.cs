using System.Net;
using MemorySync.Emulator.Admin;
using MemorySync.Emulator.Tests.Support;

namespace MemorySync.Emulator.Tests.Persistence;

public sealed class PersistenceTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("emulator-data-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task DataFile_KeepsMemoriesIdsKeysAndWebhooksAcrossARestart()
    {
        var dataFile = Path.Combine(_folder, "state", "emulator.db");
        long forgotten;
        string firstAnswer;
        await using (var emulator = await TestEmulator.StartAsync(options => options.DataFile = dataFile))
        {
            using var client = emulator.CreateClient("u1");
            using var first = await client.PostAsync("memory/add", """{"text":"Survives the restart","tags":["keep"],"metadata":{"k":"v"}}""", "key-1");
            firstAnswer = await first.Content.ReadAsStringAsync();
            forgotten = await client.AddAsync("Forgotten before the restart");
            using (await client.SendAsync(HttpMethod.Delete, "memory/forget", $$"""{"memory_ids":[{{forgotten}}]}"""))
            using (await client.PostAsync("org/webhooks", """{"name":"kept","url":"http://127.0.0.1:9/h","events":["memory.deleted"]}"""))
            {
            }
        }

        await using var restarted = await TestEmulator.StartAsync(options => options.DataFile = dataFile);
        using var again = restarted.CreateClient("u1");
        using var replay = await again.PostAsync("memory/add", """{"text":"Survives the restart","tags":["keep"],"metadata":{"k":"v"}}""", "key-1");
        using var duplicate = await again.PostAsync("memory/add", """{"text":"Survives the restart"}""");
        var next = await again.AddAsync("Stored after the restart");
        using var webhooks = await again.GetAsync(new Uri("org/webhooks", UriKind.Relative));

        (await replay.Content.ReadAsStringAsync()).Should().Be(firstAnswer);
        replay.StatusCode.Should().Be(HttpStatusCode.Created);
        (await duplicate.JsonAsync()).GetProperty("reason").GetString().Should().Be("duplicate");
        next.Should().Be(3);
        var memories = await restarted.Admin.GetMemoriesAsync(new MemoryFilter { IncludeDeleted = true });
        memories.Select(m => m.Id).Should().Equal(1, 2, 3);
        memories[0].Tags.Should().Equal("keep");
        memories[0].MetadataValue("k").Should().Be("v");
        memories[1].DeletedAt.Should().NotBeNull();
        (await webhooks.JsonAsync()).GetProperty("webhooks").GetArrayLength().Should().Be(1);
    }

    [Test]
    public async Task Reset_ClearsTheDataFile()
    {
        var dataFile = Path.Combine(_folder, "emulator.db");
        await using (var emulator = await TestEmulator.StartAsync(options => options.DataFile = dataFile))
        {
            using var client = emulator.CreateClient("u1");
            await client.AddAsync("Cleared by the reset");
            await emulator.Admin.ResetAsync();
        }

        await using var restarted = await TestEmulator.StartAsync(options => options.DataFile = dataFile);

        (await restarted.Admin.GetMemoriesAsync(new MemoryFilter { IncludeDeleted = true })).Should().BeEmpty();
    }
}
