using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MemorySync.Emulator.Admin;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MemorySync.Emulator.Tests.Webhooks;

public sealed class WebhookTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 5, 12, 0, 0, TimeSpan.Zero));
    private WebhookReceiver _receiver = null!;
    private MemorySyncEmulatorHost _emulator = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _emulator = await TestEmulator.StartAsync(options =>
        {
            options.TimeProvider = _clock;
            options.WebhookRetryBaseDelay = TimeSpan.FromSeconds(10);
            options.WebhookMaxAttempts = 3;
        });
        _client = _emulator.CreateClient("u1");
    }

    [TearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _emulator.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Test]
    public async Task Create_AnswersTheSecretOnceAndListOmitsIt()
    {
        using var created = await _client.PostAsync(
            "org/webhooks", $$"""{"name":"ops","url":"{{_receiver.Url}}","events":["memory.created"]}""");
        using var list = await _client.GetAsync(new Uri("org/webhooks", UriKind.Relative));

        created.StatusCode.Should().Be(HttpStatusCode.Created);
        var body = await created.JsonAsync();
        body.GetProperty("secret").GetString().Should().StartWith("whsec_");
        body.GetProperty("signature_config").GetProperty("header").GetString().Should().Be("X-MemorySync-Signature");
        var listed = (await list.JsonAsync()).GetProperty("webhooks");
        listed.GetArrayLength().Should().Be(1);
        listed[0].TryGetProperty("secret", out _).Should().BeFalse();

        using var deleted = await _client.SendAsync(HttpMethod.Delete, $"org/webhooks/{body.GetProperty("id").GetString()}");
        using var listAfter = await _client.GetAsync(new Uri("org/webhooks", UriKind.Relative));
        deleted.StatusCode.Should().Be(HttpStatusCode.OK);
        (await listAfter.JsonAsync()).GetProperty("webhooks").GetArrayLength().Should().Be(0);
    }

    [TestCase("""{"name":"x","url":"ftp://example.com","events":["memory.created"]}""")]
    [TestCase("""{"name":"x","url":"http://127.0.0.1/h","events":["memory.exploded"]}""")]
    [TestCase("""{"name":"x","url":"http://127.0.0.1/h","events":[]}""")]
    [TestCase("""{"url":"http://127.0.0.1/h","events":["memory.created"]}""")]
    [TestCase("""{"name":"x","url":"http://127.0.0.1/h","events":["memory.created"],"signature_config":{"algorithm":"md5"}}""")]
    public async Task Create_InvalidBody_Answers422(string json)
    {
        using var response = await _client.PostAsync("org/webhooks", json);

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
    }

    [Test]
    public async Task MemoryCreated_IsDeliveredSignedWithTheEventAndAuthHeaders()
    {
        await CreateWebhookAsync("""["memory.created"]""", secret: "s3cret-value", extra: ""","auth_header_name":"X-Hook-Token","auth_header_value":"hook-token" """);

        var id = await _client.AddAsync("A memory that fires a webhook");

        await Poll.UntilAsync(() => Task.FromResult(!_receiver.Received.IsEmpty), "the webhook arrived");
        var received = _receiver.Received.Single();
        received.Headers["X-MemorySync-Event"].Should().Be("memory.created");
        received.Headers["X-Hook-Token"].Should().Be("hook-token");
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("s3cret-value"), received.Body));
        received.Headers["X-MemorySync-Signature"].Should().Be(expected);
        using var payload = JsonDocument.Parse(received.Body);
        var root = payload.RootElement;
        root.GetProperty("event").GetString().Should().Be("memory.created");
        root.GetProperty("event_id").GetString().Should().Be(received.Headers["X-MemorySync-Event-ID"]).And.StartWith("evt_");
        root.GetProperty("data").GetProperty("memory").GetProperty("id").GetInt64().Should().Be(id);
        await Poll.UntilAsync(
            async () => (await _emulator.Admin.GetWebhookDeliveriesAsync()).SingleOrDefault()?.State == WebhookDeliveryState.Delivered,
            "the delivery is recorded as delivered");
    }

    [Test]
    public async Task BatchAndDelete_DeliverBatchCreatedAndDeletedEvents()
    {
        await CreateWebhookAsync("""["memory.batch_created","memory.deleted"]""");

        using (await _client.PostAsync("memory/bulk-add", TestEmulator.Items("Batch memory number one", "Batch memory number two")))
        using (await _client.SendAsync(HttpMethod.Delete, "memory/forget", """{"memory_ids":[1]}"""))
        {
        }

        await Poll.UntilAsync(() => Task.FromResult(_receiver.Received.Count == 2), "both webhooks arrived");
        var events = _receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        var batch = events.Single(e => e.GetProperty("event").GetString() == "memory.batch_created");
        batch.GetProperty("data").GetProperty("memory_ids").EnumerateArray().Select(i => i.GetInt64()).Should().Equal(1, 2);
        var deleted = events.Single(e => e.GetProperty("event").GetString() == "memory.deleted");
        deleted.GetProperty("data").GetProperty("memory_id").GetInt64().Should().Be(1);
    }

    [Test]
    public async Task FailedDelivery_IsRetriedWithBackoffUntilDelivered()
    {
        await CreateWebhookAsync("""["memory.created"]""");
        _receiver.AnswerNext(500, 503);

        await _client.AddAsync("A memory whose webhook is retried");

        var first = await WaitForAttemptsAsync(1);
        first.NextAttemptAt.Should().NotBeNull();
        var firstWait = first.NextAttemptAt!.Value - _clock.GetUtcNow();
        firstWait.Should().BeGreaterThan(TimeSpan.FromSeconds(7)).And.BeLessThan(TimeSpan.FromSeconds(13));
        _clock.Advance(firstWait);
        var second = await WaitForAttemptsAsync(2);
        var secondWait = second.NextAttemptAt!.Value - _clock.GetUtcNow();
        secondWait.Should().BeGreaterThan(TimeSpan.FromSeconds(15)).And.BeLessThan(TimeSpan.FromSeconds(25));
        _clock.Advance(secondWait);
        await Poll.UntilAsync(
            async () => (await _emulator.Admin.GetWebhookDeliveriesAsync()).Single().State == WebhookDeliveryState.Delivered,
            "the third attempt delivered");

        var delivery = (await _emulator.Admin.GetWebhookDeliveriesAsync()).Single();
        delivery.Attempts.Select(a => a.StatusCode).Should().Equal(500, 503, 200);
        _receiver.Received.Select(r => r.Headers["X-MemorySync-Event-ID"]).Distinct().Should().ContainSingle();
    }

    [Test]
    public async Task Gone_IsDeadLetteredAtOnce()
    {
        await CreateWebhookAsync("""["memory.created"]""");
        _receiver.AnswerNext(410);

        await _client.AddAsync("A memory whose endpoint is gone");

        await Poll.UntilAsync(
            async () => (await _emulator.Admin.GetWebhookDeliveriesAsync()).SingleOrDefault()?.State == WebhookDeliveryState.DeadLettered,
            "the delivery is dead-lettered");
        var delivery = (await _emulator.Admin.GetWebhookDeliveriesAsync()).Single();
        delivery.Attempts.Should().ContainSingle();
        delivery.DeadLetterReason.Should().Contain("410");
    }

    [Test]
    public async Task EveryAttemptFailing_IsDeadLetteredAfterTheLastOne()
    {
        await CreateWebhookAsync("""["memory.created"]""");
        _receiver.AnswerNext(500, 500, 500);

        await _client.AddAsync("A memory whose endpoint keeps failing");

        for (var attempt = 1; attempt < 3; attempt++)
        {
            var delivery = await WaitForAttemptsAsync(attempt);
            _clock.Advance(delivery.NextAttemptAt!.Value - _clock.GetUtcNow());
        }

        await Poll.UntilAsync(
            async () => (await _emulator.Admin.GetWebhookDeliveriesAsync()).Single().State == WebhookDeliveryState.DeadLettered,
            "the delivery is dead-lettered");
        (await _emulator.Admin.GetWebhookDeliveriesAsync()).Single().Attempts.Should().HaveCount(3);
    }

    [Test]
    public async Task SignatureConfig_ChangesHeaderAndEncoding()
    {
        await CreateWebhookAsync(
            """["memory.created"]""",
            secret: "another-secret",
            extra: ""","signature_config":{"header":"X-Custom-Signature","algorithm":"sha512","encoding":"base64","prefix":""}""");

        await _client.AddAsync("A memory signed differently");

        await Poll.UntilAsync(() => Task.FromResult(!_receiver.Received.IsEmpty), "the webhook arrived");
        var received = _receiver.Received.Single();
        received.Headers["X-Custom-Signature"].Should()
            .Be(Convert.ToBase64String(HMACSHA512.HashData(Encoding.UTF8.GetBytes("another-secret"), received.Body)));
    }

    [Test]
    public async Task UnsubscribedEvent_IsNotDelivered()
    {
        await CreateWebhookAsync("""["memory.deleted"]""");

        await _client.AddAsync("A memory nobody subscribed to");
        using (await _client.SendAsync(HttpMethod.Delete, "memory/forget", """{"memory_ids":[1]}"""))
        {
        }

        await Poll.UntilAsync(() => Task.FromResult(!_receiver.Received.IsEmpty), "the deletion webhook arrived");
        (await _emulator.Admin.GetWebhookDeliveriesAsync()).Select(d => d.EventType).Should().Equal("memory.deleted");
    }

    private async Task CreateWebhookAsync(string events, string secret = "test-secret", string extra = "")
    {
        using var response = await _client.PostAsync(
            "org/webhooks", $$"""{"name":"test","url":"{{_receiver.Url}}","events":{{events}},"secret":"{{secret}}"{{extra}}}""");
        var body = await response.JsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, body.GetRawText());
    }

    private async Task<WebhookDelivery> WaitForAttemptsAsync(int attempts)
    {
        WebhookDelivery? delivery = null;
        await Poll.UntilAsync(
            async () =>
            {
                delivery = (await _emulator.Admin.GetWebhookDeliveriesAsync()).SingleOrDefault();
                return delivery is not null && delivery.Attempts.Count == attempts && delivery.NextAttemptAt is not null;
            },
            $"attempt {attempts} failed and the next one is scheduled");
        return delivery!;
    }
}
