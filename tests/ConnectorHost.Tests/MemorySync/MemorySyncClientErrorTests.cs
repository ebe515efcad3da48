using System.Net;
using System.Net.Sockets;
using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Tests.MemorySync;

/// <summary>Error answers, their mapping to the contract's exceptions, and which of them are retried.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class MemorySyncClientErrorTests
{
    private const string Created = """{"id":1,"text":"A memory worth keeping."}""";

    private static readonly MemoryItem s_item = new() { Text = "A memory worth keeping." };

    public static IEnumerable<TestCaseData> ErrorAnswers()
    {
        yield return new TestCaseData(
            401, """{"error":{"code":"UNAUTHORIZED","message":"Invalid API key"},"request_id":"req_body"}""",
            typeof(MemorySyncAuthException), "UNAUTHORIZED", "Invalid API key", Array.Empty<string>())
            .SetName("Envelope 401 is an auth failure");
        yield return new TestCaseData(
            403, """{"error":"Forbidden","message":"API key revoked","request_id":"req_body"}""",
            typeof(MemorySyncAuthException), "Forbidden", "API key revoked", Array.Empty<string>())
            .SetName("Flat 403 is an auth failure");
        yield return new TestCaseData(
            403, """{"detail":"Insufficient scope. Missing: projects:read"}""",
            typeof(MemorySyncAuthException), null, "Insufficient scope. Missing: projects:read", Array.Empty<string>())
            .SetName("FastAPI string 403 is an auth failure");
        yield return new TestCaseData(
            404, """{"detail":"Memory not found"}""",
            typeof(MemorySyncNotFoundException), null, "Memory not found", Array.Empty<string>())
            .SetName("404 is not found");
        yield return new TestCaseData(
            400, """{"error":{"code":"MISSING_END_USER_ID","message":"X-End-User-ID header is required"},"request_id":"req_body"}""",
            typeof(MemorySyncValidationException), "MISSING_END_USER_ID", "X-End-User-ID header is required", Array.Empty<string>())
            .SetName("Envelope 400 is a validation failure");
        yield return new TestCaseData(
            409, """{"error":{"code":"IDEMPOTENCY_CONFLICT","message":"Key reused with a different body"}}""",
            typeof(MemorySyncValidationException), "IDEMPOTENCY_CONFLICT", "Key reused with a different body", Array.Empty<string>())
            .SetName("409 is a validation failure");
        yield return new TestCaseData(
            422, """{"error":{"code":"VALIDATION_ERROR","message":"text: at least 10 characters","details":[{"loc":["body","text"],"msg":"at least 10 characters","type":"value_error"}]},"request_id":"req_body"}""",
            typeof(MemorySyncValidationException), "VALIDATION_ERROR", "text: at least 10 characters", new[] { "text: at least 10 characters" })
            .SetName("Envelope 422 carries field details");
        yield return new TestCaseData(
            422, """{"detail":[{"loc":["body","importance"],"msg":"less than or equal to 1","type":"value_error"},{"loc":["body","text"],"msg":"Field required","type":"missing"}]}""",
            typeof(MemorySyncValidationException), null, "importance: less than or equal to 1", new[] { "importance: less than or equal to 1", "text: Field required" })
            .SetName("FastAPI list 422 carries field details");
        yield return new TestCaseData(
            422, """{"detail":{"error":"invalid_metadata","message":"metadata too large"}}""",
            typeof(MemorySyncValidationException), "invalid_metadata", "metadata too large", Array.Empty<string>())
            .SetName("FastAPI object 422 carries its code");
    }

    [TestCaseSource(nameof(ErrorAnswers))]
    public async Task AddAsync_ErrorAnswer_ThrowsTheMappedExceptionWithoutRetrying(
        int status, string body, Type expected, string? code, string message, string[] details)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Fallback = _ => ScriptedResponse.Json(status, body, requestId: "req_header");
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var failure = await harness.ThrowsAsync<MemorySyncException>(
            client => client.AddAsync("ops-team", s_item, null, CancellationToken.None));

        failure.Should().BeOfType(expected);
        failure.StatusCode.Should().Be(status);
        failure.ErrorCode.Should().Be(code);
        failure.ServerMessage.Should().Be(message);
        failure.Details.Should().Equal(details);
        failure.RequestId.Should().Be("req_header", "the X-Request-ID header is kept on every exception");
        failure.Operation.Should().Be("POST /memory/add");
        failure.IsTransient.Should().BeFalse();
        failure.Message.Should().Contain(status.ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain(message);
        server.Received.Should().HaveCount(1, $"{status} is never retried");
    }

    [Test]
    public async Task AddAsync_ErrorWithoutRequestIdHeader_TakesTheBodysRequestId()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Fallback = _ => ScriptedResponse.Json(
            422, """{"error":{"code":"VALIDATION_ERROR","message":"bad"},"request_id":"req_from_body"}""", requestId: null);
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var failure = await harness.ThrowsAsync<MemorySyncValidationException>(
            client => client.AddAsync("ops-team", s_item, null, CancellationToken.None));

        failure.RequestId.Should().Be("req_from_body");
    }

    [TestCase(500)]
    [TestCase(502)]
    [TestCase(503)]
    [TestCase(504)]
    [TestCase(408)]
    public async Task AddAsync_TransientStatusThenSuccess_RetriesAndSucceeds(int status)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(status, """{"detail":"try again"}""")).Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var result = await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);

        result.Status.Should().Be(MemoryWriteStatus.Created);
        server.Received.Should().HaveCount(2);
    }

    [Test]
    public async Task AddAsync_ServerErrorEveryTime_ThrowsServerExceptionAfterMaxRetries()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Fallback = _ => ScriptedResponse.Json(503, """{"error":{"code":"SERVICE_UNAVAILABLE","message":"database down"}}""", "req_down");
        await using var harness = ClientHarness.Create(server.BaseAddress, o => o.MaxRetries = 3);

        var failure = await harness.ThrowsAsync<MemorySyncServerException>(
            client => client.AddAsync("ops-team", s_item, null, CancellationToken.None));

        failure.StatusCode.Should().Be(503);
        failure.ErrorCode.Should().Be("SERVICE_UNAVAILABLE");
        failure.RequestId.Should().Be("req_down");
        failure.IsTransient.Should().BeTrue();
        server.Received.Should().HaveCount(4, "one attempt and three retries");
    }

    [Test]
    public async Task AddAsync_NonJsonServerError_KeepsTheTextAsMessage()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Fallback = _ => new ScriptedResponse
        {
            Status = 502, Body = "<html><body>Bad Gateway</body></html>", ContentType = "text/html",
        };
        await using var harness = ClientHarness.Create(server.BaseAddress, o => o.MaxRetries = 1);

        var failure = await harness.ThrowsAsync<MemorySyncServerException>(
            client => client.AddAsync("ops-team", s_item, null, CancellationToken.None));

        failure.ServerMessage.Should().Be("<html><body>Bad Gateway</body></html>");
        failure.RequestId.Should().BeNull();
    }

    [Test]
    public async Task AddAsync_UnexpectedStatus_ThrowsBaseExceptionWithoutRetrying()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Fallback = _ => ScriptedResponse.Json(302, "{}").WithHeader("Location", "https://elsewhere.example/");
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var failure = await harness.ThrowsAsync<MemorySyncException>(
            client => client.AddAsync("ops-team", s_item, null, CancellationToken.None));

        failure.Should().BeOfType<MemorySyncException>();
        failure.StatusCode.Should().Be(302, "redirects are not followed: they would carry the key elsewhere");
        server.Received.Should().HaveCount(1);
    }

    [Test]
    public async Task AddAsync_ConnectionDroppedOnce_RetriesWithTheSameBodyAndKey()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Dropped()).Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        var result = await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);

        result.Status.Should().Be(MemoryWriteStatus.Created);
        server.Received.Should().HaveCount(2);
        server.Received[1].Body.Should().Equal(server.Received[0].Body);
        server.Received[1].Header("Idempotency-Key").Should().NotBeNull().And.Be(server.Received[0].Header("Idempotency-Key"));
    }

    [Test]
    public async Task BulkAddAsync_RetriedAfterServerErrors_EveryAttemptCarriesTheCallersKeyAndBytes()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(500, "{}")).Then(ScriptedResponse.Dropped())
            .Then(ScriptedResponse.Json(207, """{"results":[{"index":0,"status":"created","memory_ids":[1]}]}"""));
        await using var harness = ClientHarness.Create(server.BaseAddress);

        await harness.Client.BulkAddAsync("ops-team", [s_item], new MemoryWriteOptions { IdempotencyKey = "batch-1" }, CancellationToken.None);

        server.Received.Should().HaveCount(3);
        server.Received.Select(r => r.Header("Idempotency-Key")).Should().AllBe("batch-1");
        server.Received.Select(r => r.BodyText).Distinct().Should().ContainSingle();
    }

    [Test]
    public async Task AddAsync_ConnectionDroppedEveryTime_ThrowsNetworkException()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Fallback = _ => ScriptedResponse.Dropped();
        await using var harness = ClientHarness.Create(server.BaseAddress, o => o.MaxRetries = 2);

        var failure = await harness.ThrowsAsync<MemorySyncNetworkException>(
            client => client.AddAsync("ops-team", s_item, null, CancellationToken.None));

        failure.StatusCode.Should().BeNull();
        failure.IsTransient.Should().BeTrue();
        failure.Operation.Should().Be("POST /memory/add");
        server.Received.Should().HaveCount(3);
    }

    [Test]
    public async Task AddAsync_NothingListening_ThrowsNetworkException()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        // Bound but not listening: connections are refused.
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        await using var harness = ClientHarness.Create(new Uri($"http://127.0.0.1:{port}/"), o => o.MaxRetries = 1);

        var failure = await harness.ThrowsAsync<MemorySyncNetworkException>(
            client => client.AddAsync("ops-team", s_item, null, CancellationToken.None));

        failure.StatusCode.Should().BeNull();
        failure.InnerException.Should().NotBeNull();
    }

    [Test]
    public async Task AddAsync_AttemptTimesOut_RetriesAndSucceeds()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var never = new TaskCompletionSource();
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(201, Created) with { HoldUntil = never.Task }).Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress, o => o.RequestTimeout = TimeSpan.FromSeconds(30), time);

        var call = harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);
        await Eventually.TrueAsync(() => server.Received.Count == 1, "the first attempt reached the server");
        time.Advance(TimeSpan.FromSeconds(31));
        var result = await call;

        result.Status.Should().Be(MemoryWriteStatus.Created);
        server.Received.Should().HaveCount(2);
        server.Received[1].Header("Idempotency-Key").Should().Be(server.Received[0].Header("Idempotency-Key"));
    }

    [Test]
    public async Task AddAsync_EveryAttemptTimesOut_ThrowsNetworkExceptionNamingTheTimeout()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var never = new TaskCompletionSource();
        await using var server = await ScriptedServer.StartAsync();
        server.Fallback = _ => ScriptedResponse.Json(201, Created) with { HoldUntil = never.Task };
        await using var harness = ClientHarness.Create(
            server.BaseAddress, o => { o.RequestTimeout = TimeSpan.FromSeconds(5); o.MaxRetries = 1; }, time);

        var call = harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);
        await Eventually.TrueAsync(() => server.Received.Count == 1, "the first attempt reached the server");
        time.Advance(TimeSpan.FromSeconds(6));
        await Eventually.TrueAsync(() => server.Received.Count == 2, "the retry reached the server");
        time.Advance(TimeSpan.FromSeconds(6));
        var failure = await harness.ThrowsAsync<MemorySyncNetworkException>(_ => call);

        failure.Message.Should().Contain("no answer within 5 s");
        failure.StatusCode.Should().BeNull();
    }

    [Test]
    public async Task AddAsync_CallerCancels_ThrowsOperationCanceledNotANetworkFailure()
    {
        var never = new TaskCompletionSource();
        await using var server = await ScriptedServer.StartAsync();
        server.Fallback = _ => ScriptedResponse.Json(201, Created) with { HoldUntil = never.Task };
        await using var harness = ClientHarness.Create(server.BaseAddress);
        using var cancel = new CancellationTokenSource();

        var call = harness.Client.AddAsync("ops-team", s_item, null, cancel.Token);
        await Eventually.TrueAsync(() => server.Received.Count == 1, "the request reached the server");
        await cancel.CancelAsync();

        await call.Awaiting(c => c).Should().ThrowAsync<OperationCanceledException>();
        server.Received.Should().HaveCount(1, "a cancelled call is not retried");
    }

    [Test]
    public async Task AddAsync_ServerEchoesTheKey_NoExceptionTextCarriesIt()
    {
        var key = ClientHarness.NewApiKey();
        await using var server = await ScriptedServer.StartAsync();
        server.Fallback = request => ScriptedResponse.Json(
            401, $$$"""{"error":{"code":"UNAUTHORIZED","message":"Invalid API key {{{request.Header("X-API-Key")}}}","details":["key {{{key}}} is unknown"]}}""");
        await using var harness = ClientHarness.Create(server.BaseAddress, key);

        var failure = await harness.ThrowsAsync<MemorySyncAuthException>(
            client => client.AddAsync("ops-team", s_item, null, CancellationToken.None));

        failure.ServerMessage.Should().Be("Invalid API key [redacted]");
        failure.Details.Should().Equal("key [redacted] is unknown");
        failure.ToString().Should().NotContain(key);
    }
}
