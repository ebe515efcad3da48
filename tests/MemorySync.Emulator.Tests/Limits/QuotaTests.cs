using System.Net;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MemorySync.Emulator.Tests.Limits;

public sealed class QuotaTests
{
    [Test]
    public async Task Silent_OverQuota_WritesAnswerOkAndStoreNothingAndReadsAnswerNoMemories()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");
        await client.AddAsync("Stored before the quota applies");
        await emulator.Admin.SetQuotaAsync(QuotaMode.Silent, monthlyLimit: 1);

        using var add = await client.PostAsync("memory/add", """{"text":"Suppressed by the silent quota"}""");
        using var bulk = await client.PostAsync("memory/bulk-add", TestEmulator.Items("Suppressed bulk item of the quota"));
        using var query = await client.PostAsync("memory/query", """{"query":"stored quota"}""");

        add.StatusCode.Should().Be(HttpStatusCode.OK);
        (await add.JsonAsync()).GetRawText().Should().Be("""{"status":"ok"}""");
        bulk.StatusCode.Should().Be(HttpStatusCode.OK);
        (await bulk.JsonAsync()).GetRawText().Should().Be("""{"status":"ok"}""");
        (await query.JsonAsync()).GetRawText().Should().Be("""{"memories":[]}""");
        (await emulator.Admin.GetMemoriesAsync()).Should().ContainSingle();
        (await emulator.Admin.GetCountersAsync()).QuotaLimited.Should().Be(3);
    }

    [Test]
    public async Task Strict_OverQuota_Answers429LimitExceeded()
    {
        await using var emulator = await TestEmulator.StartAsync(options =>
        {
            options.Quota = QuotaMode.Strict;
            options.MonthlyLimit = 0;
        });
        using var client = emulator.CreateClient("u1");

        using var add = await client.PostAsync("memory/add", """{"text":"Refused by the strict quota"}""");
        using var query = await client.PostAsync("memory/query", """{"query":"anything"}""");

        add.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        var detail = (await add.JsonAsync()).GetProperty("detail");
        detail.GetProperty("error").GetString().Should().Be("limit_exceeded");
        detail.GetProperty("message").GetString().Should().NotBeNullOrEmpty();
        query.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await emulator.Admin.GetMemoriesAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task MonthlyLimit_CountsMemoriesAndStartsAgainNextMonth()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 31, 23, 0, 0, TimeSpan.Zero));
        await using var emulator = await TestEmulator.StartAsync(options =>
        {
            options.Quota = QuotaMode.Strict;
            options.MonthlyLimit = 2;
            options.TimeProvider = clock;
        });
        using var client = emulator.CreateClient("u1");
        using (await client.PostAsync("memory/bulk-add", TestEmulator.Items("First memory of May", "Second memory of May")))
        {
        }

        using var overQuota = await client.PostAsync("memory/add", """{"text":"Third memory of May"}""");
        clock.Advance(TimeSpan.FromHours(1));
        var june = await client.AddAsync("First memory of June");

        overQuota.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        june.Should().Be(3);
        (await emulator.Admin.GetSettingsAsync()).MonthlyUsed.Should().Be(1);
    }

    [Test]
    public async Task QuotaAnswer_IsNotRememberedForTheIdempotencyKey()
    {
        await using var emulator = await TestEmulator.StartAsync(options => options.Quota = QuotaMode.Silent);
        using var client = emulator.CreateClient("u1");
        using var suppressed = await client.PostAsync("memory/add", """{"text":"Suppressed, then retried"}""", "quota-key");
        await emulator.Admin.SetQuotaAsync(QuotaMode.Off);

        using var retried = await client.PostAsync("memory/add", """{"text":"Suppressed, then retried"}""", "quota-key");

        (await suppressed.JsonAsync()).GetRawText().Should().Be("""{"status":"ok"}""");
        retried.StatusCode.Should().Be(HttpStatusCode.Created);
    }
}
