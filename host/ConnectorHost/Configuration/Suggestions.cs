namespace ConnectorHost.Configuration;

/// <summary>"Did you mean" for misspelt keys and values.</summary>
internal static class Suggestions
{
    /// <summary>
    /// The candidate closest to <paramref name="given"/>, when it is close enough to be a likely typo (a different case
    /// or up to about a third of the letters wrong); otherwise <see langword="null"/>.
    /// </summary>
    public static string? Closest(string given, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            if (string.Equals(candidate, given, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }

            var distance = Distance(given.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        var tolerance = Math.Max(2, Math.Max(given.Length, best?.Length ?? 0) / 3);
        return bestDistance <= tolerance ? best : null;
    }

    /// <summary>
    /// ", did you mean "x"?" when a candidate is close, else "; known: a, b, c" (or nothing when there are none):
    /// the tail of an "unknown ..." message.
    /// </summary>
    public static string DidYouMean(string given, IReadOnlyCollection<string> candidates)
    {
        var closest = Closest(given, candidates);
        if (closest is not null)
        {
            return $"; did you mean \"{closest}\"?";
        }

        return candidates.Count == 0 ? "" : $"; known: {string.Join(", ", candidates)}";
    }

    /// <summary>Levenshtein distance, with a transposition counted as one edit (optimal string alignment).</summary>
    private static int Distance(string a, string b)
    {
        var previousPrevious = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    current[j] = Math.Min(current[j], previousPrevious[j - 2] + 1);
                }
            }

            (previousPrevious, previous, current) = (previous, current, previousPrevious);
        }

        return previous[b.Length];
    }
}
