using System.Text;
using ConnectorHost.Plugins.FileSystemCms.Documents;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Documents;

public sealed class DocumentConverterTests
{
    private const string OnCall = """
        ---
        title: On-call handbook
        date: 2025-03-14
        author: Dana Reyes
        weight: 3
        release: 1.10
        version: 7
        toc: true
        reviewed:
        tags: [on-call, Incidents]
        categories:
          - engineering
          - incidents
        keywords: "pager, escalation"
        owners:
          - sre
          - platform
        menu:
          main:
            parent: engineering
        related: [{ page: a }]
        path: /override
        ---
        # On-call handbook

        Who is on call, and how to hand over.
        """;

    [Test]
    public void TryConvert_FrontMatterTitle_IsTheTitleAndARepeatedFirstHeadingIsDropped()
    {
        var document = Convert("eng/on-call.md", OnCall);

        document.Title.Should().Be("On-call handbook");
        document.Text.Should().Be("Who is on call, and how to hand over.");
    }

    [Test]
    public void TryConvert_TagKeys_AreMergedInOrderWithoutCaseInsensitiveDuplicates()
    {
        Convert("eng/on-call.md", OnCall).Tags.Should().Equal("on-call", "Incidents", "engineering", "pager", "escalation");
    }

    [Test]
    public void TryConvert_DefaultMetadata_TakesScalarsAndStringListsButNotTitleTagsNestedNullOrReservedKeys()
    {
        var fields = Convert("eng/on-call.md", OnCall).Fields;

        fields.Should().BeEquivalentTo(new Dictionary<string, object?>
        {
            ["date"] = "2025-03-14",
            ["author"] = "Dana Reyes",
            ["weight"] = 3L,
            ["release"] = "1.10",
            ["toc"] = true,
            ["owners"] = new List<string> { "sre", "platform" },
        });
        fields.Keys.Should().Equal("date", "author", "weight", "release", "toc", "owners");
    }

    [Test]
    public void TryConvert_MetadataKeys_TakesOnlyTheListedScalarOrStringListKeys()
    {
        var document = Convert("eng/on-call.md", OnCall, options => options.MetadataKeys = ["author", "categories", "missing", "menu"]);

        document.Fields.Should().BeEquivalentTo(new Dictionary<string, object?>
        {
            ["author"] = "Dana Reyes",
            ["categories"] = new List<string> { "engineering", "incidents" },
        });
    }

    [Test]
    public void TryConvert_MetadataKeysNamingReservedKeys_NeverOverrideTheConnectorsOwn()
    {
        Convert("eng/on-call.md", OnCall, options => options.MetadataKeys = ["path", "version", "tags", "title"]).Fields
            .Should().BeEmpty();
    }

    [Test]
    public void TryConvert_CustomTitleAndTagKeys_AreUsed()
    {
        var document = Convert(
            "a.md",
            "---\nheadline: Custom\nlabels: one, two\ntags: [ignored]\nowner: ops\n---\nBody text here.",
            options =>
            {
                options.TitleKey = "headline";
                options.TagKeys = ["labels"];
            });

        document.Title.Should().Be("Custom");
        document.Tags.Should().Equal("one", "two");
        document.Fields.Should().Equal(new Dictionary<string, object?> { ["owner"] = "ops" });
    }

    [Test]
    public void TryConvert_NoFrontMatterTitle_FallsBackToTheFirstHeading()
    {
        var document = Convert("docs/api/auth.md", "Intro line.\n\n## Authentication\n\nUse a token.");

        document.Title.Should().Be("Authentication");
        document.Text.Should().Be("Intro line.\n\nAuthentication\n\nUse a token.");
    }

    [Test]
    public void TryConvert_NoTitleOrHeading_FallsBackToTheFileName()
    {
        Convert("notes/team-lunch.md", "We meet at noon.").Title.Should().Be("team-lunch");
    }

    [Test]
    public void TryConvert_PlainText_IsKeptAsIsWithTheFileNameAsTitle()
    {
        var document = Convert("notes/wifi.txt", "# not a heading\r\n  indented   line\r\n\r\n\r\nend\n");

        document.Title.Should().Be("wifi");
        document.Text.Should().Be("# not a heading\n  indented   line\n\n\nend");
    }

