using System.Net;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Tests.Support;

namespace MemorySync.Emulator.Tests.Idempotency;

public sealed class IdempotencyTests
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
    public async Task RepeatedKey_ReplaysTheFirstAnswerAndStoresOnce()
    {
        var body = TestEmulator.Items("First item of a replayed batch", "Second item of a replayed batch");
        using var first = await _client.PostAsync("memory/bulk-add", body, idempotencyKey: "ch1:batch:1");
        using var second = await _client.PostAsync("memory/bulk-add", body, idempotencyKey: "ch1:batch:1");

        ((int)second.StatusCode).Should().Be(207);
        (await second.Content.ReadAsStringAsync()).Should().Be(await first.Content.ReadAsStringAsync());
        second.Headers.GetValues("Idempotent-Replayed").Should().Equal("true");
        (await _emulator.Admin.GetMemoriesAsync()).Should().HaveCount(2);
        (await _emulator.Admin.GetCountersAsync()).IdempotentReplays.Should().Be(1);
    }

    [Test]
    public async Task RepeatedKey_OnSingleAdd_ReplaysThe201NotASkip()
    {
        using var first = await _client.PostAsync("memory/add", """{"text":"Added once with a key"}""", "k-1");
        using var second = await _client.PostAsync("memory/add", """{"text":"Added once with a key"}""", "k-1");

        second.StatusCode.Should().Be(HttpStatusCode.Created);
        (await second.JsonAsync()).GetProperty("id").GetInt64().Should().Be(1);
    }

    [Test]
    public async Task RepeatedKeyWithDifferentBody_InReplayMode_ReplaysTheFirstAnswer()
    {
        using var first = await _client.PostAsync("memory/add", """{"text":"The first body with this key"}""", "k-2");
        using var second = await _client.PostAsync("memory/add", """{"text":"A different body with this key"}""", "k-2");

        second.StatusCode.Should().Be(HttpStatusCode.Created);
        (await second.JsonAsync()).GetProperty("text").GetString().Should().Be("The first body with this key");
        (await _emulator.Admin.GetMemoriesAsync()).Should().ContainSingle();
    }

    [Test]
    public async Task RepeatedKeyWithDifferentBody_InRejectMode_Answers409()
    {
        await _emulator.Admin.SetIdempotencyConflictModeAsync(IdempotencyConflictMode.Reject);
        using var first = await _client.PostAsync("memory/add", """{"text":"The first body with this key"}""", "k-3");
        using var same = await _client.PostAsync("memory/add", """{"text":"The first body with this key"}""", "k-3");
        using var different = await _client.PostAsync("memory/add", """{"text":"A different body with this key"}""", "k-3");

        same.StatusCode.Should().Be(HttpStatusCode.Created);
        different.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await different.JsonAsync()).GetProperty("error").GetProperty("code").GetString().Should().Be("IDEMPOTENCY_KEY_REUSED");
        (await _emulator.Admin.GetMemoriesAsync()).Should().ContainSingle();
    }

    [Test]
    public async Task SameKey_ForAnotherEndUserOrRoute_IsNotReplayed()
    {
        using var other = _emulator.CreateClient("u2");
        using var first = await _client.PostAsync("memory/add", """{"text":"Memory of the first end user"}""", "shared-key");
        using var otherUser = await other.PostAsync("memory/add", """{"text":"Memory of the second end user"}""", "shared-key");
        using var otherRoute = await _client.PostAsync("memory/bulk-add", TestEmulator.Items("Memory added in bulk"), "shared-key");

        (await otherUser.JsonAsync()).GetProperty("id").GetInt64().Should().Be(2);
        ((int)otherRoute.StatusCode).Should().Be(207);
        (await _emulator.Admin.GetMemoriesAsync()).Should().HaveCount(3);
    }

    [Test]
    public async Task ConcurrentRequestsWithOneKey_StoreOnce()
    {
        var body = TestEmulator.Items(Enumerable.Range(0, 50).Select(i => $"Concurrent batch item number {i}").ToArray());

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => _client.PostAsync("memory/bulk-add", body, "concurrent-key")));

        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        bodies.Distinct().Should().ContainSingle();
        responses.Should().OnlyContain(r => (int)r.StatusCode == 207);
        (await _emulator.Admin.GetMemoriesAsync()).Should().HaveCount(50);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Test]
    public async Task ValidationAnswer_IsRememberedForTheKey()
    {
        using var first = await _client.PostAsync("memory/add", """{"text":"short"}""", "k-4");
        using var second = await _client.PostAsync("memory/add", """{"text":"short"}""", "k-4");

        second.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        second.Headers.Contains("Idempotent-Replayed").Should().BeTrue();
    }
}
