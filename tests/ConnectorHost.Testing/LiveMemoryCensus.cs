using FluentAssertions;
using MemorySync.Emulator.Admin;
using NUnit.Framework;

namespace ConnectorHost.Testing;

/// <summary>
/// Checks a connector's live memories against the native ids it should hold: each once, none missing, nothing else.
/// Prints the counts for the CI log.
/// </summary>
public static class LiveMemoryCensus
{
    /// <param name="connector">The connector, for the printed line.</param>
    /// <param name="live">The connector's live memories.</param>
    /// <param name="expected">The native ids that should be live.</param>
    /// <param name="items">What the items are, plural ("files", "tasks"), for the failure messages.</param>
    public static void ShouldHoldEachOnce(
        string connector, IReadOnlyList<EmulatorMemory> live, IReadOnlyCollection<string> expected, string items)
    {
        var wanted = expected.ToHashSet(StringComparer.Ordinal);
        var byId = live.GroupBy(m => m.MetadataValue("native_id") ?? "", StringComparer.Ordinal).ToList();
        var duplicated = byId.Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var unexpected = byId.Where(g => !wanted.Contains(g.Key)).Select(g => g.Key).ToList();
        var missing = wanted.Except(byId.Select(g => g.Key), StringComparer.Ordinal).ToList();
        TestContext.Out.WriteLine(
            $"[{connector}] expected {wanted.Count} · live {live.Count} · found {wanted.Count - missing.Count} · " +
            $"missing {missing.Count} · duplicated {duplicated.Count} · unexpected {unexpected.Count}");

        duplicated.Should().BeEmpty($"every one of the {items} is stored once");
        missing.Should().BeEmpty($"every one of the {items} in scope is live");
        unexpected.Should().BeEmpty($"nothing but the {items} in scope is live");
    }
}
