using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Tests.Support;

namespace MemorySync.Emulator.Tests.Api;

public sealed class IdStyleTests
{
    [Test]
    public async Task Numeric_IsTheDefault()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");

        using var response = await client.PostAsync("memory/add", """{"text":"Ids are integers by default"}""");

        (await response.JsonAsync()).GetRawText().Should().StartWith("""{"id":1,""");
    }

    [Test]
    public async Task Prefixed_WritesStringIdsEverywhere()
    {
        await using var emulator = await TestEmulator.StartAsync(options => options.IdStyle = IdStyle.Prefixed);
        using var client = emulator.CreateClient("u1");

        using var add = await client.PostAsync("memory/add", """{"text":"Ids are prefixed strings"}""");
        using var bulk = await client.PostAsync("memory/bulk-add", TestEmulator.Items("Another prefixed memory"));
        using var forget = await client.SendAsync(HttpMethod.Delete, "memory/forget", """{"memory_ids":["m_1"]}""");

        (await add.JsonAsync()).GetProperty("id").GetString().Should().Be("m_1");
        (await bulk.JsonAsync()).GetProperty("results")[0].GetProperty("memory_ids")[0].GetString().Should().Be("m_2");
        (await forget.JsonAsync()).GetRawText().Should().Be("""{"deleted_ids":["m_1"],"deleted":1}""");
    }

    [Test]
    public async Task MemoryId_WritesMemoryIdInPlaceOfId()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await emulator.Admin.SetIdStyleAsync(IdStyle.MemoryId);
        using var client = emulator.CreateClient("u1");

        using var add = await client.PostAsync("memory/add", """{"text":"Ids come as memory_id"}""");

        var body = await add.JsonAsync();
        body.GetProperty("memory_id").GetInt64().Should().Be(1);
        body.TryGetProperty("id", out _).Should().BeFalse();
    }
}
