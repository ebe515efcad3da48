using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace ConnectorHost.Plugins.Asana.Content;

/// <summary>
/// Converts Asana rich text (<c>html_notes</c>: <c>&lt;body&gt;</c> with <c>strong</c>, <c>em</c>, <c>a</c>,
/// <c>ul</c>/<c>ol</c>/<c>li</c>, <c>h1</c>, <c>h2</c>, <c>blockquote</c>, <c>pre</c>, <c>code</c>, <c>hr</c>) to plain
/// text: blocks on their own lines, list items with "- " or "1. ", links as "text (url)" unless the text is the url or
/// an @-mention.
/// </summary>
internal static partial class HtmlText
{
    private static readonly HtmlParser s_parser = new();

    private static readonly HashSet<string> s_blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "li", "hr", "table", "tr",
        "body",
    };

    public static string Convert(string html)
    {
        var document = s_parser.ParseDocument(html);
        var text = new StringBuilder();
        if (document.Body is { } body)
        {
            Append(body, text, listDepth: 0);
        }

        var lines = text.ToString().Split('\n').Select(l => l.TrimEnd());
        return BlankLines().Replace(string.Join('\n', lines), "\n\n").Trim();
    }

    private static void Append(INode node, StringBuilder text, int listDepth)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText t:
                    text.Append(t.Data);
                    break;
                case IElement e:
                    AppendElement(e, text, listDepth);
                    break;
            }
        }
    }

    private static void AppendElement(IElement element, StringBuilder text, int listDepth)
    {
        var name = element.LocalName;
        switch (name)
        {
            case "br":
                text.Append('\n');
                return;
            case "hr":
                NewLine(text);
                text.Append("---\n");
                return;
            case "img":
                return;
            case "li":
                NewLine(text);
                text.Append(' ', 2 * Math.Max(0, listDepth - 1));
                text.Append(element.ParentElement?.LocalName == "ol" ? $"{ItemNumber(element)}. " : "- ");
                Append(element, text, listDepth);
                NewLine(text);
                return;
            case "ul" or "ol":
                NewLine(text);
                Append(element, text, listDepth + 1);
                NewLine(text);
                return;
            case "a":
                AppendLink(element, text, listDepth);
                return;
        }

        var block = s_blocks.Contains(name);
        if (block)
        {
            NewLine(text);
        }

        Append(element, text, listDepth);
        if (block)
        {
            NewLine(text);
        }
    }

    private static void AppendLink(IElement link, StringBuilder text, int listDepth)
    {
        var start = text.Length;
        Append(link, text, listDepth);
        var label = text.ToString(start, text.Length - start).Trim();
        var href = link.GetAttribute("href");
        var mention = link.HasAttribute("data-asana-gid") || label.StartsWith('@');
        if (!mention && !string.IsNullOrWhiteSpace(href) && !string.Equals(label, href, StringComparison.Ordinal))
        {
            text.Append(label.Length == 0 ? href : $" ({href})");
        }
    }

    private static int ItemNumber(IElement item) =>
        1 + item.ParentElement!.Children.TakeWhile(c => !ReferenceEquals(c, item)).Count(c => c.LocalName == "li");

    private static void NewLine(StringBuilder text)
    {
        if (text.Length > 0 && text[^1] != '\n')
        {
            text.Append('\n');
        }
    }

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex BlankLines();
}
