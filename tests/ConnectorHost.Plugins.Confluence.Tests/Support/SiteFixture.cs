using ConnectorHost.Fakes.Confluence;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Plugins.Confluence.Tests.Support;

/// <summary>A fake Confluence with a controllable clock, and helpers to fill it.</summary>
internal sealed class SiteFixture : IAsyncDisposable
{
    private SiteFixture(FakeConfluenceServer server, FakeTimeProvider clock)
    {
        Server = server;
        Clock = clock;
    }

    public static readonly DateTimeOffset Start = new(2024, 5, 1, 9, 0, 0, TimeSpan.Zero);

    public FakeConfluenceServer Server { get; }

    public FakeConfluenceSite Site => Server.Site;

    public FakeTimeProvider Clock { get; }

    public static async Task<SiteFixture> StartAsync(
        TimeZoneInfo? siteTimeZone = null,
        FakeConfluenceFlavour flavour = FakeConfluenceFlavour.Cloud,
        bool reportsTimeZone = true,
        bool anonymousOnBadToken = false,
        DateTimeOffset? start = null)
    {
        var clock = new FakeTimeProvider(start ?? Start);
        var server = await FakeConfluenceServer.StartAsync(new FakeConfluenceOptions
        {
            Clock = clock,
            SiteTimeZone = siteTimeZone ?? TimeZoneInfo.Utc,
            Flavour = flavour,
            ReportsTimeZone = reportsTimeZone,
            AnonymousOnBadToken = anonymousOnBadToken,
        });
        return new SiteFixture(server, clock);
    }

    /// <summary>Creates pages one after another, <paramref name="spacing"/> apart on the site's clock.</summary>
    public List<string> CreatePages(string spaceKey, int count, TimeSpan spacing, string titlePrefix = "Page")
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(Site.CreatePage(spaceKey, $"{titlePrefix} {i:000}", $"<p>Body of {titlePrefix.ToLowerInvariant()} {i:000}, long enough.</p>"));
            Clock.Advance(spacing);
        }

        return ids;
    }

    public IEnumerable<FakeRequest> Searches => Server.Requests.Where(r => r.Route == FakeRoute.Search);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
