using System.ComponentModel.DataAnnotations;
using ConnectorHost.Plugins.FileSystemCms.Tests.Support;

namespace ConnectorHost.Plugins.FileSystemCms.Tests;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class FileSystemCmsOptionsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Test]
    public void Validate_ExistingRootAndDefaults_IsValid()
    {
        var options = new FileSystemCmsOptions { Root = _folder.Path };

        Validate(options).Should().BeEmpty();
        options.MaxFileSizeBytes.Should().Be(5 * 1024 * 1024);
        options.FollowSymlinks.Should().BeFalse();
        options.IncludeDrafts.Should().BeFalse();
        options.TitleKey.Should().Be("title");
        FileSystemCmsOptions.DefaultInclude.Should().Equal("**/*.md", "**/*.markdown", "**/*.html", "**/*.htm", "**/*.txt");
        FileSystemCmsOptions.DefaultTagKeys.Should().Equal("tags", "categories", "keywords");
    }

    [Test]
    public void Validate_MissingRoot_IsRequired()
    {
        Validate(new FileSystemCmsOptions()).Should().ContainSingle().Which.MemberNames.Should().Equal("Root");
    }

    [Test]
    public void Validate_RootThatDoesNotExist_NamesThePath()
    {
        var missing = _folder.PathOf("missing");

        var error = Validate(new FileSystemCmsOptions { Root = missing }).Should().ContainSingle().Subject;

        error.ErrorMessage.Should().Contain(missing);
        error.MemberNames.Should().Equal("Root");
    }

    [TestCase("/etc/*.md")]
    [TestCase("../outside/**")]
    [TestCase(" ")]
    public void Validate_GlobOutsideTheRoot_IsRejected(string glob)
    {
        Validate(new FileSystemCmsOptions { Root = _folder.Path, Exclude = [glob] })
            .Should().ContainSingle().Which.MemberNames.Should().Equal("Exclude");
    }

    [Test]
    public void Validate_EmptyInclude_IsRejected()
    {
        Validate(new FileSystemCmsOptions { Root = _folder.Path, Include = [] })
            .Should().ContainSingle().Which.MemberNames.Should().Equal("Include");
    }

    [TestCase(0L)]
    [TestCase(2L * 1024 * 1024 * 1024)]
    public void Validate_MaxFileSizeOutOfRange_IsRejected(long maxFileSizeBytes)
    {
        Validate(new FileSystemCmsOptions { Root = _folder.Path, MaxFileSizeBytes = maxFileSizeBytes })
            .Should().ContainSingle().Which.MemberNames.Should().Equal("MaxFileSizeBytes");
    }

    [Test]
    public void Validate_EmptyTagKey_IsRejected()
    {
        Validate(new FileSystemCmsOptions { Root = _folder.Path, TagKeys = ["tags", ""] })
            .Should().ContainSingle().Which.MemberNames.Should().Equal("TagKeys");
    }

    [Test]
    public void Validate_EmptyTitleKey_IsRejected()
    {
        Validate(new FileSystemCmsOptions { Root = _folder.Path, TitleKey = "" })
            .Should().ContainSingle().Which.MemberNames.Should().Equal("TitleKey");
    }

    private static List<ValidationResult> Validate(FileSystemCmsOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
