using ConnectorHost.Plugins.FileSystemCms.Text;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Text;

public sealed class MarkdownToTextTests
{
    private static string Convert(string markdown) => new MarkdownToText(new HtmlToText()).Convert(markdown).Text;

    [Test]
    public void Convert_Headings_AreLinesOfTheirOwnWithoutMarkers()
    {
        Convert("# Expenses\nIntro text.\n## Travel ##\nSetext heading\n---\nBody.")
            .Should().Be("Expenses\n\nIntro text.\n\nTravel\n\nSetext heading\n\nBody.");
    }

    [Test]
    public void Convert_Paragraphs_AreSeparatedByABlankLineWithSoftBreaksJoined()
    {
        Convert("First line\nsame paragraph.\n\n\n\nSecond   paragraph\twith  spaces.")
            .Should().Be("First line same paragraph.\n\nSecond paragraph with spaces.");
    }

    [Test]
    public void Convert_HardLineBreak_StartsANewLine()
    {
        Convert("Line one  \nLine two\\\nLine three").Should().Be("Line one\nLine two\nLine three");
    }

    [Test]
    public void Convert_BulletList_UsesDashes()
    {
        Convert("* apples\n* pears\n\nAfter.").Should().Be("- apples\n- pears\n\nAfter.");
    }

    [Test]
    public void Convert_OrderedList_NumbersFromItsStart()
    {
        Convert("3. three\n7. four\n1. five").Should().Be("3. three\n4. four\n5. five");
    }

    [Test]
    public void Convert_NestedList_IndentsUnderTheMarker()
    {
        Convert("1. Prepare\n   - laptop\n   - badge\n2. Go\n\n   Second paragraph of item two.")
            .Should().Be("1. Prepare\n   - laptop\n   - badge\n2. Go\n   Second paragraph of item two.");
    }

    [Test]
    public void Convert_TaskList_KeepsTheCheckbox()
    {
        Convert("- [x] done\n- [ ] todo").Should().Be("- [x] done\n- [ ] todo");
    }

    [Test]
    public void Convert_FencedCodeBlock_IsKeptVerbatim()
    {
        Convert("Run:\n\n```bash\nif [ -z \"$X\" ];  then\n\n    echo   \"two  spaces\"\nfi\n```\n\nDone.")
            .Should().Be("Run:\n\nif [ -z \"$X\" ];  then\n\n    echo   \"two  spaces\"\nfi\n\nDone.");
    }

    [Test]
    public void Convert_IndentedCodeBlock_IsKeptVerbatim()
    {
        Convert("Example:\n\n    var x  = 1;\n      indented more\n\nEnd.")
            .Should().Be("Example:\n\nvar x  = 1;\n  indented more\n\nEnd.");
    }

    [Test]
    public void Convert_CodeBlockInList_IsIndentedButOtherwiseVerbatim()
    {
        Convert("- Install:\n\n  ```\n  make  all\n  ```\n- Done")
            .Should().Be("- Install:\n  make  all\n- Done");
    }

    [Test]
    public void Convert_InlineCode_KeepsItsText()
    {
        Convert("Call `GET /v1/memories` then `forget()`.").Should().Be("Call GET /v1/memories then forget().");
    }

    [Test]
    public void Convert_Links_BecomeTheirText()
    {
        Convert("See [the policy](policies/security.md \"Security\"), [ref][r] and <https://example.com/x>.\n\n[r]: https://example.com/ref")
            .Should().Be("See the policy, ref and https://example.com/x.");
    }

    [Test]
    public void Convert_Images_BecomeTheirAltText()
    {
        Convert("Before ![Architecture diagram](img/arch.png) after; ![](empty.png)none.")
            .Should().Be("Before Architecture diagram after; none.");
    }

    [Test]
    public void Convert_Emphasis_KeepsTheTextOnly()
    {
        Convert("This is **bold**, *italic*, ~~struck~~ and ***both***.")
            .Should().Be("This is bold, italic, struck and both.");
    }

    [Test]
    public void Convert_PipeTable_BecomesRowsOfCells()
    {
        Convert("| Level | Response |\n|:------|---------:|\n| P1 | 15 min |\n| P2 | `1 h` |\n\nAfter.")
            .Should().Be("Level | Response\nP1 | 15 min\nP2 | 1 h\n\nAfter.");
    }

    [Test]
    public void Convert_HtmlBlock_IsStrippedToItsText()
    {
        Convert("Intro.\n\n<div class=\"note\">\n<p>Rotate <b>keys</b> yearly.</p>\n<script>track()</script>\n</div>\n\nOutro.")
            .Should().Be("Intro.\n\nRotate keys yearly.\n\nOutro.");
    }

    [Test]
    public void Convert_InlineHtml_DropsTagsAndScriptContent()
    {
        Convert("Press <kbd>Ctrl</kbd>+<kbd>C</kbd><script>alert(1)</script> now.<br>Next line &amp; more.")
            .Should().Be("Press Ctrl+C now.\nNext line & more.");
    }

    [Test]
    public void Convert_BlockQuote_KeepsItsText()
    {
        Convert("> Quoted *words*\n> continue.\n\nAfter.").Should().Be("Quoted words continue.\n\nAfter.");
    }

    [Test]
    public void Convert_ThematicBreak_IsDropped()
    {
        Convert("Above.\n\n***\n\nBelow.").Should().Be("Above.\n\nBelow.");
    }

    [Test]
    public void Convert_Footnotes_KeepTheNoteTextAtTheEnd()
    {
        Convert("Claim.[^1]\n\n[^1]: The source.").Should().Be("Claim.\n\nThe source.");
    }

    [Test]
    public void Convert_Document_ReturnsTheFirstHeadingOfAnyLevel()
    {
        new MarkdownToText(new HtmlToText()).Convert("Intro.\n\n### The *real* title\n\n# Later").FirstHeading
            .Should().Be("The real title");
    }

    [Test]
    public void Convert_DocumentWithoutHeading_HasNoFirstHeading()
    {
        new MarkdownToText(new HtmlToText()).Convert("Just text.").FirstHeading.Should().BeNull();
    }
}
