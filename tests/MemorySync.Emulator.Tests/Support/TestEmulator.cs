using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MemorySync.Emulator.Hosting;

[assembly: Parallelizable(ParallelScope.Fixtures)]

namespace MemorySync.Emulator.Tests.Support;

/// <summary>Starts emulators for tests and speaks to them over real HTTP.</summary>
internal static class TestEmulator
{
    public static Task<MemorySyncEmulatorHost> StartAsync(Action<EmulatorOptions>? configure = null)
    {
        var options = new EmulatorOptions();
        configure?.Invoke(options);
        return MemorySyncEmulatorHost.StartAsync(options);
    }

    public static async Task<HttpResponseMessage> SendAsync(
        this HttpClient client, HttpMethod method, string path, string? json = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string path, string json, string? idempotencyKey = null) =>
        client.SendAsync(HttpMethod.Post, path, json, idempotencyKey);

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Adds a memory and returns its id (the add must create).</summary>
    public static async Task<long> AddAsync(this HttpClient client, string text, string extraJson = "")
    {
        using var response = await client.PostAsync("memory/add", $$"""{"text":{{JsonSerializer.Serialize(text)}}{{extraJson}}}""");
        var body = await response.JsonAsync();
        ((int)response.StatusCode).Should().Be(201, body.GetRawText());
        return body.GetProperty("id").GetInt64();
    }

    public static string Items(params string[] texts) =>
        $$"""{"items":[{{string.Join(",", texts.Select(t => $$"""{"text":{{JsonSerializer.Serialize(t)}}}"""))}}]}""";
}

/// <summary>Waits for a condition with a deadline (never for a fixed time).</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (started.Elapsed > (timeout ?? TimeSpan.FromSeconds(20)))
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }
}
