using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ConnectorHost.Fakes.Confluence;
using ConnectorHost.Plugins.Confluence.Tests.Support;

namespace ConnectorHost.Plugins.Confluence.Tests.Fakes;

/// <summary>The fake answers with the published shapes, so that what passes against it would pass against Confluence.</summary>
public sealed class FakeConfluenceServerTests
{
    [Test]
    public async Task Search_CqlItDoesNotUnderstand_Answers400WithTheV1ErrorBody()
    {
        await using var fixture = await SiteFixture.StartAsync();
        using var client = Client(fixture.Server);

        using var response = await client.GetAsync(Url(fixture, "/rest/api/content/search?cql=" + Uri.EscapeDataString("creator.fullname ~ \"Ada\"")));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("statusCode").GetInt32().Should().Be(400);
        body.RootElement.GetProperty("message").GetString().Should().StartWith("Could not parse cql : creator.fullname");
        body.RootElement.GetProperty("data").GetProperty("valid").GetBoolean().Should().BeFalse();
    }

    [Test]
    public async Task Search_Expand_ShowsOnlyExpandedFieldsAndListsTheRestAsExpandable()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        fixture.Site.CreatePage("ENG", "Page", "<p>Body.</p>");
        using var client = Client(fixture.Server);

        using var body = await GetJsonAsync(client, Url(fixture, "/rest/api/content/search?cql=type%3Dpage&expand=version,body.storage"));

        var page = body.RootElement.GetProperty("results")[0];
        page.GetProperty("version").GetProperty("number").GetInt32().Should().Be(1);
        page.GetProperty("body").GetProperty("storage").GetProperty("value").GetString().Should().Be("<p>Body.</p>");
        page.TryGetProperty("space", out _).Should().BeFalse();
        page.GetProperty("_expandable").TryGetProperty("space", out _).Should().BeTrue();
        page.GetProperty("_expandable").TryGetProperty("version", out _).Should().BeFalse();
        body.RootElement.GetProperty("_links").GetProperty("base").GetString().Should().Be(fixture.Server.BaseUrl.AbsoluteUri.TrimEnd('/'));
    }

    [Test]
    public async Task Search_NextLink_HasNoContextPathAndItsCursorRefusesAnotherLimit()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        fixture.CreatePages("ENG", 3, TimeSpan.FromMinutes(1));
        using var client = Client(fixture.Server);

        using var first = await GetJsonAsync(client, Url(fixture, "/rest/api/content/search?cql=type%3Dpage&limit=2"));
        var next = first.RootElement.GetProperty("_links").GetProperty("next").GetString()!;
        using var second = await GetJsonAsync(client, new Uri(fixture.Server.BaseUrl.AbsoluteUri + next));
        using var changedLimit = await client.GetAsync(new Uri(fixture.Server.BaseUrl.AbsoluteUri + next.Replace("limit=2", "limit=3", StringComparison.Ordinal)));

        next.Should().StartWith("/rest/api/content/search?cursor=");
        second.RootElement.GetProperty("results").GetArrayLength().Should().Be(1);
        changedLimit.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task SpacePages_NoStatus_ListsCurrentAndArchivedWithNextLinkAndLinkHeader()
    {
        await using var fixture = await SiteFixture.StartAsync();
        var space = fixture.Site.AddSpace("ENG");
        var ids = fixture.CreatePages("ENG", 3, TimeSpan.FromMinutes(1));
        fixture.Site.Archive(ids[1]);
        fixture.Site.Trash(ids[2]);
        using var client = Client(fixture.Server);

        using var response = await client.GetAsync(Url(fixture, $"/api/v2/spaces/{space.Id}/pages?limit=1"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var next = body.RootElement.GetProperty("_links").GetProperty("next").GetString()!;
        using var rest = await GetJsonAsync(client, new Uri(fixture.Server.BaseUrl.GetLeftPart(UriPartial.Authority) + next));

        next.Should().StartWith("/wiki/api/v2/spaces/");
        response.Headers.GetValues("Link").Single().Should().Be($"<{next}>; rel=\"next\", <{fixture.Server.BaseUrl.AbsoluteUri.TrimEnd('/')}>; rel=\"base\"");
        rest.RootElement.GetProperty("results").EnumerateArray().Select(p => p.GetProperty("status").GetString()).Should().Equal("archived");
        (await client.GetAsync(Url(fixture, $"/api/v2/spaces/{space.Id}/pages?limit=251"))).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await client.GetAsync(Url(fixture, "/api/v2/spaces/1/pages"))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Requests_WrongCredentials_Answer401AndAreLogged()
    {
        await using var fixture = await SiteFixture.StartAsync();
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("bot@example.com:nope")));

        using var v1 = await client.GetAsync(Url(fixture, "/rest/api/content/search?cql=type%3Dpage"));
        using var v2 = await client.GetAsync(Url(fixture, "/api/v2/spaces"));

        v1.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        v2.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await v2.Content.ReadAsStringAsync()).Should().Contain("\"code\":\"UNAUTHORIZED\"");
        fixture.Server.Requests.Should().HaveCount(2).And.OnlyContain(r => r.AuthScheme == "Basic" && !r.Authorized && r.StatusCode == 401);
    }

    [Test]
    public async Task Faults_RateLimit_Answers429WithRetryAfterThenRecovers()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Server.Faults.RateLimit(1, TimeSpan.FromSeconds(5));
        using var client = Client(fixture.Server);

        using var limited = await client.GetAsync(Url(fixture, "/rest/api/settings/systemInfo"));
        using var ok = await client.GetAsync(Url(fixture, "/rest/api/settings/systemInfo"));

        limited.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(5));
        ok.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static HttpClient Client(FakeConfluenceServer server)
    {
        var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{server.Options.Email}:{server.Options.ApiToken}")));
        return client;
    }

    private static Uri Url(SiteFixture fixture, string relative) => new(fixture.Server.BaseUrl.AbsoluteUri + relative);

    private static async Task<JsonDocument> GetJsonAsync(HttpClient client, Uri uri)
    {
        using var response = await client.GetAsync(uri);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
