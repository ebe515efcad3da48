using System.Net;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Tests.Support;

namespace MemorySync.Emulator.Tests.Api;

public sealed class BulkAddTests
{
    private MemorySyncEmulatorHost _emulator = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _emulator = await TestEmulator.StartAsync();
        _client = _emulator.CreateClient("u1");
    }

    [TearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _emulator.DisposeAsync();
    }

    [Test]
    public async Task BulkAdd_MixedItems_Answers207WithResultsInInputOrder()
    {
        await _client.AddAsync("Already stored before the batch");

        using var response = await _client.PostAsync("memory/bulk-add", """
            {"items":[
              {"text":"First new memory of the batch","tags":["A"]},
              {"text":"short"},
              {"text":"Already stored before the batch"},
              {"text":"Thanks, thank you!"},
              {"text":"Second new memory of the batch","importance":2},
              {"text":"Third new memory of the batch"}
            ]}
            """);

        ((int)response.StatusCode).Should().Be(207);
        var body = await response.JsonAsync();
        body.GetProperty("total").GetInt32().Should().Be(6);
        body.GetProperty("created").GetInt32().Should().Be(2);
        body.GetProperty("skipped").GetInt32().Should().Be(2);
        body.GetProperty("rejected").GetInt32().Should().Be(2);
        var results = body.GetProperty("results").EnumerateArray().ToList();
        results.Select(r => r.GetProperty("index").GetInt32()).Should().Equal(0, 1, 2, 3, 4, 5);
        results.Select(r => r.GetProperty("status").GetString()).Should()
            .Equal("created", "rejected", "skipped", "skipped", "rejected", "created");
        results[0].GetProperty("memory_ids")[0].GetInt64().Should().Be(2);
        results[5].GetProperty("memory_ids")[0].GetInt64().Should().Be(3);
        results[1].GetProperty("reason").GetString().Should().Be("text: String should have at least 10 characters");
        results[2].GetProperty("reason").GetString().Should().Be("duplicate");
        results[3].GetProperty("reason").GetString().Should().Be("low_value");
        results[4].GetProperty("reason").GetString().Should().Contain("importance");
        results[2].GetProperty("memory_ids").GetArrayLength().Should().Be(0);
        (await _emulator.Admin.GetMemoriesAsync()).Should().HaveCount(3);
    }

    [Test]
    public async Task BulkAdd_ContentPolicyMarker_RejectsOnlyThoseItemsUntilTurnedOff()
    {
        await _emulator.Admin.SetRefuseTextContainingAsync("POISON");

        using var response = await _client.PostAsync(
            "memory/bulk-add", TestEmulator.Items("A fine memory before the poison", "This one holds POISON inside", "A fine memory after the poison"));
        using var single = await _client.PostAsync("memory/add", """{"text":"A single POISON memory"}""");
        (await _emulator.Admin.GetSettingsAsync()).RefuseTextContaining.Should().Be("POISON");
        await _emulator.Admin.SetRefuseTextContainingAsync(null);
        using var again = await _client.PostAsync("memory/bulk-add", TestEmulator.Items("This one holds POISON inside"));

        var results = (await response.JsonAsync()).GetProperty("results").EnumerateArray().ToList();
        results.Select(r => r.GetProperty("status").GetString()).Should().Equal("created", "rejected", "created");
        results[1].GetProperty("reason").GetString().Should().Be("text: refused by the content policy");
        ((int)single.StatusCode).Should().Be(422);
        (await again.JsonAsync()).GetProperty("created").GetInt32().Should().Be(1);
        (await _emulator.Admin.GetSettingsAsync()).RefuseTextContaining.Should().BeNull();
        (await _emulator.Admin.GetMemoriesAsync()).Should().HaveCount(3);
    }

    [Test]
    public async Task BulkAdd_DuplicateOfAnEarlierItem_IsSkipped()
    {
        using var response = await _client.PostAsync(
            "memory/bulk-add", TestEmulator.Items("The same text twice in one batch", "The same text twice in one batch"));

        var statuses = (await response.JsonAsync()).GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("status").GetString());
        statuses.Should().Equal("created", "skipped");
    }

    [Test]
    public async Task BulkAdd_DuplicatesWithoutDeduplicate_AreAllCreated()
    {
        using var response = await _client.PostAsync(
            "memory/bulk-add",
            """{"deduplicate":false,"items":[{"text":"The same text twice in one batch"},{"text":"The same text twice in one batch"}]}""");

        (await response.JsonAsync()).GetProperty("created").GetInt32().Should().Be(2);
    }

    [TestCase(0)]
    [TestCase(51)]
    public async Task BulkAdd_OutsideOneToFiftyItems_Answers422AndStoresNothing(int count)
    {
        var texts = Enumerable.Range(0, count).Select(i => $"Memory number {i} of the batch").ToArray();

        using var response = await _client.PostAsync("memory/bulk-add", TestEmulator.Items(texts));

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        (await _emulator.Admin.GetMemoriesAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task BulkAdd_FiftyItems_AreAllCreated()
    {
        var texts = Enumerable.Range(0, 50).Select(i => $"Memory number {i} of the batch").ToArray();

        using var response = await _client.PostAsync("memory/bulk-add", TestEmulator.Items(texts));

        (await response.JsonAsync()).GetProperty("created").GetInt32().Should().Be(50);
    }

    [Test]
    public async Task BulkAdd_WithExtraction_ListsEveryMemoryId()
    {
        await _emulator.Admin.SetExtractionAsync(true);

        using var response = await _client.PostAsync(
            "memory/bulk-add", TestEmulator.Items("Paragraph one is here.\n\nParagraph two is here.", "A single paragraph memory"));

        var results = (await response.JsonAsync()).GetProperty("results");
        results[0].GetProperty("memory_ids").EnumerateArray().Select(id => id.GetInt64()).Should().Equal(1, 2);
        results[1].GetProperty("memory_ids").EnumerateArray().Select(id => id.GetInt64()).Should().Equal(3);
    }
}
