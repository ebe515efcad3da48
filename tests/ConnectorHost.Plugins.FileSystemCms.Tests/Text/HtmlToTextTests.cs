using ConnectorHost.Plugins.FileSystemCms.Text;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Text;

public sealed class HtmlToTextTests
{
    private const string Page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Office   guide</title>
          <meta name="keywords" content="office, Berlin , , facilities">
          <style>body { color: red; }</style>
          <script>window.analytics = {};</script>
        </head>
        <body>
          <header><a href="/">Northwind</a> <nav><a href="/a">Home</a> | <a href="/b">Blog</a></nav></header>
          <aside>Related: other pages</aside>
          <main>
            <h1>Berlin office</h1>
            <p>The office is open
               from <b>8:00</b> to <i>18:00</i>.</p>
            <ul><li>Badge at the desk</li><li>Wi-Fi: <code>northwind-guest</code></li></ul>
            <ol start="2"><li>Second</li><li>Third</li></ol>
            <table><caption>Rooms</caption><tr><th>Room</th><th>Seats</th></tr><tr><td><p>Spree</p></td><td>12</td></tr></table>
            <pre>
        line  one
          line two
        </pre>
            <p>Line<br>break and <img src="x.png" alt="a map"> here.</p>
            <noscript>Enable JavaScript</noscript>
            <template><p>hidden</p></template>
            <div>Contact <a href="mailto:fm@example.com">facilities</a>.</div>
          </main>
          <footer>© Northwind</footer>
          <script>track();</script>
        </body>
        </html>
        """;

    [Test]
    public void Convert_Page_DropsChromeAndScriptsAndSeparatesBlocks()
    {
        var (text, _, _) = new HtmlToText().Convert(Page);

        text.Should().Be(
            "Berlin office\n\n" +
            "The office is open from 8:00 to 18:00.\n\n" +
            "- Badge at the desk\n" +
            "- Wi-Fi: northwind-guest\n\n" +
            "2. Second\n" +
            "3. Third\n\n" +
            "Rooms\n" +
            "Room | Seats\n" +
            "Spree | 12\n\n" +
            "line  one\n" +
            "  line two\n\n" +
            "Line\n" +
            "break and a map here.\n\n" +
            "Contact facilities.");
    }

    [Test]
    public void Convert_PageWithTitleElement_TakesTitleFromIt()
    {
        new HtmlToText().Convert(Page).Title.Should().Be("Office guide");
    }

    [Test]
    public void Convert_PageWithoutTitleElement_TakesTheFirstH1()
    {
        new HtmlToText().Convert("<html><body><h2>Sub</h2><h1>Main <em>heading</em></h1><h1>Other</h1></body></html>").Title
            .Should().Be("Main heading");
    }

    [Test]
    public void Convert_PageWithoutTitleOrH1_HasNoTitle()
    {
        new HtmlToText().Convert("<p>Only text.</p>").Title.Should().BeNull();
    }

    [Test]
    public void Convert_MetaKeywords_BecomeTrimmedNonEmptyKeywords()
    {
        new HtmlToText().Convert(Page).Keywords.Should().Equal("office", "Berlin", "facilities");
    }

    [Test]
    public void Convert_Fragment_WithoutHtmlOrBody_IsConverted()
    {
        new HtmlToText().Convert("Plain <b>bold</b> text<div>block</div>").Text.Should().Be("Plain bold text\nblock");
    }

    [Test]
    public void Convert_NestedLists_IndentUnderTheParentItem()
    {
        new HtmlToText().Convert("<ul><li>Parent<ul><li>Child</li></ul></li><li>Next</li></ul>").Text
            .Should().Be("- Parent\n  - Child\n- Next");
    }
}
