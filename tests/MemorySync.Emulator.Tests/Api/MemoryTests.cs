using System.Net;
using MemorySync.Emulator.Admin;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Tests.Support;

namespace MemorySync.Emulator.Tests.Api;

public sealed class MemoryTests
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
    public async Task Get_OwnMemory_AnswersItAndAcceptsStringIds()
    {
        var id = await _client.AddAsync("A memory to fetch by id");

        using var response = await _client.GetAsync(new Uri($"memory/{id}", UriKind.Relative));
        using var prefixed = await _client.GetAsync(new Uri($"memory/m_{id}", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.JsonAsync()).GetProperty("text").GetString().Should().Be("A memory to fetch by id");
        prefixed.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Get_MemoryOfAnotherEndUserOrUnknown_Answers404()
    {
        var id = await _client.AddAsync("A memory only u1 can see");
        using var other = _emulator.CreateClient("u2");

        using var invisible = await other.GetAsync(new Uri($"memory/{id}", UriKind.Relative));
        using var unknown = await _client.GetAsync(new Uri("memory/999", UriKind.Relative));

        invisible.StatusCode.Should().Be(HttpStatusCode.NotFound);
        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await unknown.JsonAsync()).GetProperty("error").GetProperty("code").GetString().Should().Be("NOT_FOUND");
    }

    [Test]
    public async Task Patch_Labels_ChangesLabelsAndKeepsText()
    {
        var id = await _client.AddAsync("A memory whose labels change", ""","source":"old","tags":["a"],"metadata":{"v":1}""");

        using var response = await _client.SendAsync(
            HttpMethod.Patch,
            $"memory/{id}",
            """{"tags":["New","new"],"importance":0.2,"metadata":{"v":2},"source":"confluence","event_type":"page"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var memory = await _emulator.Admin.GetMemoryAsync(id);
        memory!.Text.Should().Be("A memory whose labels change");
        memory.Tags.Should().Equal("new");
        memory.Importance.Should().Be(0.2);
        memory.MetadataValue("v").Should().Be("2");
        memory.Source.Should().Be("confluence");
        memory.EventType.Should().Be("page");
    }

    [TestCase("text")]
    [TestCase("content")]
    public async Task Patch_Text_Answers422AndChangesNothing(string field)
    {
        var id = await _client.AddAsync("A memory whose text stays");

        using var response = await _client.SendAsync(HttpMethod.Patch, $"memory/{id}", $$"""{"{{field}}":"A replaced text","tags":["x"]}""");

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        var memory = await _emulator.Admin.GetMemoryAsync(id);
        memory!.Text.Should().Be("A memory whose text stays");
        memory.Tags.Should().BeEmpty();
    }

    [Test]
    public async Task Patch_ForgottenMemory_Answers404()
    {
        var id = await _client.AddAsync("A memory forgotten before the patch");
        using (await _client.SendAsync(HttpMethod.Delete, "memory/forget", $$"""{"memory_ids":[{{id}}]}"""))
        {
        }

        using var response = await _client.SendAsync(HttpMethod.Patch, $"memory/{id}", """{"tags":["x"]}""");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Forget_SoftDeletesAndListsOnlyWhatItDeleted()
    {
        var first = await _client.AddAsync("First memory to forget");
        var second = await _client.AddAsync("Second memory to forget");
        using var other = _emulator.CreateClient("u2");
        var foreign = await other.AddAsync("A memory of another end user");
        using (await _client.SendAsync(HttpMethod.Delete, "memory/forget", $$"""{"memory_ids":[{{first}}]}"""))
        {
        }

        using var response = await _client.SendAsync(
            HttpMethod.Delete, "memory/forget", $$"""{"memory_ids":[{{first}},{{second}},{{foreign}},999]}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.JsonAsync()).GetRawText().Should().Be($$"""{"deleted_ids":[{{second}}],"deleted":1}""");
        var all = await _emulator.Admin.GetMemoriesAsync(new MemoryFilter { IncludeDeleted = true });
        all.Should().HaveCount(3);
        all.Single(m => m.Id == second).DeletedAt.Should().NotBeNull();
        all.Single(m => m.Id == foreign).DeletedAt.Should().BeNull();
        using var get = await _client.GetAsync(new Uri($"memory/{second}", UriKind.Relative));
        get.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Forget_WithoutIds_Answers422()
    {
        using var response = await _client.SendAsync(HttpMethod.Delete, "memory/forget", """{"memory_ids":["abc"]}""");

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
    }

    [Test]
    public async Task Export_AnswersTheEndUsersLiveMemories()
    {
        var kept = await _client.AddAsync("A memory that is exported");
        var gone = await _client.AddAsync("A memory that is forgotten");
        using (await _client.SendAsync(HttpMethod.Delete, "memory/forget", $$"""{"memory_ids":[{{gone}}]}"""))
        {
        }

        using var response = await _client.GetAsync(new Uri("memory/export", UriKind.Relative));

        var body = await response.JsonAsync();
        body.GetProperty("user_id").GetString().Should().Be("u1");
        body.GetProperty("memories").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()).Should().Equal(kept);
        body.TryGetProperty("generated_at", out _).Should().BeTrue();
    }
}
