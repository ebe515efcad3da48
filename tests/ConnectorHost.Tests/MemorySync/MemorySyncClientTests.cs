using System.Text.Json;
using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.MemorySync;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Tests.MemorySync;

/// <summary>What the client sends and how it reads successful answers, against a scripted server over real HTTP.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class MemorySyncClientTests
{
    private const string Created = """{"id":42,"user_id":10,"text":"The budget for Q3 is approved.","source":"email","event_type":"financial_decision","tags":["budget"],"importance":0.9,"metadata":{"native_id":"p1"},"created_at":"2026-05-05T14:22:00+00:00","updated_at":"2026-05-05T14:22:00+00:00"}""";

    private static readonly MemoryItem s_item = new()
    {
        Text = "The budget for Q3 is approved.",
        Source = "email",
        Tags = ["budget"],
        Metadata = new Dictionary<string, object?> { ["native_id"] = "p1" },
    };

    [Test]
    public async Task AddAsync_AnyWrite_SendsKeyEndUserProjectAgentJsonAndIdempotencyHeaders()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress, o => o.ProjectId = "proj_0123456789abcdef");

        await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);

        var request = server.Received.Single();
        request.Method.Should().Be("POST");
        request.Path.Should().Be("/memory/add");
        request.Header("X-API-Key").Should().Be(harness.Options.ApiKey);
        request.Header("X-End-User-ID").Should().Be("ops-team");
        request.Header("X-Project-ID").Should().Be("proj_0123456789abcdef");
        request.Header("User-Agent").Should().Be("ConnectorHost/1.0.0");
        request.Header("Accept").Should().Be("application/json");
        request.Header("Content-Type").Should().Be("application/json");
        request.Header("Idempotency-Key").Should().StartWith("ch-", "a write without a caller's key gets one of its own");
        using var body = JsonDocument.Parse(request.Body);
        body.RootElement.GetProperty("user_id").GetString().Should().Be("ops-team");
        body.RootElement.GetProperty("text").GetString().Should().Be(s_item.Text);
    }

    [Test]
    public async Task AddAsync_CallerGivesKeyAndDeduplicate_SendsThem()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        await harness.Client.AddAsync(
            "ops-team", s_item, new MemoryWriteOptions { IdempotencyKey = "ch1:wiki:p1:v7", Deduplicate = false }, CancellationToken.None);

        var request = server.Received.Single();
        request.Header("Idempotency-Key").Should().Be("ch1:wiki:p1:v7");
        request.Header("X-Project-ID").Should().BeNull("no project is configured");
        using var body = JsonDocument.Parse(request.Body);
        body.RootElement.GetProperty("deduplicate").GetBoolean().Should().BeFalse();
    }

    [Test]
    public async Task AddAsync_TwoCallsWithoutKey_GetDifferentKeys()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(201, Created)).Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);
        await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);

        server.Received.Select(r => r.Header("Idempotency-Key")).Should().OnlyHaveUniqueItems();
    }

    [TestCase("gateway/memorysync")]
    [TestCase("gateway/memorysync/")]
    public async Task AddAsync_BaseUrlWithPathPrefix_SendsUnderThePrefix(string prefix)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(new Uri(server.BaseAddress, prefix));

        await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);

        server.Received.Single().Path.Should().Be("/gateway/memorysync/memory/add");
    }

    [Test]
    public async Task AddAsync_Created_ReturnsTheMemoryAndRequestId()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(201, Created, requestId: "req_abc"));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var result = await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);

        result.Status.Should().Be(MemoryWriteStatus.Created);
        result.RequestId.Should().Be("req_abc");
        result.Memory!.Id.Should().Be(42);
        result.Memory.Text.Should().Be("The budget for Q3 is approved.");
        result.Memory.Source.Should().Be("email");
        result.Memory.EventType.Should().Be("financial_decision");
        result.Memory.Tags.Should().Equal("budget");
        result.Memory.Importance.Should().Be(0.9);
        result.Memory.Metadata["native_id"].GetString().Should().Be("p1");
        result.Memory.CreatedAt.Should().Be(new DateTimeOffset(2026, 5, 5, 14, 22, 0, TimeSpan.Zero));
    }

    [TestCase("""{"id":"m_7","text":"Seven is the number."}""")]
    [TestCase("""{"memory_id":7,"text":"Seven is the number."}""")]
    [TestCase("""{"memory_id":"m_7","text":"Seven is the number."}""")]
    [TestCase("""{"id":"7","text":"Seven is the number."}""")]
    public async Task AddAsync_IdAsStringOrMemoryId_ReadsTheId(string answer)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(200, answer));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var result = await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);

        result.Status.Should().Be(MemoryWriteStatus.Created);
        result.Memory!.Id.Should().Be(7);
    }

    [TestCase("""{"status":"skipped","reason":"duplicate"}""", "duplicate")]
    [TestCase("""{"status":"skipped","reason":"low_value"}""", "low_value")]
    [TestCase("""{"status":"skipped"}""", "skipped")]
    public async Task AddAsync_SkippedAnswer_IsSkippedNotCreated(string answer, string reason)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(200, answer));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var result = await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);

        result.Status.Should().Be(MemoryWriteStatus.Skipped);
        result.Reason.Should().Be(reason);
        result.Memory.Should().BeNull();
    }

    [TestCase("""{"status":"ok"}""")]
    [TestCase("""{"status":"ok","memory_id":null}""")]
    public async Task AddAsync_QuotaSilentOk_IsQuotaSuppressedNotCreated(string answer)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(200, answer));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var result = await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);

        result.Status.Should().Be(MemoryWriteStatus.QuotaSuppressed);
        result.Memory.Should().BeNull();
    }

    [TestCase("""{"weird":true}""")]
    [TestCase("""{"status":"processing"}""")]
    [TestCase("not json at all")]
    [TestCase("[]")]
    public async Task AddAsync_SuccessThatCannotBeRead_ThrowsInsteadOfGuessing(string answer)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(201, answer, requestId: "req_odd"));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var failure = await harness.ThrowsAsync<MemorySyncException>(
            client => client.AddAsync("ops-team", s_item, null, CancellationToken.None));

        failure.Should().BeOfType<MemorySyncException>("an unreadable answer is neither a server nor a network failure");
        failure.StatusCode.Should().Be(201);
        failure.RequestId.Should().Be("req_odd");
        failure.Operation.Should().Be("POST /memory/add");
        failure.IsTransient.Should().BeFalse();
    }

    [Test]
    public async Task BulkAddAsync_PartialFailure_ReturnsOneResultPerItemInInputOrder()
    {
        await using var server = await ScriptedServer.StartAsync();
        // Results listed out of order, ids as strings: the index decides.
        server.Then(ScriptedResponse.Json(207, """
            {"total":3,"created":1,"skipped":1,"rejected":1,"results":[
              {"index":2,"status":"rejected","memory_ids":[],"reason":"text: at least 10 characters"},
              {"index":0,"status":"created","memory_ids":["m_11","12"],"reason":null},
              {"index":1,"status":"skipped","memory_ids":[],"reason":"duplicate"}]}
            """, requestId: "req_bulk"));
        await using var harness = ClientHarness.Create(server.BaseAddress);
        MemoryItem[] items = [s_item, s_item with { Text = "Another memory text." }, s_item with { Text = "short" }];

        var result = await harness.Client.BulkAddAsync("ops-team", items, null, CancellationToken.None);

        result.RequestId.Should().Be("req_bulk");
        result.QuotaSuppressed.Should().BeFalse();
        result.Results.Should().HaveCount(3);
        result.Results[0].Should().BeEquivalentTo(new BulkAddItemResult(0, MemoryWriteStatus.Created, [11, 12], null));
        result.Results[1].Should().BeEquivalentTo(new BulkAddItemResult(1, MemoryWriteStatus.Skipped, [], "duplicate"));
        result.Results[2].Should().BeEquivalentTo(
            new BulkAddItemResult(2, MemoryWriteStatus.Rejected, [], "text: at least 10 characters"));
        server.Received.Single().Path.Should().Be("/memory/bulk-add");
    }

    [Test]
    public async Task BulkAddAsync_QuotaSilentOk_EveryItemIsQuotaSuppressed()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(200, """{"status":"ok"}"""));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var result = await harness.Client.BulkAddAsync("ops-team", [s_item, s_item], null, CancellationToken.None);

        result.QuotaSuppressed.Should().BeTrue();
        result.Results.Select(r => r.Status).Should().Equal(MemoryWriteStatus.QuotaSuppressed, MemoryWriteStatus.QuotaSuppressed);
        result.Results.Should().OnlyContain(r => r.MemoryIds.Count == 0);
    }

    [TestCase("""{"results":[{"index":0,"status":"created","memory_ids":[1]}]}""")]
    [TestCase("""{"results":[{"index":0,"status":"created","memory_ids":[1]},{"index":0,"status":"created","memory_ids":[2]}]}""")]
    [TestCase("""{"results":[{"index":0,"status":"created","memory_ids":[1]},{"index":1,"status":"teleported"}]}""")]
    [TestCase("""{"total":2}""")]
    public async Task BulkAddAsync_AnswerThatDoesNotCoverEveryItem_Throws(string answer)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(207, answer));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var failure = await harness.ThrowsAsync<MemorySyncException>(
            client => client.BulkAddAsync("ops-team", [s_item, s_item], null, CancellationToken.None));

        failure.Should().BeOfType<MemorySyncException>();
        failure.Operation.Should().Be("POST /memory/bulk-add");
        failure.StatusCode.Should().Be(207);
    }

    [Test]
    public async Task BulkAddAsync_MoreThanFiftyItems_ThrowsWithoutSending()
    {
        await using var server = await ScriptedServer.StartAsync();
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var call = () => harness.Client.BulkAddAsync("ops-team", Enumerable.Repeat(s_item, 51).ToArray(), null, CancellationToken.None);

        await call.Should().ThrowAsync<ArgumentException>();
        server.Received.Should().BeEmpty();
    }

    [Test]
    public async Task BulkAddRawAsync_StoredBody_IsSentByteIdenticalWithTheGivenKey()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(207, """{"results":[{"index":0,"status":"created","memory_ids":[5]},{"index":1,"status":"created","memory_ids":[6]}]}"""));
        await using var harness = ClientHarness.Create(server.BaseAddress);
        var body = MemorySyncWire.SerializeBulkAdd([s_item, s_item with { Text = "A second memory text." }], deduplicate: false);

        var result = await harness.Client.BulkAddRawAsync("ops-team", body, "ch1:wiki:batch:abc", CancellationToken.None);

        result.Results.SelectMany(r => r.MemoryIds).Should().Equal(5, 6);
        var request = server.Received.Single();
        request.Body.Should().Equal(body);
        request.Header("Idempotency-Key").Should().Be("ch1:wiki:batch:abc");
        request.Header("X-End-User-ID").Should().Be("ops-team");
    }

    [Test]
    public async Task BulkAddRawAsync_NotABulkBody_ThrowsWithoutSending()
    {
        await using var server = await ScriptedServer.StartAsync();
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var call = () => harness.Client.BulkAddRawAsync("ops-team", "{\"text\":\"x\"}"u8.ToArray(), null, CancellationToken.None);

        await call.Should().ThrowAsync<ArgumentException>();
        server.Received.Should().BeEmpty();
    }

    [Test]
    public async Task QueryAsync_WithFilters_SendsThemAndReadsScoredMemories()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(200, """
            {"memories":[{"id":3,"text":"Budget approved for Q3.","score":0.92},{"memory_id":"m_4","raw_text":"Budget draft.","score":0.4}],"latency_ms":3}
            """));
        await using var harness = ClientHarness.Create(server.BaseAddress);
        var since = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var result = await harness.Client.QueryAsync(
            "ops-team", new MemoryQuery { Query = "budget", K = 2, Sources = ["email"], Tags = ["q3"], Since = since }, CancellationToken.None);

        result.Memories.Select(m => (m.Memory.Id, m.Memory.Text, m.Score)).Should().Equal(
            (3L, "Budget approved for Q3.", (double?)0.92), (4L, "Budget draft.", (double?)0.4));
        server.Received.Single().BodyText.Should().Be(
            """{"query":"budget","k":2,"filters":{"sources":["email"],"tags":["q3"],"since":"2026-01-01T00:00:00.0000000+00:00"}}""");
    }

    [Test]
    public async Task QueryAsync_QuotaSilentEmpty_ReturnsNoMemories()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(200, """{"memories":[]}"""));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var result = await harness.Client.QueryAsync("ops-team", new MemoryQuery { Query = "budget" }, CancellationToken.None);

        result.Memories.Should().BeEmpty();
    }

    [Test]
    public async Task ForgetAsync_Ids_SendsThemOnDeleteAndReadsDeletedIds()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(200, """{"deleted_ids":[1,"m_2"],"deleted":2}""", requestId: "req_forget"));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var result = await harness.Client.ForgetAsync("ops-team", [1, 2, 3], CancellationToken.None);

        result.DeletedIds.Should().Equal(1, 2);
        result.RequestId.Should().Be("req_forget");
        var request = server.Received.Single();
        request.Method.Should().Be("DELETE");
        request.Path.Should().Be("/memory/forget");
        request.BodyText.Should().Be("""{"memory_ids":[1,2,3]}""");
    }

    [TestCase("""{"deleted":2}""", new long[] { 1, 2 })]
    [TestCase("""{"deleted":1}""", new long[0])]
    public async Task ForgetAsync_OnlyACount_TrustsOnlyAFullCount(string answer, long[] expected)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(200, answer));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var result = await harness.Client.ForgetAsync("ops-team", [1, 2], CancellationToken.None);

        result.DeletedIds.Should().Equal(expected);
    }

    [Test]
    public async Task ForgetAsync_NoIds_SendsNothing()
    {
        await using var server = await ScriptedServer.StartAsync();
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var result = await harness.Client.ForgetAsync("ops-team", [], CancellationToken.None);

        result.DeletedIds.Should().BeEmpty();
        server.Received.Should().BeEmpty();
    }

    [Test]
    public async Task UpdateLabelsAsync_SomeLabels_PatchesOnlyThose()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(200, """{"id":9,"text":"Kept as it was.","tags":["a","b"],"importance":0.7}"""));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var memory = await harness.Client.UpdateLabelsAsync(
            "ops-team", 9, new MemoryLabels { Tags = ["a", "b"], Importance = 0.7 }, CancellationToken.None);

        memory.Id.Should().Be(9);
        memory.Tags.Should().Equal("a", "b");
        var request = server.Received.Single();
        request.Method.Should().Be("PATCH");
        request.Path.Should().Be("/memory/9");
        request.BodyText.Should().Be("""{"tags":["a","b"],"importance":0.7}""");
    }

    [Test]
    public async Task GetAsync_Existing_ReadsTheMemory()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(200, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var memory = await harness.Client.GetAsync("ops-team", 42, CancellationToken.None);

        memory.Id.Should().Be(42);
        server.Received.Single().Path.Should().Be("/memory/42");
        server.Received.Single().Method.Should().Be("GET");
    }

    [Test]
    public async Task GetHealthAsync_Healthy_ReadsComponentsAndSendsNoKey()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(200, """{"status":"ok","db":"healthy","vector_db":"healthy","cache":"degraded"}"""));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var health = await harness.Client.GetHealthAsync(CancellationToken.None);

        health.IsHealthy.Should().BeTrue();
        health.Components.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["db"] = "healthy", ["vector_db"] = "healthy", ["cache"] = "degraded",
        });
        server.Received.Single().Header("X-API-Key").Should().BeNull("/health needs no authentication");
    }

    [Test]
    public async Task GetHealthAsync_ServiceDown_ThrowsAtOnceWithoutRetrying()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Fallback = _ => ScriptedResponse.Json(503, """{"status":"degraded","db":"unhealthy"}""");
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var failure = await harness.ThrowsAsync<MemorySyncServerException>(client => client.GetHealthAsync(CancellationToken.None));

        failure.StatusCode.Should().Be(503);
        server.Received.Should().HaveCount(1);
    }

    [Test]
    public async Task AddAsync_EveryAttempt_LogsOneDebugLineWithoutHeadersOrBody()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(503, "{}", requestId: "req_1")).Then(ScriptedResponse.Json(201, Created, requestId: "req_2"));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);

        var lines = harness.Logs.Entries
            .Where(e => e.Category == typeof(MemorySyncAttemptHandler).FullName && e.Level == LogLevel.Debug)
            .Select(e => e.Message)
            .ToList();
        lines.Should().HaveCount(2);
        lines[0].Should().Contain("POST /memory/add").And.Contain("503").And.Contain("req_1").And.Contain("attempt 1");
        lines[1].Should().Contain("POST /memory/add").And.Contain("201").And.Contain("req_2").And.Contain("attempt 2");
        harness.Logs.Entries.Should().NotContain(e => e.Text.Contains(s_item.Text, StringComparison.Ordinal), "bodies are never logged");
    }

    [Test]
    public async Task AddAsync_RetryAfterAServerError_LogsOneWarningLineWithoutAStackTrace()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(503, "{}")).Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);

        var warning = harness.Logs.Entries.Should()
            .ContainSingle(e => e.Level == LogLevel.Warning && e.Category == typeof(MemorySyncClient).FullName).Subject;
        warning.Message.Should().Contain("POST /memory/add").And.Contain("HTTP 503").And.Contain("retry 1 of 4");
        warning.Exception.Should().BeNull("a retry is routine: one line, no stack trace");
    }
}
