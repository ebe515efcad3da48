using System.Net;
using System.Text.Json;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MemorySync.Emulator.Tests.Api;

public sealed class QueryTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 5, 12, 0, 0, TimeSpan.Zero));
    private MemorySyncEmulatorHost _emulator = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _emulator = await TestEmulator.StartAsync(options => options.TimeProvider = _clock);
        _client = _emulator.CreateClient("u1");
    }

    [TearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _emulator.DisposeAsync();
    }

    [Test]
    public async Task Query_RanksByKeywordRelevanceWithScoresFromZeroToOne()
    {
        await _client.AddAsync("The deploy pipeline runs nightly");
        var best = await _client.AddAsync("Budget approved: the budget for the Q3 budget review");
        var good = await _client.AddAsync("The marketing budget is small this year");
        await _client.AddAsync("Lunch is served at noon in the cafeteria");

        using var response = await _client.PostAsync("memory/query", """{"query":"BUDGET review"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.JsonAsync();
        var memories = body.GetProperty("memories").EnumerateArray().ToList();
        memories.Select(m => m.GetProperty("id").GetInt64()).Should().Equal(best, good);
        var scores = memories.Select(m => m.GetProperty("score").GetDouble()).ToList();
        scores.Should().BeInDescendingOrder().And.OnlyContain(s => s > 0 && s <= 1);
        body.TryGetProperty("latency_ms", out _).Should().BeTrue();
    }

    [TestCase(null, 5)]
    [TestCase(0, 1)]
    [TestCase(-3, 1)]
    [TestCase(7, 7)]
    [TestCase(100, 50)]
    public async Task Query_K_IsClampedFromOneToFifty(int? k, int expected)
    {
        var texts = Enumerable.Range(0, 60).Select(i => $"Searchable memory number {i}").ToArray();
        using (await _client.PostAsync("memory/bulk-add", TestEmulator.Items(texts[..50])))
        using (await _client.PostAsync("memory/bulk-add", TestEmulator.Items(texts[50..])))
        {
        }

        var kJson = k is null ? string.Empty : $",\"k\":{k}";
        using var response = await _client.PostAsync("memory/query", $$"""{"query":"searchable memory"{{kJson}}}""");

        (await response.JsonAsync()).GetProperty("memories").GetArrayLength().Should().Be(expected);
    }

    [Test]
    public async Task Query_Filters_SelectBySourcesSourceTagsAndTime()
    {
        var fromEmail = await _client.AddAsync("Budget note from email", ""","source":"email","tags":["finance"]""");
        _clock.Advance(TimeSpan.FromHours(1));
        var fromSlack = await _client.AddAsync("Budget note from slack", ""","source":"slack","tags":["chat"]""");
        _clock.Advance(TimeSpan.FromHours(1));
        var fromWeb = await _client.AddAsync("Budget note from web", ""","source":"web","tags":["chat","finance"],"metadata":{"team":"ops"}""");

        async Task<long[]> Ids(string filters)
        {
            using var response = await _client.PostAsync("memory/query", $$"""{"query":"budget note","k":50,{{filters}}}""");
            var body = await response.JsonAsync();
            ((int)response.StatusCode).Should().Be(200, body.GetRawText());
            return [.. body.GetProperty("memories").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()).Order()];
        }

        (await Ids("'filters':{'sources':['email','web']}".Replace('\'', '"'))).Should().Equal(fromEmail, fromWeb);
        (await Ids("'filters':{'source':'slack'}".Replace('\'', '"'))).Should().Equal(fromSlack);
        (await Ids("'filters':{'tags':['FINANCE']}".Replace('\'', '"'))).Should().Equal(fromEmail, fromWeb);
        (await Ids("'filters':{'tags':['chat','finance']}".Replace('\'', '"'))).Should().Equal(fromEmail, fromSlack, fromWeb);
        var since = JsonSerializer.Serialize(_clock.GetUtcNow().AddHours(-1));
        var until = JsonSerializer.Serialize(_clock.GetUtcNow().AddHours(-1));
        (await Ids($"'filters':{{'since':{since}}}".Replace('\'', '"'))).Should().Equal(fromSlack, fromWeb);
        (await Ids($"'filters':{{'until':{until}}}".Replace('\'', '"'))).Should().Equal(fromEmail, fromSlack);
        (await Ids("'metadata_filter':{'team':'ops'}".Replace('\'', '"'))).Should().Equal(fromWeb);
    }

    [Test]
    public async Task Query_ReturnsOnlyLiveMemoriesOfTheEndUser()
    {
        var forgotten = await _client.AddAsync("Budget memory that will be forgotten");
        var kept = await _client.AddAsync("Budget memory that stays");
        using var other = _emulator.CreateClient("u2");
        await other.AddAsync("Budget memory of another end user");
        using (await _client.SendAsync(HttpMethod.Delete, "memory/forget", $$"""{"memory_ids":[{{forgotten}}]}"""))
        {
        }

        using var response = await _client.PostAsync("memory/query", """{"query":"budget memory"}""");

        (await response.JsonAsync()).GetProperty("memories").EnumerateArray()
            .Select(m => m.GetProperty("id").GetInt64()).Should().Equal(kept);
    }

    [Test]
    public async Task Retrieve_IsAnAliasOfQuery()
    {
        var id = await _client.AddAsync("Retrieval works through the alias");

        using var response = await _client.PostAsync("memory/retrieve", """{"query":"alias"}""");

        (await response.JsonAsync()).GetProperty("memories")[0].GetProperty("id").GetInt64().Should().Be(id);
    }

    [TestCase("""{}""")]
    [TestCase("""{"query":"   "}""")]
    [TestCase("""{"query":"x","k":"five"}""")]
    [TestCase("""{"query":"x","filters":{"since":"not a date"}}""")]
    public async Task Query_InvalidBody_Answers422(string json)
    {
        using var response = await _client.PostAsync("memory/query", json);

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
    }
}
