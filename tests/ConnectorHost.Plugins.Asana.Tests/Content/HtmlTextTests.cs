using ConnectorHost.Plugins.Asana.Content;

namespace ConnectorHost.Plugins.Asana.Tests.Content;

[Parallelizable(ParallelScope.All)]
public sealed class HtmlTextTests
{
    [Test]
    public void Convert_RichNotes_KeepsStructureAsPlainText()
    {
        const string html =
            "<body><h1>Launch plan</h1>Mittens <em>really</em> likes <strong>the stuff</strong> from Humboldt.\n" +
            "<ul><li>Book the venue</li><li>Invite <a href=\"https://app.asana.com/0/123/456\" data-asana-gid=\"456\">@Grace Hopper</a></li></ul>" +
            "<ol><li>Draft</li><li>Review</li></ol>" +
            "See <a href=\"https://example.com/brief\">the brief</a> and https://example.com/raw." +
            "<blockquote>Quoted &amp; escaped &lt;text&gt;</blockquote></body>";

        var text = HtmlText.Convert(html);

        text.Should().Be(
            "Launch plan\n" +
            "Mittens really likes the stuff from Humboldt.\n" +
            "- Book the venue\n" +
            "- Invite @Grace Hopper\n" +
            "1. Draft\n" +
            "2. Review\n" +
            "See the brief (https://example.com/brief) and https://example.com/raw.\n" +
            "Quoted & escaped <text>");
    }

    [TestCase("<body></body>", "")]
    [TestCase("<body>Line one\nLine two<br>Line three</body>", "Line one\nLine two\nLine three")]
    [TestCase("<body><a href=\"https://x.example/\">https://x.example/</a></body>", "https://x.example/")]
    [TestCase("<body><ul><li>Outer<ul><li>Inner</li></ul></li></ul></body>", "- Outer\n  - Inner")]
    public void Convert_Fragment_GivesExpectedText(string html, string expected) =>
        HtmlText.Convert(html).Should().Be(expected);
}
