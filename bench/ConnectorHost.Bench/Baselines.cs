using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ConnectorHost.Bench;

/// <summary>The two yardsticks of issue 8: what a user writes by hand, and the limit of the emulator.</summary>
internal static class Baselines
{
    /// <summary>
    /// Baseline 1, from the MemorySync docs: read each document, <c>POST /memory/add</c> it with an Idempotency-Key,
    /// await the answer, next. A 429 is honoured by waiting its Retry-After, as the docs say.
    /// </summary>
    public static async Task<(int Items, TimeSpan Wall)> SequentialAsync(Uri emulator, string apiKey, string root, int? limit)
    {
        using var http = Client(emulator, apiKey, "baseline-1");
        var items = 0;
        var clock = Stopwatch.StartNew();
        foreach (var (path, text) in CmsTree.Read(root))
        {
            if (items == limit)
            {
                break;
            }

            var body = new JsonObject
            {
                ["text"] = text,
                ["source"] = "filesystem-cms",
                ["metadata"] = new JsonObject { ["source_id"] = path },
            };
            while (true)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "memory/add")
                {
                    Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("Idempotency-Key", "b1:" + path);
                using var response = await http.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                    continue;
                }

                response.EnsureSuccessStatusCode();
                break;
            }

            items++;
        }

        return (items, clock.Elapsed);
    }

    /// <summary>
    /// Baseline 2, the ceiling: every bulk-add payload of 50 items is serialized before the clock starts, then
    /// <paramref name="concurrency"/> workers post them as fast as the emulator answers.
    /// </summary>
    public static async Task<(int Items, int Retries, TimeSpan Wall)> BulkCeilingAsync(Uri emulator, string apiKey, string root, int concurrency)
    {
        var payloads = new List<byte[]>();
        var batch = new JsonArray();
        var items = 0;
        foreach (var (path, text) in CmsTree.Read(root))
        {
            batch.Add(new JsonObject
            {
                ["text"] = text,
                ["source"] = "filesystem-cms",
                ["metadata"] = new JsonObject { ["source_id"] = path },
            });
            items++;
            if (batch.Count == 50)
            {
                payloads.Add(Payload(batch));
                batch = [];
            }
        }

        if (batch.Count > 0)
        {
            payloads.Add(Payload(batch));
        }

        using var http = Client(emulator, apiKey, "baseline-2", concurrency);
        var next = -1;
        var retries = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < payloads.Count)
            {
                while (true)
                {
                    using var content = new ByteArrayContent(payloads[index]);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    using var request = new HttpRequestMessage(HttpMethod.Post, "memory/bulk-add") { Content = content };
                    request.Headers.Add("Idempotency-Key", $"b2:{index}");
                    using var response = await http.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        Interlocked.Increment(ref retries);
                        await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                        continue;
                    }

                    response.EnsureSuccessStatusCode();
                    break;
                }
            }
        })));
        return (items, retries, clock.Elapsed);
    }

    private static byte[] Payload(JsonArray batch) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["items"] = batch, ["deduplicate"] = false });

    private static HttpClient Client(Uri emulator, string apiKey, string endUser, int connections = 1)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections })
        {
            BaseAddress = emulator,
            Timeout = TimeSpan.FromMinutes(2),
        };
        http.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        http.DefaultRequestHeaders.Add("X-End-User-ID", endUser);
        return http;
    }
}