    [Test]
    public void TryConvert_HtmlWithFrontMatterAndKeywords_MergesTagsAndUsesTheFrontMatterTitle()
    {
        var document = Convert(
            "site/about.html",
            "---\ntitle: About us\ntags: [company]\n---\n<html><head><title>Ignored</title><meta name=\"keywords\" content=\"team, Company\"></head><body><h1>About us</h1><p>We build things.</p></body></html>");

        document.Title.Should().Be("About us");
        document.Tags.Should().Equal("company", "team");
        document.Text.Should().Be("We build things.");
    }

    [Test]
    public void TryConvert_Draft_IsSkippedWithAReason()
    {
        Refuse("blog/next.md", "---\ntitle: Next\ndraft: true\n---\nSoon.")
            .Should().Be("draft (front matter draft: true; set includeDrafts to deliver drafts)");
    }

    [Test]
    public void TryConvert_JekyllUnpublished_IsSkippedAsADraft()
    {
        Refuse("blog/next.md", "---\npublished: false\n---\nSoon.").Should().StartWith("draft (front matter published: false");
    }

    [Test]
    public void TryConvert_QuotedDraftFlag_IsStillADraft()
    {
        Refuse("blog/next.md", "---\ndraft: \"True\"\n---\nSoon.").Should().StartWith("draft");
    }

    [Test]
    public void TryConvert_DraftWithIncludeDrafts_IsConvertedWithTheDraftFlagInMetadata()
    {
        var document = Convert("blog/next.md", "---\ntitle: Next\ndraft: true\n---\nComing soon.", options => options.IncludeDrafts = true);

        document.Text.Should().Be("Coming soon.");
        document.Fields.Should().Contain("draft", true);
    }

    [Test]
    public void TryConvert_InvalidYaml_IsSkippedNamingTheLineInTheFile()
    {
        Refuse("a.md", "---\ntitle: ok\nauthor: a: b\n---\nBody.").Should().StartWith("invalid YAML front matter at line 3: ");
    }

    [Test]
    public void TryConvert_YamlThatBreaksTheParser_IsSkippedNotThrown()
    {
        Refuse("a.md", "---\ntitle: ok\ntags: [unclosed\nauthor: x\n---\nBody.").Should().StartWith("invalid YAML front matter");
    }

    [Test]
    public void TryConvert_FrontMatterThatIsNotAMapping_IsSkipped()
    {
        Refuse("a.md", "---\n- one\n- two\n---\nBody.").Should().Be("invalid YAML front matter: it is not a mapping of keys to values");
    }

    [Test]
    public void TryConvert_UnclosedFence_IsMarkdownNotFrontMatter()
    {
        Convert("a.md", "---\ntitle: x\n\nBody.").Text.Should().Be("title: x\n\nBody.");
    }

    [Test]
    public void TryConvert_EmptyFrontMatter_IsAllowed()
    {
        Convert("a.md", "---\n---\nBody text.").Text.Should().Be("Body text.");
    }

    [Test]
    public void TryConvert_WhitespaceOnlyFile_IsSkippedAsEmpty()
    {
        Refuse("a.md", " \n\t\r\n").Should().Be("empty file");
    }

    [Test]
    public void TryConvert_FrontMatterOnly_IsSkippedForHavingNoText()
    {
        Refuse("a.md", "---\ntitle: Only a title\n---\n# Only a title\n").Should().StartWith("no text after conversion");
    }

    [Test]
    public void TryConvert_InvalidEncoding_IsSkippedWithTheDecoderReason()
    {
        var converter = new DocumentConverter(new FileSystemCmsOptions { Root = "/" });

        converter.TryConvert("a.txt", Encoding.Latin1.GetBytes("r\u00e9sum\u00e9"), out _, out var reason).Should().BeFalse();

        reason.Should().Be("not valid UTF-8: byte 0xE9 at offset 1 (save the file as UTF-8)");
    }

    private static CmsDocument Convert(string path, string content, Action<FileSystemCmsOptions>? configure = null)
    {
        var options = new FileSystemCmsOptions { Root = "/" };
        configure?.Invoke(options);
        new DocumentConverter(options).TryConvert(path, Encoding.UTF8.GetBytes(content), out var document, out var reason)
            .Should().BeTrue(reason);
        return document!;
    }

    private static string Refuse(string path, string content)
    {
        new DocumentConverter(new FileSystemCmsOptions { Root = "/" })
            .TryConvert(path, Encoding.UTF8.GetBytes(content), out var document, out var reason)
            .Should().BeFalse(document?.Text);
        return reason!;
    }
}
