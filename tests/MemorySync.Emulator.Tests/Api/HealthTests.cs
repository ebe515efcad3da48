using System.Net;
using MemorySync.Emulator.Tests.Support;

namespace MemorySync.Emulator.Tests.Api;

public sealed class HealthTests
{
    [Test]
    public async Task Health_WithoutKey_AnswersOk()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = new HttpClient { BaseAddress = emulator.BaseAddress };

        using var response = await client.GetAsync(new Uri("health", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.JsonAsync()).GetRawText().Should().Be("""{"status":"ok","db":"healthy","vector_db":"healthy","cache":"healthy"}""");
    }

    [Test]
    public async Task Health_WhenMarkedDown_Answers503AndApiAnswers503()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.SetServiceDownAsync(true);

        using var health = await client.GetAsync(new Uri("health", UriKind.Relative));
        using var add = await client.PostAsync("memory/add", """{"text":"Stored while the database is down"}""");

        health.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await health.JsonAsync()).GetProperty("db").GetString().Should().Be("unhealthy");
        add.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await emulator.Admin.GetMemoriesAsync()).Should().BeEmpty();

        await emulator.Admin.SetServiceDownAsync(false);
        using var healthAgain = await client.GetAsync(new Uri("health", UriKind.Relative));
        healthAgain.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
