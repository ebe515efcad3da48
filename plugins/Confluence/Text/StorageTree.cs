using AngleSharp.Html;
using AngleSharp.Html.Parser;
using AngleSharp.Html.Parser.Tokens;
using AngleSharp.Text;

namespace ConnectorHost.Plugins.Confluence.Text;

/// <summary>A node of a parsed storage-format document: an element or a run of text.</summary>
internal abstract class StorageNode
{
}

internal sealed class StorageText(string text) : StorageNode
{
    public string Text { get; } = text;
}

internal sealed class StorageElement(string name, IReadOnlyDictionary<string, string> attributes) : StorageNode
{
    public string Name { get; } = name;

    public IReadOnlyDictionary<string, string> Attributes { get; } = attributes;

    public List<StorageNode> Children { get; } = [];

    public string? Attribute(string name) => Attributes.TryGetValue(name, out var value) ? value : null;

    public IEnumerable<StorageElement> Elements(string name) =>
        Children.OfType<StorageElement>().Where(e => e.Name == name);

    public StorageElement? Element(string name) => Elements(name).FirstOrDefault();

    public IEnumerable<StorageElement> Descendants()
    {
        foreach (var child in Children.OfType<StorageElement>())
        {
            yield return child;
            foreach (var descendant in child.Descendants())
            {
                yield return descendant;
            }
        }
    }

    /// <summary>The concatenated text of every descendant text node.</summary>
    public string InnerText()
    {
        var builder = new System.Text.StringBuilder();
        Append(this);
        return builder.ToString();

        void Append(StorageElement element)
        {
            foreach (var child in element.Children)
            {
                if (child is StorageText text)
                {
                    builder.Append(text.Text);
                }
                else if (child is StorageElement e)
                {
                    Append(e);
                }
            }
        }
    }
}

/// <summary>
/// Parses Confluence storage format leniently. It is XHTML with undeclared <c>ac:</c>/<c>ri:</c> prefixes, HTML named
/// entities and CDATA sections, so neither an XML parser (undeclared prefixes, entities) nor an HTML tree builder
/// (which ignores <c>/&gt;</c> on unknown elements and turns CDATA into comments) reads it right. AngleSharp's HTML
/// tokenizer reads every token correctly; this builds the tree the way XML would: self-closing tags close, an end tag
/// closes the nearest open element of its name, stray end tags are ignored and HTML void elements never open.
/// </summary>
internal static class StorageTree
{
    private static readonly HashSet<string> s_voidElements = new(StringComparer.Ordinal)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    };

    public static StorageElement Parse(string storage)
    {
        var root = new StorageElement("#root", new Dictionary<string, string>(StringComparer.Ordinal));
        var open = new List<StorageElement> { root };
        var tokenizer = new HtmlTokenizer(new TextSource(storage), HtmlEntityProvider.Resolver)
        {
            IsAcceptingCharacterData = true,
            SkipComments = true,
            SkipProcessingInstructions = true,
        };

        for (var token = tokenizer.Get(); token.Type != HtmlTokenType.EndOfFile; token = tokenizer.Get())
        {
            switch (token.Type)
            {
                case HtmlTokenType.Character:
                    open[^1].Children.Add(new StorageText(token.Data));
                    break;
                case HtmlTokenType.StartTag:
                    var tag = (HtmlTagToken)token;
                    var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var attribute in tag.Attributes)
                    {
                        attributes.TryAdd(attribute.Name, attribute.Value);
                    }

                    var element = new StorageElement(tag.Name, attributes);
                    open[^1].Children.Add(element);
                    if (!tag.IsSelfClosing && !s_voidElements.Contains(tag.Name))
                    {
                        open.Add(element);
                    }

                    break;
                case HtmlTokenType.EndTag:
                    var index = open.FindLastIndex(e => e.Name == token.Name);
                    if (index > 0)
                    {
                        open.RemoveRange(index, open.Count - index);
                    }

                    break;
                default:
                    break;
            }
        }

        return root;
    }
}
