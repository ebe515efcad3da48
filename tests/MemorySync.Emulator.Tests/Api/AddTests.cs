using System.Net;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MemorySync.Emulator.Tests.Api;

public sealed class AddTests
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
    public async Task Add_ValidText_Answers201MemoryResponseWithIdsFromOne()
    {
        using var first = await _client.PostAsync(
            "memory/add",
            """{"text":"  The budget for Q3 was approved.  ","source":"email","event_type":"decision","importance":0.9,"metadata":{"source_id":"p-1","version":3},"user_id":"ignored"}""");
        var second = await _client.AddAsync("A second, different memory text");

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        var body = await first.JsonAsync();
        body.GetProperty("id").GetInt64().Should().Be(1);
        second.Should().Be(2);
        body.GetProperty("text").GetString().Should().Be("The budget for Q3 was approved.");
        body.GetProperty("user_id").GetString().Should().Be("u1");
        body.GetProperty("source").GetString().Should().Be("email");
        body.GetProperty("event_type").GetString().Should().Be("decision");
        body.GetProperty("importance").GetDouble().Should().Be(0.9);
        body.GetProperty("metadata").GetRawText().Should().Be("""{"source_id":"p-1","version":3}""");
        body.TryGetProperty("created_at", out _).Should().BeTrue();
    }

    [Test]
    public async Task Add_ContentAlias_IsStoredAsText()
    {
        using var response = await _client.PostAsync("memory/add", """{"content":"Content is an alias of text"}""");

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        (await response.JsonAsync()).GetProperty("text").GetString().Should().Be("Content is an alias of text");
    }

    [TestCase("""{"text":"too short"}""", "text", "string_too_short")]
    [TestCase("""{}""", "text", "missing")]
    [TestCase("""{"text":42}""", "text", "string_type")]
    [TestCase("""{"text":"A valid memory text","importance":1.5}""", "importance", "less_than_equal")]
    [TestCase("""{"text":"A valid memory text","importance":-0.1}""", "importance", "greater_than_equal")]
    [TestCase("""{"text":"A valid memory text","ttl_minutes":0}""", "ttl_minutes", "greater_than_equal")]
    [TestCase("""{"text":"A valid memory text","metadata":"x"}""", "metadata", "dict_type")]
    [TestCase("""{"text":"A valid memory text","tags":["ok",1]}""", "tags", "string_type")]
    [TestCase("""{"text":"A valid memory text","source":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""", "source", "string_too_long")]
    public async Task Add_InvalidField_Answers422WithDetails(string json, string field, string type)
    {
        using var response = await _client.PostAsync("memory/add", json);

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        var error = (await response.JsonAsync()).GetProperty("error");
        error.GetProperty("code").GetString().Should().Be("VALIDATION_ERROR");
        var detail = error.GetProperty("details")[0];
        detail.GetProperty("loc")[1].GetString().Should().Be(field);
        detail.GetProperty("type").GetString().Should().Be(type);
        (await _emulator.Admin.GetMemoriesAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task Add_MalformedJson_Answers422()
    {
        using var response = await _client.PostAsync("memory/add", """{"text": """);

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
    }

    [Test]
    public async Task Add_Tags_AreLowerCasedAndDeduplicated()
    {
        var id = await _client.AddAsync("Tags are normalised by the service", ""","tags":["Budget","budget"," Q3 ","q3"]""");

        var memory = await _emulator.Admin.GetMemoryAsync(id);
        memory!.Tags.Should().Equal("budget", "q3");
    }

    [TestCase("Thanks, thank you!")]
    [TestCase("!!!!!!!!!!!!!!")]
    [TestCase("okay okay okay okay")]
    public async Task Add_LowValueFiller_AnswersSkippedWithoutStoring(string text)
    {
        using var response = await _client.PostAsync("memory/add", $$"""{"text":"{{text}}"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.JsonAsync();
        body.GetProperty("status").GetString().Should().Be("skipped");
        body.GetProperty("reason").GetString().Should().Be("low_value");
        (await _emulator.Admin.GetMemoriesAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task Add_IdenticalText_AnswersSkippedDuplicateWithoutId()
    {
        await _client.AddAsync("Deploys happen on Tuesdays");

        using var response = await _client.PostAsync("memory/add", """{"text":"  Deploys happen on Tuesdays "}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.JsonAsync();
        body.GetProperty("status").GetString().Should().Be("skipped");
        body.GetProperty("reason").GetString().Should().Be("duplicate");
        body.TryGetProperty("id", out _).Should().BeFalse();
        (await _emulator.Admin.GetMemoriesAsync()).Should().ContainSingle();
    }

    [Test]
    public async Task Add_IdenticalTextWithoutDeduplicate_StoresTwice()
    {
        await _client.AddAsync("Deploys happen on Tuesdays");

        var second = await _client.AddAsync("Deploys happen on Tuesdays", ""","deduplicate":false""");

        second.Should().Be(2);
        (await _emulator.Admin.GetMemoriesAsync()).Should().HaveCount(2);
    }

    [Test]
    public async Task Add_IdenticalTextOfAnotherEndUser_IsStored()
    {
        await _client.AddAsync("Deploys happen on Tuesdays");
        using var other = _emulator.CreateClient("u2");

        var id = await other.AddAsync("Deploys happen on Tuesdays");

        id.Should().Be(2);
    }

    [Test]
    public async Task Add_TextOfAForgottenMemory_IsStoredAgain()
    {
        var id = await _client.AddAsync("Deploys happen on Tuesdays");
        using var forget = await _client.SendAsync(HttpMethod.Delete, "memory/forget", $$"""{"memory_ids":[{{id}}]}""");

        var again = await _client.AddAsync("Deploys happen on Tuesdays");

        again.Should().Be(2);
    }

    [Test]
    public async Task Add_WithExtraction_StoresUpToThreeMemoriesAndAnswersTheFirst()
    {
        await _emulator.Admin.SetExtractionAsync(true);
        const string text = "First paragraph about budgets.\n\nSecond paragraph about deploys.\n\nThird paragraph about hiring.\n\nFourth paragraph about offices.";

        using var response = await _client.PostAsync("memory/add", $$"""{"text":{{System.Text.Json.JsonSerializer.Serialize(text)}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        (await response.JsonAsync()).GetProperty("id").GetInt64().Should().Be(1);
        var memories = await _emulator.Admin.GetMemoriesAsync();
        memories.Should().HaveCount(3);
        string.Join("\n\n", memories.Select(m => m.Text)).Should().Be(text);
    }

    [Test]
    public async Task Add_TtlMinutes_ExpiresTheMemory()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 5, 14, 0, 0, TimeSpan.Zero));
        await using var emulator = await TestEmulator.StartAsync(options => options.TimeProvider = clock);
        using var client = emulator.CreateClient("u1");
        var id = await client.AddAsync("This memory lives for two minutes", ""","ttl_minutes":2""");
        (await emulator.Admin.GetMemoryAsync(id))!.ExpiresAt.Should().Be(clock.GetUtcNow().AddMinutes(2));

        using var before = await client.GetAsync(new Uri($"memory/{id}", UriKind.Relative));
        clock.Advance(TimeSpan.FromMinutes(2));
        using var after = await client.GetAsync(new Uri($"memory/{id}", UriKind.Relative));
        using var query = await client.PostAsync("memory/query", """{"query":"memory lives"}""");

        before.StatusCode.Should().Be(HttpStatusCode.OK);
        after.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await query.JsonAsync()).GetProperty("memories").GetArrayLength().Should().Be(0);
    }
}
