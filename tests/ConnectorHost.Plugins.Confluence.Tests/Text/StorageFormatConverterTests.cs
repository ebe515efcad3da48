using ConnectorHost.Plugins.Confluence.Text;

namespace ConnectorHost.Plugins.Confluence.Tests.Text;

public sealed class StorageFormatConverterTests
{
    private static readonly Dictionary<string, string> s_users = new(StringComparer.Ordinal) { ["557058:ada"] = "Ada Lovelace" };

    [TestCase("<h1>Title</h1><p>Intro text.</p><h3>Detail</h3><p>More.</p>", "# Title\n\nIntro text.\n\n### Detail\n\nMore.")]
    [TestCase("<p>One&nbsp;&amp;&nbsp;two &lt;three&gt;</p>", "One & two <three>")]
    [TestCase("<p>Line one<br/>Line two</p>", "Line one\nLine two")]
    [TestCase("<p>  Spaces   collapse\n  here </p>", "Spaces collapse here")]
    [TestCase("<ul><li>First</li><li><p>Second</p><ul><li>Nested</li></ul></li></ul><ol><li>Step</li><li>Next step</li></ol>",
        "- First\n- Second\n  - Nested\n\n1. Step\n2. Next step")]
    [TestCase("<table><tbody><tr><th>Name</th><th>Role</th></tr><tr><td><p>Ada</p></td><td>Engineer</td></tr></tbody></table>",
        "Name | Role\nAda | Engineer")]
    public void ToText_HtmlStructure_BecomesReadableText(string storage, string expected) =>
        StorageFormatConverter.ToText(storage).Should().Be(expected);

    [Test]
    public void ToText_CodeMacro_KeepsItsBodyVerbatim()
    {
        const string storage = "<p>Run:</p><ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\"><ac:parameter ac:name=\"language\">bash</ac:parameter>" +
            "<ac:plain-text-body><![CDATA[if [ -n \"$X\" ]; then\n  echo <done> && exit 0\nfi]]></ac:plain-text-body></ac:structured-macro><p>After.</p>";

        StorageFormatConverter.ToText(storage).Should().Be("Run:\n\n```\nif [ -n \"$X\" ]; then\n  echo <done> && exit 0\nfi\n```\n\nAfter.");
    }

    [Test]
    public void ToText_MentionsAndLinks_BecomeNamesAndLinkText()
    {
        const string storage = "<p>Ask <ac:link><ri:user ri:account-id=\"557058:ada\" /></ac:link> or <ac:link><ri:user ri:account-id=\"unknown-id\" /></ac:link>, " +
            "see <ac:link><ri:page ri:content-title=\"Runbook\" /><ac:plain-text-link-body><![CDATA[the runbook]]></ac:plain-text-link-body></ac:link>, " +
            "<ac:link><ri:page ri:space-key=\"OPS\" ri:content-title=\"On call\" /></ac:link>, " +
            "<a href=\"https://example.com\">our site</a> and <ac:link><ri:attachment ri:filename=\"plan.pdf\" /><ac:link-body>the <strong>plan</strong></ac:link-body></ac:link>.</p>";

        StorageFormatConverter.ToText(storage, s_users).Should().Be(
            "Ask @Ada Lovelace or @unknown-id, see the runbook, On call, our site and the plan.");
    }

    [Test]
    public void ToText_TaskList_BecomesCheckboxes()
    {
        const string storage = "<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>Write the plan</ac:task-body></ac:task>" +
            "<ac:task><ac:task-id>2</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body><span>Review it with <ac:link><ri:user ri:account-id=\"557058:ada\" /></ac:link></span></ac:task-body></ac:task></ac:task-list>";

        StorageFormatConverter.ToText(storage, s_users).Should().Be("[x] Write the plan\n[ ] Review it with @Ada Lovelace");
    }

    [Test]
    public void ToText_PanelsAndInfoMacros_KeepTheirBody()
    {
        const string storage = "<ac:structured-macro ac:name=\"info\"><ac:parameter ac:name=\"title\">Heads up</ac:parameter><ac:rich-text-body><p>Deploys freeze on Friday.</p></ac:rich-text-body></ac:structured-macro>" +
            "<ac:structured-macro ac:name=\"panel\"><ac:rich-text-body><p>Panel text <ac:emoticon ac:name=\"smile\" /> stays whole.</p></ac:rich-text-body></ac:structured-macro>" +
            "<p>Status: <ac:structured-macro ac:name=\"status\"><ac:parameter ac:name=\"colour\">Green</ac:parameter><ac:parameter ac:name=\"title\">DONE</ac:parameter></ac:structured-macro></p>";

        StorageFormatConverter.ToText(storage).Should().Be("Heads up\n\nDeploys freeze on Friday.\n\nPanel text stays whole.\n\nStatus: [DONE]");
    }

    [Test]
    public void ToText_DynamicMacros_AreDroppedQuietly()
    {
        const string storage = "<p>Before.</p><ac:structured-macro ac:name=\"children\"><ac:parameter ac:name=\"all\">true</ac:parameter></ac:structured-macro>" +
            "<ac:structured-macro ac:name=\"pagetree\" /><ac:structured-macro ac:name=\"jira\"><ac:parameter ac:name=\"key\">ENG-1</ac:parameter></ac:structured-macro>" +
            "<ac:structured-macro ac:name=\"recently-updated\"/><ac:structured-macro ac:name=\"toc\" /><p>After.</p>";

        StorageFormatConverter.ToText(storage).Should().Be("Before.\n\nAfter.");
    }

    [Test]
    public void ToText_SelfClosingElementsInsideText_DoNotSwallowWhatFollows()
    {
        const string storage = "<p>Due <time datetime=\"2024-06-01\" /> with <ac:image><ri:attachment ri:filename=\"a.png\" /></ac:image>the rest intact.</p>";

        StorageFormatConverter.ToText(storage).Should().Be("Due 2024-06-01 with the rest intact.");
    }

    [Test]
    public void MentionedUsers_Document_ListsEachAccountOnce()
    {
        var tree = StorageTree.Parse("<p><ri:user ri:account-id=\"a\" /> <ri:user ri:account-id=\"b\" /> <ri:user ri:account-id=\"a\" /></p>");

        StorageFormatConverter.MentionedUsers(tree).Should().Equal("a", "b");
    }
}
