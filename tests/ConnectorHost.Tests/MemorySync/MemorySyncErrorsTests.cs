using System.Net;
using System.Text;
using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.MemorySync;

namespace ConnectorHost.Tests.MemorySync;

[Parallelizable(ParallelScope.All)]
public sealed class MemorySyncErrorsTests
{
    private static readonly DateTimeOffset s_now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void ReadBody_RateLimitEnvelope_ReadsCodeMessageAndRetryAfter()
    {
        var body = Read("""{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded (per-minute). Try again in 30 seconds.","retry_after":30}}""");

        body.Code.Should().Be("RATE_LIMIT_EXCEEDED");
        body.Message.Should().Be("Rate limit exceeded (per-minute). Try again in 30 seconds.");
        body.RetryAfter.Should().Be(TimeSpan.FromSeconds(30));
        body.IsQuota.Should().BeFalse();
    }

    [Test]
    public void ReadBody_StrictQuota_IsQuota()
    {
        var body = Read("""{"detail":{"error":"limit_exceeded","message":"Monthly add quota reached"}}""");

        body.IsQuota.Should().BeTrue();
        body.Message.Should().Be("Monthly add quota reached");
    }

    [TestCase("")]
    [TestCase("   ")]
    public void ReadBody_Empty_SaysNothing(string text)
    {
        var body = Read(text);

        body.Should().BeEquivalentTo(new ErrorBody(null, null, [], null, null));
    }

    [Test]
    public void ReadBody_LongNonJsonBody_IsShortened()
    {
        var body = Read(new string('x', 1000));

        body.Message.Should().HaveLength(301).And.EndWith("…");
    }

    [Test]
    public void ReadRetryAfter_DeltaSeconds_IsTheDelta()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "17");

        MemorySyncErrors.ReadRetryAfter(response.Headers, Read("{}"), s_now).Should().Be(TimeSpan.FromSeconds(17));
    }

    [Test]
    public void ReadRetryAfter_DateInThePast_IsZero()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "Mon, 31 Dec 2029 23:59:00 GMT");

        MemorySyncErrors.ReadRetryAfter(response.Headers, Read("{}"), s_now).Should().Be(TimeSpan.Zero);
    }

    [Test]
    public void ReadRetryAfter_FractionalSeconds_AreAccepted()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "1.5");

        MemorySyncErrors.ReadRetryAfter(response.Headers, Read("{}"), s_now).Should().Be(TimeSpan.FromSeconds(1.5));
    }

    [TestCase("""{"retry_after":1e300}""")]
    [TestCase("""{"retry_after_seconds":"1e300"}""")]
    public void ReadRetryAfter_AbsurdWait_IsCappedAtAYear(string body)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);

        MemorySyncErrors.ReadRetryAfter(response.Headers, Read(body), s_now).Should().Be(TimeSpan.FromDays(365));
    }

    [Test]
    public void ReadRetryAfter_HeaderAndBody_HeaderWins()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "4");

        MemorySyncErrors.ReadRetryAfter(response.Headers, Read("""{"retry_after":40}"""), s_now).Should().Be(TimeSpan.FromSeconds(4));
    }

    [Test]
    public void Create_RateLimit_CarriesTheWaitInTheExceptionAndMessage()
    {
        var errors = new MemorySyncErrors("ms_test_key");

        var failure = errors.Create("POST /memory/bulk-add", HttpStatusCode.TooManyRequests, Read("""{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"slow down"}}"""), "req_9", TimeSpan.FromSeconds(150));

        var rateLimit = failure.Should().BeOfType<MemorySyncRateLimitException>().Subject;
        rateLimit.RetryAfter.Should().Be(TimeSpan.FromSeconds(150));
        rateLimit.Message.Should().Be(
            "MemorySync POST /memory/bulk-add failed with 429 RATE_LIMIT_EXCEEDED: slow down (request req_9). The service asked to wait 150 s.");
    }

    private static ErrorBody Read(string text) => MemorySyncErrors.ReadBody(Encoding.UTF8.GetBytes(text));
}
