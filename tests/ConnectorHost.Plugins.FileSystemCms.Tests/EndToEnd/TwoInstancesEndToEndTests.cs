namespace ConnectorHost.Plugins.FileSystemCms.Tests.EndToEnd;

/// <summary>
/// Two connector instances of the FileSystemCms plugin in one appliance, each with its own root and end user: the
/// same relative paths and even the same text never mix, and one instance's changes never touch the other's memories.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class TwoInstancesEndToEndTests
{
    [Test]
    public async Task Sync_TwoInstancesWithTheSamePaths_KeepTheirMemoriesApart()
    {
        await using var cms = await CmsAppliance.CreateAsync();
        var handbook = cms.AddConnector("handbook", endUserId: "ops-team");
        var blog = cms.AddConnector("blog", endUserId: "marketing");
        const string shared = "# Welcome\n\nThe same welcome page, word for word, in both folders.\n";
        handbook.Write("index.md", shared);
        handbook.Write("people/onboarding.md", "# Onboarding\n\nYour first week: laptop, accounts and a buddy.\n");
        handbook.Write("people/time-off.md", "# Time off\n\nTwenty-eight days a year, booked in the HR tool.\n");
        blog.Write("index.md", shared);
        blog.Write("posts/launch.md", "# Launch\n\nWe launched route planning for cargo bikes today.\n");
        cms.Appliance.WriteConfig();

        (await cms.SyncAsync("handbook")).Added.Should().Be(3);
        (await cms.SyncAsync("blog")).Added.Should().Be(2);

        await cms.ShouldHoldExactlyAsync("handbook", handbook.Path, ["index.md", "people/onboarding.md", "people/time-off.md"], "ops-team");
        await cms.ShouldHoldExactlyAsync("blog", blog.Path, ["index.md", "posts/launch.md"], "marketing");
        var blogIndex = await cms.SingleLiveAsync("blog", "index.md");

        handbook.Delete("index.md");
        handbook.Write("people/time-off.md", "# Time off\n\nThirty days a year from 2026, booked in the HR tool.\n");
        var handbookRun = await cms.SyncAsync("handbook");
        var blogRun = await cms.SyncAsync("blog");

        (handbookRun.Pruned, handbookRun.Updated).Should().Be((1, 1));
        (blogRun.Read, blogRun.Pruned, blogRun.Added).Should().Be((0, 0, 0), "the other instance's changes are not this one's");
        await cms.ShouldHoldExactlyAsync("handbook", handbook.Path, ["people/onboarding.md", "people/time-off.md"], "ops-team");
        await cms.ShouldHoldExactlyAsync("blog", blog.Path, ["index.md", "posts/launch.md"], "marketing");
        (await cms.SingleLiveAsync("blog", "index.md")).Id.Should().Be(blogIndex.Id, "the blog's page with the same path and text was untouched");
        var status = await cms.Appliance.RunCliAsync("status", "--json");
        status.ExitCode.Should().Be(0, status.ToString());
        status.Output.Should().Contain("\"handbook\"").And.Contain("\"blog\"");
    }
}
