using System.Text;
using BenchmarkDotNet.Attributes;
using ConnectorHost.Plugins.Confluence.Text;
using ConnectorHost.Plugins.FileSystemCms.Text;

namespace ConnectorHost.Bench.Micro;

/// <summary>Every delivered document is converted once: Markdown and HTML (filesystem CMS), storage format (Confluence).</summary>
[MemoryDiagnoser]
public class TextConversionBenchmarks
{
    private static readonly string s_markdown = Markdown();
    private static readonly string s_html = Html();
    private static readonly string s_storage = Storage();
    private readonly HtmlToText _html = new();
    private MarkdownToText _markdownToText = null!;

    [GlobalSetup]
    public void Setup() => _markdownToText = new MarkdownToText(_html);

    [Benchmark(Description = "Markdown to text (~4 KB)")]
    public string MarkdownToText() => _markdownToText.Convert(s_markdown).Text;

    [Benchmark(Description = "HTML to text (~4 KB)")]
    public string HtmlToText() => _html.Convert(s_html).Text;

    [Benchmark(Description = "storage format to text (~4 KB)")]
    public string StorageToText() => StorageFormatConverter.ToText(s_storage);

    private static string Markdown()
    {
        var text = new StringBuilder("# Incident runbook\n\n");
        for (var i = 0; i < 12; i++)
        {
            text.Append("## Step ").Append(i).Append("\n\nCheck the **dashboard** and the [status page](https://status.example.com) before paging `oncall`.\n\n")
                .Append("- first item\n- second item with *emphasis*\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n");
        }

        return text.ToString();
    }

    private static string Html()
    {
        var text = new StringBuilder("<html><head><title>Runbook</title></head><body><nav>menu</nav><h1>Incident runbook</h1>");
        for (var i = 0; i < 12; i++)
        {
            text.Append("<h2>Step ").Append(i).Append("</h2><p>Check the <b>dashboard</b> and the <a href=\"https://status.example.com\">status page</a> before paging <code>oncall</code>.</p>")
                .Append("<ul><li>first item</li><li>second item with <em>emphasis</em></li></ul><table><tr><td>1</td><td>2</td></tr></table>");
        }

        return text.Append("</body></html>").ToString();
    }

    private static string Storage()
    {
        var text = new StringBuilder("<h1>Incident runbook</h1>");
        for (var i = 0; i < 12; i++)
        {
            text.Append("<h2>Step ").Append(i).Append("</h2><p>Check the <strong>dashboard</strong> and <ac:link><ri:page ri:content-title=\"Status\" /></ac:link> before paging.</p>")
                .Append("<ac:structured-macro ac:name=\"info\"><ac:rich-text-body><p>Escalate after 15 minutes.</p></ac:rich-text-body></ac:structured-macro>")
                .Append("<ul><li>first item</li><li>second item</li></ul><table><tbody><tr><td>1</td><td>2</td></tr></tbody></table>");
        }

        return text.ToString();
    }
}
