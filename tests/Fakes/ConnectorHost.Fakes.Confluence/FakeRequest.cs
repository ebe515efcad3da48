namespace ConnectorHost.Fakes.Confluence;

/// <summary>One request the fake answered, for tests to assert on.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path, with the context path (<c>/wiki/rest/api/content/search</c>).</param>
/// <param name="Query">The query parameters, each with every value it was given.</param>
/// <param name="AuthScheme">The <c>Authorization</c> scheme sent (<c>Basic</c>, <c>Bearer</c>), if any.</param>
/// <param name="Authorized">Whether the credentials were accepted.</param>
/// <param name="Route">The endpoint family.</param>
/// <param name="StatusCode">The status answered.</param>
public sealed record FakeRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string[]> Query,
    string? AuthScheme,
    bool Authorized,
    FakeRoute Route,
    int StatusCode)
{
    /// <summary>The first value of a query parameter, if given.</summary>
    public string? Param(string name) => Query.TryGetValue(name, out var values) && values.Length > 0 ? values[0] : null;

    /// <summary>Whether a query parameter was given at all.</summary>
    public bool Has(string name) => Query.ContainsKey(name);
}
