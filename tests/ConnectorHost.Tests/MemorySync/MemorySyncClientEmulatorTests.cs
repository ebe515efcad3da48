using System.Collections.Concurrent;
using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.MemorySync;
using ConnectorHost.Testing;
using MemorySync.Emulator.Admin;
using MemorySync.Emulator.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Tests.MemorySync;

/// <summary>The client against the MemorySync emulator over real HTTP: what arrives, faults, limits, fairness.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class MemorySyncClientEmulatorTests
{
    private const string User = "ops-team";

    private static readonly DateTimeOffset s_start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task Client_AddGetQueryUpdateForget_RoundTripsThroughTheService()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);
        var client = harness.Client;

        var added = await client.AddAsync(User, Item("Deploys happen on Tuesdays after the standup.", "page-1"), null, CancellationToken.None);
        var id = added.Memory!.Id;
        var fetched = await client.GetAsync(User, id, CancellationToken.None);
        var found = await client.QueryAsync(User, new MemoryQuery { Query = "deploys tuesdays", K = 3 }, CancellationToken.None);
        var updated = await client.UpdateLabelsAsync(User, id, new MemoryLabels { Tags = ["Ops", "release"], Importance = 0.8 }, CancellationToken.None);
        var forgotten = await client.ForgetAsync(User, [id], CancellationToken.None);

        added.Status.Should().Be(MemoryWriteStatus.Created);
        added.RequestId.Should().StartWith("req_");
        fetched.Text.Should().Be("Deploys happen on Tuesdays after the standup.");
        fetched.Metadata["native_id"].GetString().Should().Be("page-1");
        found.Memories.Should().ContainSingle().Which.Memory.Id.Should().Be(id);
        found.Memories[0].Score.Should().BeInRange(0, 1);
        updated.Tags.Should().BeEquivalentTo("ops", "release");
        updated.Importance.Should().Be(0.8);
        forgotten.DeletedIds.Should().Equal(id);
        var stored = await emulator.Admin.GetMemoryAsync(id);
        stored!.IsDeleted.Should().BeTrue();
        stored.EndUserId.Should().Be(User);
    }

    [Test]
    public async Task AddAsync_SameTextTwice_SecondIsSkippedAsDuplicateWithoutAMemory()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);

        await harness.Client.AddAsync(User, Item("The VPN certificate renews every March.", "a"), null, CancellationToken.None);
        var second = await harness.Client.AddAsync(User, Item("The VPN certificate renews every March.", "b"), null, CancellationToken.None);

        second.Status.Should().Be(MemoryWriteStatus.Skipped);
        second.Reason.Should().Be("duplicate");
        second.Memory.Should().BeNull();
        (await emulator.Admin.GetMemoriesAsync()).Should().ContainSingle();
    }

    [Test]
    public async Task AddAsync_LowValueFiller_IsSkippedWithItsReason()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);

        var result = await harness.Client.AddAsync(User, new MemoryItem { Text = "Thanks, thank you!" }, null, CancellationToken.None);

        result.Status.Should().Be(MemoryWriteStatus.Skipped);
        result.Reason.Should().Be("low_value");
    }

    [TestCase(ErrorShape.Envelope)]
    [TestCase(ErrorShape.Flat)]
    [TestCase(ErrorShape.Detail)]
    public async Task AddAsync_TextTooShort_IsAValidationFailureWithFieldDetailsInEveryErrorShape(ErrorShape shape)
    {
        await using var emulator = await StartEmulatorAsync(o => o.ErrorShape = shape);
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);

        var failure = await harness.ThrowsAsync<MemorySyncValidationException>(
            client => client.AddAsync(User, new MemoryItem { Text = "short" }, null, CancellationToken.None));

        failure.StatusCode.Should().Be(422);
        failure.RequestId.Should().StartWith("req_");
        failure.Details.Should().ContainSingle().Which.Should().StartWith("text");
        (await emulator.Admin.GetRequestsAsync()).Should().ContainSingle("validation failures are not retried");
    }

    [TestCase(ErrorShape.Envelope)]
    [TestCase(ErrorShape.Flat)]
    [TestCase(ErrorShape.Detail)]
    public async Task GetAsync_UnknownMemory_IsNotFoundInEveryErrorShape(ErrorShape shape)
    {
        await using var emulator = await StartEmulatorAsync(o => o.ErrorShape = shape);
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);

        var failure = await harness.ThrowsAsync<MemorySyncNotFoundException>(client => client.GetAsync(User, 999, CancellationToken.None));

        failure.StatusCode.Should().Be(404);
        failure.Operation.Should().Be("GET /memory/{id}");
        failure.ServerMessage.Should().NotBeNullOrEmpty();
    }

    [Test]
    public async Task AddAsync_UnknownKey_IsAnAuthFailureThatNamesNoKey()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var harness = ClientHarness.Create(emulator.BaseAddress, ClientHarness.NewApiKey());

        var failure = await harness.ThrowsAsync<MemorySyncAuthException>(
            client => client.AddAsync(User, Item("A perfectly fine memory text.", "x"), null, CancellationToken.None));

        failure.StatusCode.Should().Be(401);
        failure.Message.Should().Contain("memorySync.apiKey");
        (await emulator.Admin.GetRequestsAsync()).Should().ContainSingle("auth failures are not retried");
    }

    [Test]
    public async Task AddAsync_RevokedKey_IsAnAuthFailure()
    {
        var revoked = ClientHarness.NewApiKey();
        await using var emulator = await StartEmulatorAsync(o => o.RevokedKeys.Add(revoked));
        await using var harness = ClientHarness.Create(emulator.BaseAddress, revoked);

        var failure = await harness.ThrowsAsync<MemorySyncAuthException>(
            client => client.AddAsync(User, Item("A perfectly fine memory text.", "x"), null, CancellationToken.None));

        failure.StatusCode.Should().Be(403);
    }

    [Test]
    public async Task BulkAddAsync_ValidDuplicateAndInvalidItems_ReportsEachInInputOrder()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);
        MemoryItem[] items =
        [
            Item("Onboarding starts with the security briefing.", "1"),
            Item("short", "2"),
            Item("Onboarding starts with the security briefing.", "3"),
            Item("Laptops are refreshed every three years.", "4"),
        ];

        var result = await harness.Client.BulkAddAsync(User, items, null, CancellationToken.None);

        result.Results.Select(r => r.Status).Should().Equal(
            MemoryWriteStatus.Created, MemoryWriteStatus.Rejected, MemoryWriteStatus.Skipped, MemoryWriteStatus.Created);
        result.Results[1].Reason.Should().Contain("text");
        result.Results[0].MemoryIds.Should().ContainSingle();
        result.Results[3].MemoryIds.Should().ContainSingle();
        var stored = await emulator.Admin.GetMemoriesAsync();
        stored.Select(m => m.Id).Should().BeEquivalentTo(result.Results.SelectMany(r => r.MemoryIds));
    }

    [TestCase(IdStyle.Prefixed)]
    [TestCase(IdStyle.MemoryId)]
    public async Task Client_IdsWrittenAsStringsOrMemoryId_ReadsThemEverywhere(IdStyle style)
    {
        await using var emulator = await StartEmulatorAsync(o => o.IdStyle = style);
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);

        var added = await harness.Client.AddAsync(User, Item("Expense reports are due on the fifth.", "1"), null, CancellationToken.None);
        var bulk = await harness.Client.BulkAddAsync(User, [Item("The office closes at six on Fridays.", "2")], null, CancellationToken.None);
        var found = await harness.Client.QueryAsync(User, new MemoryQuery { Query = "expense reports" }, CancellationToken.None);
        var forgotten = await harness.Client.ForgetAsync(User, [added.Memory!.Id, bulk.Results[0].MemoryIds[0]], CancellationToken.None);

        var stored = (await emulator.Admin.GetMemoriesAsync(new MemoryFilter { IncludeDeleted = true })).Select(m => m.Id).ToList();
        stored.Should().BeEquivalentTo([added.Memory.Id, bulk.Results[0].MemoryIds[0]]);
        found.Memories.Select(m => m.Memory.Id).Should().Contain(added.Memory.Id);
        forgotten.DeletedIds.Should().BeEquivalentTo(stored);
    }

    [Test]
    public async Task Writes_QuotaSilent_AreQuotaSuppressedNotCreated()
    {
        await using var emulator = await StartEmulatorAsync(o => o.Quota = QuotaMode.Silent);
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);

        var single = await harness.Client.AddAsync(User, Item("Quarterly review happens in April.", "1"), null, CancellationToken.None);
        var bulk = await harness.Client.BulkAddAsync(
            User, [Item("Budget freeze starts in November.", "2"), Item("Holiday calendar is on the wiki.", "3")], null, CancellationToken.None);

        single.Status.Should().Be(MemoryWriteStatus.QuotaSuppressed);
        bulk.QuotaSuppressed.Should().BeTrue();
        bulk.Results.Should().HaveCount(2).And.OnlyContain(r => r.Status == MemoryWriteStatus.QuotaSuppressed);
        (await emulator.Admin.GetMemoriesAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task AddAsync_QuotaStrict_ThrowsQuotaRateLimitWithoutRetrying()
    {
        await using var emulator = await StartEmulatorAsync(o => o.Quota = QuotaMode.Strict);
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);

        var failure = await harness.ThrowsAsync<MemorySyncRateLimitException>(
            client => client.AddAsync(User, Item("Quarterly review happens in April.", "1"), null, CancellationToken.None));

        failure.IsQuota.Should().BeTrue();
        (await emulator.Admin.GetRequestsAsync()).Should().ContainSingle();
    }

    [Test]
    public async Task BulkAddAsync_AnswerLostAfterProcessing_RetryIsReplayedNotStoredTwice()
    {
        await using var emulator = await StartEmulatorAsync();
        await emulator.Admin.ScriptFaultsAsync(new FaultRule
        {
            Route = "/memory/bulk-add", Kind = FaultKind.Error, Phase = FaultPhase.After, Statuses = [503],
        });
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);
        MemoryItem[] items = [Item("Incident reviews are blameless.", "1"), Item("On-call rotates every Monday.", "2")];

        var result = await harness.Client.BulkAddAsync(User, items, new MemoryWriteOptions { IdempotencyKey = "ch1:wiki:batch:1" }, CancellationToken.None);

        result.Results.Should().OnlyContain(r => r.Status == MemoryWriteStatus.Created, "the retry gets the first answer replayed");
        var stored = await emulator.Admin.GetMemoriesAsync();
        stored.Should().HaveCount(2, "the write that lost its answer is stored once");
        stored.Select(m => m.Id).Should().BeEquivalentTo(result.Results.SelectMany(r => r.MemoryIds));
        var requests = await emulator.Admin.GetRequestsAsync();
        requests.Should().HaveCount(2);
        requests.Should().OnlyContain(r => r.IdempotencyKey == "ch1:wiki:batch:1");
        requests.Should().ContainSingle(r => r.Replayed);
    }

    [Test]
    public async Task AddAsync_ConnectionDroppedAfterProcessingWithoutCallersKey_RetryIsReplayedNotStoredTwice()
    {
        await using var emulator = await StartEmulatorAsync();
        await emulator.Admin.ScriptFaultsAsync(new FaultRule { Route = "/memory/add", Kind = FaultKind.Drop, Phase = FaultPhase.After });
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);

        var result = await harness.Client.AddAsync(User, Item("Design reviews need two approvals.", "1"), null, CancellationToken.None);

        result.Status.Should().Be(MemoryWriteStatus.Created, "the client's own key makes the retry a replay, not a duplicate");
        (await emulator.Admin.GetMemoriesAsync()).Should().ContainSingle().Which.Id.Should().Be(result.Memory!.Id);
        var requests = await emulator.Admin.GetRequestsAsync();
        requests.Should().HaveCount(2);
        requests.Select(r => r.IdempotencyKey).Distinct().Should().ContainSingle().Which.Should().NotBeNull();
    }

    [Test]
    public async Task AddAsync_ServerErrorsBeforeProcessing_AreRetriedUntilStored()
    {
        await using var emulator = await StartEmulatorAsync();
        await emulator.Admin.ScriptFaultsAsync(
            new FaultRule { Route = "/memory/add", Kind = FaultKind.Error, Statuses = [502], Count = 2 });
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);

        var result = await harness.Client.AddAsync(User, Item("Backups are tested monthly.", "1"), null, CancellationToken.None);

        result.Status.Should().Be(MemoryWriteStatus.Created);
        (await emulator.Admin.GetRequestsAsync()).Select(r => r.Status).Should().Equal(502, 502, 201);
    }

    [Test]
    public async Task AddAsync_ServiceDown_ThrowsServerExceptionAfterRetries()
    {
        await using var emulator = await StartEmulatorAsync();
        await emulator.Admin.SetServiceDownAsync(true);
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey, o => o.MaxRetries = 2);

        var failure = await harness.ThrowsAsync<MemorySyncServerException>(
            client => client.AddAsync(User, Item("Backups are tested monthly.", "1"), null, CancellationToken.None));
        var health = await harness.ThrowsAsync<MemorySyncServerException>(client => client.GetHealthAsync(CancellationToken.None));

        failure.StatusCode.Should().Be(503);
        failure.RequestId.Should().StartWith("req_");
        health.StatusCode.Should().Be(503);
        (await emulator.Admin.GetRequestsAsync()).Count(r => r.Route.Contains("/memory/add", StringComparison.Ordinal)).Should().Be(3);
    }

    [Test]
    public async Task GetHealthAsync_Up_IsHealthy()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey);

        var health = await harness.Client.GetHealthAsync(CancellationToken.None);

        health.IsHealthy.Should().BeTrue();
        health.Components["db"].Should().Be("healthy");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AddAsync_RateLimitFault_WaitsOutTheRetryAfterThenStoresOnce(bool asHttpDate)
    {
        var time = new FakeTimeProvider(s_start);
        await using var emulator = await StartEmulatorAsync(o => o.TimeProvider = time);
        await emulator.Admin.ScriptFaultsAsync(new FaultRule
        {
            Route = "/memory/add", Kind = FaultKind.RateLimit, RetryAfterSeconds = 40, RetryAfterAsHttpDate = asHttpDate,
        });
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey, timeProvider: time);

        var call = harness.Client.AddAsync(User, Item("Security training is due in May.", "1"), null, CancellationToken.None);
        await Eventually.TrueAsync(() => harness.Gate.HoldingUntil is not null, "the client holds after the 429");
        harness.Gate.HoldingUntil.Should().Be(s_start + TimeSpan.FromSeconds(40));
        time.Advance(TimeSpan.FromSeconds(40));
        var result = await call;

        result.Status.Should().Be(MemoryWriteStatus.Created);
        (await emulator.Admin.GetRequestsAsync()).Select(r => r.Status).Should().Equal(429, 201);
        (await emulator.Admin.GetMemoriesAsync()).Should().ContainSingle();
    }

    [Test]
    public async Task AddAsync_RateLimitFaultOverTheMaximum_ThrowsAtOnceWithTheWait()
    {
        var time = new FakeTimeProvider(s_start);
        await using var emulator = await StartEmulatorAsync(o => o.TimeProvider = time);
        await emulator.Admin.ScriptFaultsAsync(new FaultRule { Route = "/memory/add", Kind = FaultKind.RateLimit, RetryAfterSeconds = 121 });
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey, timeProvider: time);

        var failure = await harness.ThrowsAsync<MemorySyncRateLimitException>(
            client => client.AddAsync(User, Item("Security training is due in May.", "1"), null, CancellationToken.None));

        failure.RetryAfter.Should().Be(TimeSpan.FromSeconds(121));
        failure.ErrorCode.Should().Be("RATE_LIMIT_EXCEEDED");
        (await emulator.Admin.GetRequestsAsync()).Should().ContainSingle();
    }

    [Test]
    public async Task Burst_AgainstAProTierService_TheClientLimiterKeeps429sToAHandful()
    {
        await using var emulator = await StartEmulatorAsync(o => o.Tier = EmulatorTier.Pro);
        await using var harness = ClientHarness.Create(emulator.BaseAddress, emulator.ApiKey, o => o.Tier = MemorySyncTier.Pro);

        var calls = Enumerable.Range(0, 24)
            .Select(i => harness.Client.AddAsync(User, Item($"Burst memory number {i} for the limiter.", $"b{i}"), null, CancellationToken.None))
            .ToList();
        var results = await Task.WhenAll(calls);

        results.Should().OnlyContain(r => r.Status == MemoryWriteStatus.Created);
        var counters = await emulator.Admin.GetCountersAsync();
        counters.RateLimited.Should().BeLessThanOrEqualTo(3, "the client paces itself under the tier's windows");
        counters.ItemsCreated.Should().Be(24);
    }

    [Test]
    public async Task Lanes_SmallConnectorDuringABigSync_FinishesLongBeforeTheBigOne()
    {
        await using var emulator = await StartEmulatorAsync();
        // A limiter the big lane saturates: 10 requests a second, nothing else. Its first 10 go out at once, the
        // next 10 a second later, and so on: the big lane alone would take three windows.
        await using var harness = ClientHarness.Create(
            emulator.BaseAddress, emulator.ApiKey, o => o.Limits = new MemorySyncLimits { PerSecond = 10 });
        var finished = new ConcurrentQueue<string>();

        var big = new List<Task>();
        using (MemorySyncLane.Enter("initial-sync"))
        {
            for (var i = 0; i < 30; i++)
            {
                big.Add(AddAndRecord(harness.Client, $"Initial sync page {i} with enough text.", "initial-sync", finished));
            }
        }

        await Eventually.TrueAsync(() => harness.Lanes.QueueLengths.GetValueOrDefault("initial-sync") >= 15, "the big lane saturates the limiter");
        var small = new List<Task>();
        using (MemorySyncLane.Enter("handbook"))
        {
            for (var i = 0; i < 3; i++)
            {
                small.Add(AddAndRecord(harness.Client, $"Handbook page {i} with enough text.", "handbook", finished));
            }
        }

        await Task.WhenAll(big.Concat(small));

        var order = finished.ToList();
        var lastSmall = order.LastIndexOf("handbook");
        var bigWhenSmallDone = order.Take(lastSmall + 1).Count(lane => lane == "initial-sync");
        bigWhenSmallDone.Should().BeLessThan(20, "the small lane is served in turn within the second window, not after the whole big lane (30)");
        (await emulator.Admin.GetCountersAsync()).ItemsCreated.Should().Be(33);
    }

    private static async Task AddAndRecord(MemorySyncClient client, string text, string lane, ConcurrentQueue<string> finished)
    {
        await client.AddAsync(User, new MemoryItem { Text = text }, null, CancellationToken.None);
        finished.Enqueue(lane);
    }

    private static MemoryItem Item(string text, string nativeId) => new()
    {
        Text = text,
        Source = "wiki",
        Metadata = new Dictionary<string, object?> { ["native_id"] = nativeId },
    };

    private static Task<MemorySyncEmulatorHost> StartEmulatorAsync(Action<EmulatorOptions>? configure = null)
    {
        var options = new EmulatorOptions { ApiKeys = [ClientHarness.NewApiKey()] };
        configure?.Invoke(options);
        return MemorySyncEmulatorHost.StartAsync(options);
    }
}
