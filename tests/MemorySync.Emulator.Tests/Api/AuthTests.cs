using System.Net;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Tests.Support;

namespace MemorySync.Emulator.Tests.Api;

public sealed class AuthTests
{
    private MemorySyncEmulatorHost _emulator = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _emulator = await TestEmulator.StartAsync(options =>
    {
        options.ApiKeys = ["ms_test_good"];
        options.RevokedKeys = ["ms_test_revoked"];
        options.BearerTokens = ["good-session"];
    });

    [OneTimeTearDown]
    public async Task StopAsync() => await _emulator.DisposeAsync();

    [TestCase(null, 401, "API key missing")]
    [TestCase("ms_test_unknown", 401, "Invalid API key")]
    [TestCase(EmulatorOptions.DevelopmentApiKey, 401, "Invalid API key")]
    [TestCase("ms_test_revoked", 403, "API key revoked")]
    public async Task Request_WithBadKey_AnswersStatusAndMessage(string? key, int status, string message)
    {
        using var client = new HttpClient { BaseAddress = _emulator.BaseAddress };
        client.DefaultRequestHeaders.Add("X-End-User-ID", "u1");
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", key);
        }

        using var response = await client.PostAsync("memory/query", """{"query":"anything"}""");

        ((int)response.StatusCode).Should().Be(status);
        var body = await response.JsonAsync();
        body.GetProperty("error").GetProperty("message").GetString().Should().Be(message);
    }

    [Test]
    public async Task Request_WithInvalidBearerAndValidKey_Answers401()
    {
        using var client = _emulator.CreateClient("u1");
        client.DefaultRequestHeaders.Add("Authorization", "Bearer expired-session");

        using var response = await client.PostAsync("memory/query", """{"query":"anything"}""");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Request_WithValidBearer_NeedsNoEndUser()
    {
        using var client = new HttpClient { BaseAddress = _emulator.BaseAddress };
        client.DefaultRequestHeaders.Add("Authorization", "Bearer good-session");

        using var response = await client.PostAsync("memory/query", """{"query":"anything"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task MemoryRoute_WithoutEndUser_Answers400MissingEndUserId()
    {
        using var client = _emulator.CreateClient();

        using var response = await client.PostAsync("memory/add", """{"text":"A perfectly fine memory text"}""");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().Should().Be("MISSING_END_USER_ID");
    }

    [Test]
    public async Task ErrorBody_CarriesTheRequestIdOfTheHeader()
    {
        using var client = _emulator.CreateClient("u1");

        using var response = await client.PostAsync("memory/add", """{"text":"short"}""");

        var header = response.Headers.GetValues("X-Request-ID").Single();
        header.Should().MatchRegex("^req_[0-9a-f]{16}$");
        (await response.JsonAsync()).GetProperty("request_id").GetString().Should().Be(header);
    }

    [Test]
    public async Task ProjectHeader_IsAccepted()
    {
        using var client = _emulator.CreateClient("u1");
        client.DefaultRequestHeaders.Add("X-Project-ID", "proj_0123456789abcdef");

        using var response = await client.PostAsync("memory/query", """{"query":"anything"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.Contains("X-Request-ID").Should().BeTrue();
    }
}
