using ConnectorHost.Plugins.Confluence.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConnectorHost.Plugins.Confluence.Tests.Http;

public sealed class ConfluenceClientTests
{
    [Test]
    public void FollowV1_RelativeNextLink_IsJoinedToTheConfiguredSiteRoot()
    {
        using var client = ClientFor("https://proxy.example.com/atl/wiki/");

        client.FollowV1("/rest/api/content/search?cursor=abc&limit=25&cql=type%3Dpage")
            .Should().Be(new Uri("https://proxy.example.com/atl/wiki/rest/api/content/search?cursor=abc&limit=25&cql=type%3Dpage"));
    }

    [Test]
    public void FollowV2_NextLinkWithTheSiteContextPath_IsJoinedWithoutDoublingIt()
    {
        using var client = ClientFor("https://proxy.example.com/atl/wiki");

        client.FollowV2("/wiki/api/v2/spaces/7/pages?status=current&cursor=xyz", "https://example.atlassian.net/wiki")
            .Should().Be(new Uri("https://proxy.example.com/atl/wiki/api/v2/spaces/7/pages?status=current&cursor=xyz"));
    }

    [Test]
    public void FollowV1_AbsoluteLinkToAnotherHost_StaysOnTheConfiguredHost()
    {
        using var client = ClientFor("https://example.atlassian.net/wiki");

        client.FollowV1("https://elsewhere.example.org/rest/api/content/search?cursor=1").Host.Should().Be("example.atlassian.net");
    }

    private static ConfluenceClient ClientFor(string baseUrl)
    {
        var factory = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        var options = new ConfluenceOptions { BaseUrl = new Uri(baseUrl), Email = "bot@example.com", ApiToken = "t", Spaces = ["ENG"] };
        return new ConfluenceClient(factory, options, TimeProvider.System, NullLogger<ConfluenceClient>.Instance);
    }
}
