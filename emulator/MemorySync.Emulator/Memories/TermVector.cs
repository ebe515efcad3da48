namespace MemorySync.Emulator.Memories;

/// <summary>The words of a text and how often each occurs, for keyword scoring.</summary>
internal sealed class TermVector
{
    private TermVector(Dictionary<string, int> counts, int length)
    {
        Counts = counts;
        Length = length;
    }

    public Dictionary<string, int> Counts { get; }

    public int Length { get; }

    public static TermVector From(string text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var length = 0;
        foreach (var word in TextRules.Words(text))
        {
            counts[word] = counts.GetValueOrDefault(word) + 1;
            length++;
        }

        return new TermVector(counts, length);
    }
}

/// <summary>
/// Okapi BM25 over the searched memories, normalised to 0..1 by the best score the query could reach (every query
/// word present with a very high frequency), so a memory containing all query words often scores close to 1.
/// </summary>
internal static class Bm25
{
    private const double K1 = 1.2;
    private const double B = 0.75;

    public static List<(StoredMemory Memory, double Score)> Rank(IReadOnlyList<StoredMemory> corpus, string query)
    {
        var terms = TextRules.Words(query).Distinct(StringComparer.Ordinal).ToArray();
        var ranked = new List<(StoredMemory, double)>();
        if (terms.Length == 0 || corpus.Count == 0)
        {
            return ranked;
        }

        var frequency = new int[terms.Length];
        double totalLength = 0;
        foreach (var memory in corpus)
        {
            var vector = memory.Terms;
            totalLength += vector.Length;
            for (var t = 0; t < terms.Length; t++)
            {
                if (vector.Counts.ContainsKey(terms[t]))
                {
                    frequency[t]++;
                }
            }
        }

        var averageLength = Math.Max(1, totalLength / corpus.Count);
        var idf = new double[terms.Length];
        double best = 0;
        for (var t = 0; t < terms.Length; t++)
        {
            idf[t] = Math.Log(1 + ((corpus.Count - frequency[t] + 0.5) / (frequency[t] + 0.5)));
            best += idf[t] * (K1 + 1);
        }

        foreach (var memory in corpus)
        {
            var vector = memory.Terms;
            double score = 0;
            for (var t = 0; t < terms.Length; t++)
            {
                if (vector.Counts.TryGetValue(terms[t], out var tf))
                {
                    score += idf[t] * (tf * (K1 + 1) / (tf + (K1 * (1 - B + (B * vector.Length / averageLength)))));
                }
            }

            if (score > 0)
            {
                ranked.Add((memory, Math.Round(score / best, 4)));
            }
        }

        ranked.Sort(static (a, b) => b.Item2 != a.Item2 ? b.Item2.CompareTo(a.Item2) : b.Item1.Id.CompareTo(a.Item1.Id));
        return ranked;
    }
}
