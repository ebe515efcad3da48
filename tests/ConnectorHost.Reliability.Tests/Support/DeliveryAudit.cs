using MemorySync.Emulator.Admin;
using MemorySync.Emulator.Hosting;

namespace ConnectorHost.Reliability.Tests.Support;

/// <summary>What MemorySync holds for one connector, held against what the source holds.</summary>
/// <param name="Expected">Items in the source now.</param>
/// <param name="Found">Source items with a live memory of their current version.</param>
/// <param name="Duplicated">Live memories beyond the first for one native id.</param>
/// <param name="Lost">Source items with no live memory of their current version.</param>
/// <param name="Stale">Live memories of an older version or of an item the source no longer has.</param>
/// <param name="StoredTwice">(native id, version) pairs stored more than once, forgotten copies included.</param>
internal sealed record DeliveryAudit(int Expected, int Found, int Duplicated, int Lost, int Stale, int StoredTwice)
{
    public bool IsExact => Found == Expected && Duplicated == 0 && Lost == 0 && Stale == 0 && StoredTwice == 0;

    /// <summary>Reads the emulator's memories of <paramref name="connector"/> and compares them with <paramref name="source"/> (native id → version).</summary>
    public static async Task<DeliveryAudit> TakeAsync(MemorySyncEmulatorHost emulator, string connector, IReadOnlyDictionary<string, string> source)
    {
        var memories = await emulator.Admin.GetMemoriesAsync(new MemoryFilter { MetadataKey = "connector", MetadataValue = connector, IncludeDeleted = true });
        var live = memories.Where(m => !m.IsDeleted).GroupBy(m => m.MetadataValue("native_id") ?? "").ToDictionary(g => g.Key, g => g.ToList());
        var found = source.Count(item => live.TryGetValue(item.Key, out var copies) && copies.Any(m => m.MetadataValue("version") == item.Value));
        var duplicated = live.Values.Sum(copies => Math.Max(0, copies.Count - 1));
        var stale = live.Sum(g => g.Value.Count(m => !source.TryGetValue(g.Key, out var version) || m.MetadataValue("version") != version));
        var storedTwice = memories.GroupBy(m => (m.MetadataValue("native_id"), m.MetadataValue("version"))).Count(g => g.Count() > 1);
        return new DeliveryAudit(source.Count, found, duplicated, source.Count - found, stale, storedTwice);
    }

    public override string ToString() =>
        $"expected {Expected}, found {Found}, duplicated {Duplicated}, lost {Lost}, stale {Stale}, stored twice {StoredTwice}";
}
